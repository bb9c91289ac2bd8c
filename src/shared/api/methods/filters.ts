import { z } from 'zod';
import { Id, ImageFilter } from '../../domain';

export const SavedFilter = z.object({ id: Id, datasetId: Id, name: z.string(), filter: ImageFilter });
export type SavedFilter = z.infer<typeof SavedFilter>;

/** Saved gallery filters: named evaluation subsets a researcher returns to. */
export const filterMethods = {
  'filters.list': { input: z.object({ datasetId: Id }), output: z.array(SavedFilter) },
  /** Saves (or replaces) the filter under this name for the dataset. */
  'filters.save': { input: z.object({ datasetId: Id, name: z.string().trim().min(1).max(100), filter: ImageFilter }), output: SavedFilter },
  'filters.delete': { input: z.object({ id: Id }), output: z.object({}) },
} as const;
