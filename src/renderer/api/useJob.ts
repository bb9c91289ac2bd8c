import { useEffect } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { jobResult, type JobMethod, type JobResult, type JobState, type JobStatus } from '../../shared';
import { apiQuery } from './queries';
import { client } from './client';

/** While a job is live it is asked for again this often: events lost in a WebSocket reconnect, or sent before the page subscribed, still show. */
const POLL_MS = 1000;

export function isLiveJob(status: JobStatus): boolean {
  return status === 'queued' || status === 'running';
}

export interface FollowedJob<M extends JobMethod> {
  /** The job's state (progress, stage, status, error); undefined until the engine has answered once. */
  job: JobState | undefined;
  /** Queued or running. */
  live: boolean;
  /** The job has ended (succeeded, failed or cancelled). */
  over: boolean;
  /** The finished job's result as its kind defines it (src/shared/api/jobKinds.ts); null until it succeeds. */
  result: JobResult<M> | null;
  /** The job could not be read (e.g. not found). */
  error: Error | null;
}

/**
 * Follows one job, the one way the UI does: job.progress and job.finished events patch its
 * `jobs.get` query as they arrive, and while it is live the engine is asked again every second.
 * `method` is the method that started the job; it types the result.
 */
export function useJob<M extends JobMethod>(jobId: string | null, method: M): FollowedJob<M> {
  const queryClient = useQueryClient();
  const query = useQuery({
    ...apiQuery('jobs.get', { jobId: jobId ?? '' }),
    enabled: jobId !== null,
    staleTime: 0,
    refetchInterval: (q) =>
      q.state.status === 'error' || (q.state.data !== undefined && !isLiveJob(q.state.data.status)) ? false : POLL_MS,
  });
  useEffect(() => {
    if (jobId === null) return undefined;
    const key = apiQuery('jobs.get', { jobId }).queryKey;
    const offProgress = client.on('job.progress', (p) => {
      if (p.jobId !== jobId) return;
      queryClient.setQueryData(key, (old) =>
        old === undefined || !isLiveJob(old.status)
          ? old
          : { ...old, done: p.done, total: p.total, stage: p.stage, status: 'running' as const },
      );
    });
    const offFinished = client.on('job.finished', (f) => {
      if (f.jobId !== jobId) return;
      queryClient.setQueryData(key, (old) => (old === undefined ? old : { ...old, status: f.status, error: f.error, result: f.result }));
      void queryClient.invalidateQueries({ queryKey: key });
    });
    return () => {
      offProgress();
      offFinished();
    };
  }, [jobId, queryClient]);
  const job = jobId === null ? undefined : query.data;
  const live = job !== undefined && isLiveJob(job.status);
  return {
    job,
    live,
    over: job !== undefined && !live,
    result: job?.status === 'succeeded' ? jobResult(method, job) : null,
    error: jobId === null ? null : query.error,
  };
}

/**
 * Follows every job (the Jobs page): job.progress patches the `jobs.list` query (a job it has not
 * seen yet fetches the list again), and while any job is live the list is asked for again every second.
 */
export function useJobs(): { jobs: JobState[] | undefined; error: Error | null } {
  const queryClient = useQueryClient();
  const query = useQuery({
    ...apiQuery('jobs.list', {}),
    refetchInterval: (q) => (q.state.data?.some((j) => isLiveJob(j.status)) === true ? POLL_MS : false),
  });
  useEffect(
    () =>
      client.on('job.progress', (p) => {
        const key = apiQuery('jobs.list', {}).queryKey;
        const list = queryClient.getQueryData(key);
        if (list?.some((j) => j.id === p.jobId) === true) {
          queryClient.setQueryData(
            key,
            list.map((j) => (j.id === p.jobId ? { ...j, ...p, status: 'running' as const } : j)),
          );
        } else {
          // A job this list has not seen yet (started elsewhere): fetch the list again.
          void queryClient.invalidateQueries({ queryKey: ['jobs.list'] });
        }
      }),
    [queryClient],
  );
  return { jobs: query.data, error: query.error };
}
