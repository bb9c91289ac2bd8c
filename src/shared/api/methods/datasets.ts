import { z } from 'zod';
import { DatasetSummary, Id, JobStarted } from '../../domain';

export const datasetMethods = {
  'datasets.list': { input: z.object({}), output: z.array(DatasetSummary) },
  'datasets.get': { input: z.object({ datasetId: Id }), output: DatasetSummary },
  /** Long work: starts an import job; its result is an ImportResult. */
  'datasets.importFolder': {
    input: z.object({
      dir: z.string().min(1),
      masksDir: z.string().min(1).optional(),
      name: z.string().min(1).max(200).optional(),
    }),
    output: JobStarted,
  },
} as const;
