import { ApiError } from '../../../shared/api/errors';
import type { Handlers } from '../api/dispatch';
import type { EngineDeps } from '../deps';

export function jobHandlers(deps: EngineDeps) {
  return {
    'jobs.list': async () => deps.repos.jobs.list(),
    'jobs.get': async ({ jobId }) => {
      const job = deps.repos.jobs.get(jobId);
      if (job === undefined) throw new ApiError('NOT_FOUND', `job ${jobId} not found`);
      return job;
    },
    'jobs.cancel': async ({ jobId }) => {
      if (deps.repos.jobs.get(jobId) === undefined) throw new ApiError('NOT_FOUND', `job ${jobId} not found`);
      deps.jobs.cancel(jobId);
      return {};
    },
  } satisfies Partial<Handlers>;
}
