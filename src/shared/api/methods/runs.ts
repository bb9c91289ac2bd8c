import { z } from 'zod';
import { Device, Id, JobStarted, RunSummary } from '../../domain';

/**
 * Where a run's time went (`tessera run --profile`; the `runs.start` job result's `profile`), in
 * milliseconds summed over the images computed (cache hits and failures are not counted):
 * decode (image file -> RGB), preprocess (RGB -> input tensor, up to the first inference call),
 * inference (session.run in the inference worker), transfer (worker round trips and queueing, not
 * counting session.run), postprocess (model outputs -> masks, RLEs, heatmaps), commit (SQLite).
 * `mainBusyMs` is the engine thread's share (preprocess + postprocess + commit; images decode in
 * sharp's threads); `wallMs` the job's time from the first image to the last commit. One image's
 * stages overlap the next image's inference, so they add up to more than `wallMs`.
 */
export const RunProfile = z.object({
  images: z.number().int(),
  wallMs: z.number(),
  mainBusyMs: z.number(),
  stages: z.object({
    decode: z.number(),
    preprocess: z.number(),
    inference: z.number(),
    transfer: z.number(),
    postprocess: z.number(),
    commit: z.number(),
  }),
  /**
   * Distinct (model, input shapes) the computed images fed: on CUDA each new one costs a cuDNN algorithm
   * search (docs/gpu/). Absent in older summaries.
   */
  inputShapes: z.number().int().optional(),
  /** Where post-processing ran: 'pool' (worker threads, a run on CUDA) or 'inline' (the engine's thread). Absent in older summaries. */
  postprocessIn: z.enum(['pool', 'inline']).optional(),
});
export type RunProfile = z.infer<typeof RunProfile>;

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
      runName: z.string().min(1, 'a run name cannot be empty').max(200, 'a run name has at most 200 characters').optional(),
      subset: z.string().min(1).optional(),
      device: Device.default('auto'),
    }),
    output: JobStarted.extend({ runId: Id }),
  },
} as const;
