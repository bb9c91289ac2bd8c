import { z } from 'zod';
import { ApiErrorData } from '../api/errors';
import { JobId } from './ids';

export const JobStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
export type JobStatus = z.infer<typeof JobStatus>;

/**
 * What a job is about, in words and links: "Run toy-cam on scenes as cam-1". Names are looked up
 * when the job is listed (a renamed dataset shows its new name; a deleted one is null).
 */
export const JobSubject = z.object({
  title: z.string(),
  datasetId: z.number().int().nullable(),
  datasetName: z.string().nullable(),
  runId: z.number().int().nullable(),
  runName: z.string().nullable(),
  modelName: z.string().nullable(),
  /** First 12 hex digits of the model file's sha256. */
  modelSha: z.string().nullable(),
  /** The run's or model's model is a toy. */
  toy: z.boolean(),
});
export type JobSubject = z.infer<typeof JobSubject>;

export const JobState = z.object({
  id: JobId,
  kind: z.string(),
  status: JobStatus,
  done: z.number().int(),
  total: z.number().int(),
  stage: z.string(),
  error: ApiErrorData.nullable(),
  /** Kind-specific result (e.g. an ImportResult); parse it with that kind's schema. */
  result: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Set by jobs.list / jobs.get. */
  subject: JobSubject.optional(),
});
export type JobState = z.infer<typeof JobState>;

export const JobStarted = z.object({ jobId: JobId });
export type JobStarted = z.infer<typeof JobStarted>;

export const JobProgress = z.object({ jobId: JobId, done: z.number().int(), total: z.number().int(), stage: z.string() });
export type JobProgress = z.infer<typeof JobProgress>;

export const JobFinished = z.object({
  jobId: JobId,
  status: z.enum(['succeeded', 'failed', 'cancelled']),
  error: ApiErrorData.nullable(),
  result: z.record(z.string(), z.unknown()).nullable(),
});
export type JobFinished = z.infer<typeof JobFinished>;
