import { z } from 'zod';
import { ApiErrorData } from '../api/errors';
import { JobId } from './ids';

export const JobStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
export type JobStatus = z.infer<typeof JobStatus>;

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
