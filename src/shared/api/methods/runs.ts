import { z } from 'zod';
import { Device, Id, JobStarted, RunSummary } from '../../domain';

export const runMethods = {
  'runs.list': { input: z.object({ datasetId: Id.optional() }), output: z.array(RunSummary) },
  'runs.get': { input: z.object({ runId: Id }), output: RunSummary },
  /**
   * Runs a model over a dataset (or a tagged subset) as a job. Re-running with the same run name
   * resumes: finished samples are kept, never duplicated.
   */
  'runs.start': {
    input: z.object({
      modelId: Id,
      datasetId: Id,
      runName: z.string().min(1).max(200).optional(),
      subset: z.string().min(1).optional(),
      device: Device.default('auto'),
    }),
    output: JobStarted.extend({ runId: Id }),
  },
} as const;
