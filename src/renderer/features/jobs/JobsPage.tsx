import { useEffect } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { JobState } from '../../../shared';
import { apiQuery } from '../../api/queries';
import { client } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';

const LIVE = new Set(['queued', 'running']);

/** Background jobs (imports, runs, evaluations) with live progress from job.progress events, and Cancel. */
export function JobsPage(): React.JSX.Element {
  const queryClient = useQueryClient();
  const jobs = useQuery(apiQuery('jobs.list', {}));
  useEffect(
    () =>
      client.on('job.progress', (p) => {
        const key = apiQuery('jobs.list', {}).queryKey;
        const list = queryClient.getQueryData<JobState[]>(key);
        if (list?.some((j) => j.id === p.jobId) === true) {
          queryClient.setQueryData<JobState[]>(
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
  const cancel = useMutation({ mutationFn: (jobId: string) => client.call('jobs.cancel', { jobId }) });
  if (jobs.error) return <ErrorBanner error={jobs.error} />;
  if (jobs.data === undefined) return <p className="muted">Loading jobs…</p>;
  const list = [...jobs.data].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return (
    <section>
      <h2>Jobs</h2>
      {list.length === 0 ? <p className="muted">No jobs yet: imports, model runs and evaluations show up here.</p> : null}
      <table className="datasets jobs" data-testid="jobs-table">
        <thead>
          <tr>
            <th>Kind</th>
            <th>Status</th>
            <th>Progress</th>
            <th>Stage</th>
            <th>Started</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.map((j) => (
            <tr key={j.id} data-testid="job-row" data-job-id={j.id} data-status={j.status}>
              <td>{j.kind}</td>
              <td data-testid="job-status">{j.status}</td>
              <td>
                <progress max={Math.max(1, j.total)} value={j.done} data-testid="job-progress" /> {j.done}/{j.total}
              </td>
              <td className="muted">{j.error?.message ?? j.stage}</td>
              <td className="muted">{new Date(j.createdAt).toLocaleString()}</td>
              <td>
                {LIVE.has(j.status) ? (
                  <button data-testid="job-cancel" disabled={cancel.isPending} onClick={() => cancel.mutate(j.id)}>
                    Cancel
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {cancel.error ? <ErrorBanner error={cancel.error} /> : null}
    </section>
  );
}
