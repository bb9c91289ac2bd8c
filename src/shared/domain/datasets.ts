import { z } from 'zod';
import { Id } from './ids';

export const DatasetFormat = z.enum(['folder', 'voc', 'coco', 'reasonseg', 'refcoco']);
export type DatasetFormat = z.infer<typeof DatasetFormat>;

/** semantic: one label map per image; referring: one binary mask per (image, query); unlabelled: images only. */
export const DatasetTask = z.enum(['semantic', 'referring', 'unlabelled']);
export type DatasetTask = z.infer<typeof DatasetTask>;

export const Rgb = z.tuple([z.number().int(), z.number().int(), z.number().int()]);
export type Rgb = z.infer<typeof Rgb>;

export const ClassInfo = z.object({ index: z.number().int().min(0).max(255), name: z.string(), color: Rgb });
export type ClassInfo = z.infer<typeof ClassInfo>;

export const DatasetSummary = z.object({
  id: Id,
  name: z.string(),
  format: DatasetFormat,
  task: DatasetTask,
  sourcePath: z.string().nullable(),
  imageCount: z.number().int(),
  sampleCount: z.number().int(),
  annotatedImageCount: z.number().int(),
  classCount: z.number().int(),
  createdAt: z.string(),
});
export type DatasetSummary = z.infer<typeof DatasetSummary>;

/** A file that an import left out, and why. */
export const SkippedFile = z.object({ file: z.string(), reason: z.string() });
export type SkippedFile = z.infer<typeof SkippedFile>;

export const ImportResult = z.object({
  datasetId: Id,
  name: z.string(),
  images: z.number().int(),
  annotated: z.number().int(),
  skipped: z.array(SkippedFile),
});
export type ImportResult = z.infer<typeof ImportResult>;
