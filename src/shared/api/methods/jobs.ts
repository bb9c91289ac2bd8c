import { z } from 'zod';
import { JobId, JobState } from '../../domain';

export const jobMethods = {
  'jobs.list': { input: z.object({}), output: z.array(JobState) },
  'jobs.get': { input: z.object({ jobId: JobId }), output: JobState },
  'jobs.cancel': { input: z.object({ jobId: JobId }), output: z.object({}) },
} as const;
