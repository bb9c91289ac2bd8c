import { ApiError } from '../../../shared/api/errors';
import type { Handlers } from '../api/dispatch';
import type { EngineDeps } from '../deps';
import { jobOwnerOf } from '../store/repos/jobs';
import { currentOwner, parseOwner } from './owner';
import { jobSubject } from './subject';

export function jobHandlers(deps: EngineDeps) {
  // A job another process was running may have died since this engine opened: look again on every read.
  const reap = (): void => {
    deps.repos.jobs.markInterrupted();
  };
  return {
    'jobs.list': async () => {
      reap();
      return deps.repos.jobs.list().map((j) => ({ ...j, subject: jobSubject(deps, j) }));
    },
    'jobs.get': async ({ jobId }) => {
      reap();
      const job = deps.repos.jobs.get(jobId);
      if (job === undefined) throw new ApiError('NOT_FOUND', `job ${jobId} not found`);
      return { ...job, subject: jobSubject(deps, job) };
    },
    'jobs.cancel': async ({ jobId }) => {
      const job = deps.repos.jobs.get(jobId);
      if (job === undefined) throw new ApiError('NOT_FOUND', `job ${jobId} not found`);
      if (deps.jobs.cancel(jobId) || (job.status !== 'running' && job.status !== 'queued')) return {};
      const owner = parseOwner(jobOwnerOf(deps.repos.jobs.params(jobId) ?? '{}'));
      const me = currentOwner();
      if (owner !== null && (owner.pid !== me.pid || owner.host !== me.host)) {
        throw new ApiError(
          'CONFLICT',
          `job ${jobId} runs in another Tessera process (pid ${owner.pid} on ${owner.host}): cancel it there, or stop that process`,
        );
      }
      return {};
    },
  } satisfies Partial<Handlers>;
}
