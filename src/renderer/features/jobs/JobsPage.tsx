import { useEffect, useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import type { JobState } from '../../../shared';
import { EvaluationResult } from '../../../shared/api/jobKinds';
import { client } from '../../api/client';
import { useJobs } from '../../api/useJob';
import { ErrorBanner } from '../../components/ErrorBanner';
import { routeHref } from '../../router';

const LIVE = new Set(['queued', 'running']);

/** 4 s, 2 min 05 s, 1 h 03 min. */
export function durationText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** Where a job's result is: the run's gallery, the dataset, or nothing (a deleted dataset, a failed import). */
function resultLink(j: JobState): { href: string; label: string } | null {
  const s = j.subject;
  if (s === undefined || s.datasetId === null) return null;
  if (j.kind === 'metrics.evaluate' || j.kind === 'reports.create')
    return { href: routeHref({ page: 'benchmarks', datasetId: s.datasetId }), label: 'benchmarks' };
  if (j.kind === 'runs.start' || (j.kind === 'datasets.import' && s.runId !== null))
    return {
      href: routeHref({ page: 'gallery', datasetId: s.datasetId }),
      label: s.runName === null ? 'open dataset' : `open ${s.runName}`,
    };
  return { href: routeHref({ page: 'gallery', datasetId: s.datasetId }), label: 'open dataset' };
}

/**
 * An evaluation that found every stored score current: `tessera eval`, `compare` and reports start
 * one per run each time, so a day in the shell beside the app filled the list with them and buried
 * the runs and imports. Hidden unless asked for.
 */
export function nothingToDo(j: JobState): boolean {
  if (j.kind !== 'metrics.evaluate' || j.status !== 'succeeded') return false;
  const r = EvaluationResult.safeParse(j.result);
  return r.success && r.data.computed === 0 && r.data.removed === 0;
}

/** How long a job has run (or ran), and for a running one an estimate of what is left from its rate so far. */
function timing(j: JobState, now: number): { took: string; left: string | null } {
  const start = Date.parse(j.createdAt);
  const end = LIVE.has(j.status) ? now : Date.parse(j.updatedAt);
  // The page's clock ticks once a second: a job started since the last tick must not show a negative time.
  const elapsed = Math.max(0, end - start);
  let left: string | null = null;
  // An estimate from under a second of progress says nothing ("about 0 s left" at 57 of 3,600).
  if (j.status === 'running' && j.done > 0 && j.total > j.done && elapsed >= 1000)
    left = durationText((elapsed / j.done) * (j.total - j.done));
  return { took: durationText(elapsed), left };
}

/** Background jobs (imports, runs, evaluations) with live progress (useJobs: events, polling while any is live), and Cancel. */
export function JobsPage(): React.JSX.Element {
  const jobs = useJobs();
  // Cancel takes effect at the job's next item: until the job says cancelled, it shows "cancelling…".
  const [cancelling, setCancelling] = useState<ReadonlySet<string>>(new Set());
  const cancel = useMutation({
    mutationFn: (jobId: string) => client.call('jobs.cancel', { jobId }),
    onMutate: (jobId) => setCancelling((c) => new Set([...c, jobId])),
    onError: (_e, jobId) => setCancelling((c) => new Set([...c].filter((id) => id !== jobId))),
  });
  const [showIdle, setShowIdle] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  const anyLive = jobs.jobs?.some((j) => LIVE.has(j.status)) === true;
  useEffect(() => {
    if (!anyLive) return;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [anyLive]);
  if (jobs.error) return <ErrorBanner error={jobs.error} />;
  if (jobs.jobs === undefined) return <p className="muted">Loading jobs…</p>;
  const all = [...jobs.jobs].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const idle = all.filter(nothingToDo).length;
  const list = showIdle ? all : all.filter((j) => !nothingToDo(j));
  return (
    <section>
      <h2>Jobs</h2>
      {all.length === 0 ? <p className="muted">No jobs yet: imports, model runs and evaluations show up here.</p> : null}
      {idle > 0 ? (
        <label className="muted small" data-testid="jobs-show-idle">
          <input type="checkbox" checked={showIdle} onChange={(e) => setShowIdle(e.target.checked)} /> show {idle} evaluation
          {idle === 1 ? '' : 's'} that found every score current
        </label>
      ) : null}
      <table className="datasets jobs" data-testid="jobs-table">
        <thead>
          <tr>
            <th>Job</th>
            <th>Status</th>
            <th>Progress</th>
            <th>Time</th>
            <th>Stage</th>
            <th>Started</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.map((j) => {
            const isCancelling = cancelling.has(j.id) && LIVE.has(j.status);
            const link = resultLink(j);
            const t = timing(j, now);
            const s = j.subject;
            return (
              <tr key={j.id} data-testid="job-row" data-job-id={j.id} data-status={j.status}>
                <td data-testid="job-title">
                  {s?.title ?? j.kind}
                  {s?.toy === true ? (
                    <>
                      {' '}
                      <span className="badge toy" title={`toy model ${s.modelName ?? ''} ${s.modelSha ?? ''}`}>
                        TOY
                      </span>
                    </>
                  ) : null}
                  {s?.modelSha != null ? (
                    <div className="muted small">
                      {s.modelName} <code>{s.modelSha}</code>
                    </div>
                  ) : null}
                </td>
                <td data-testid="job-status">{isCancelling ? 'cancelling…' : j.status}</td>
                <td>
                  <progress max={Math.max(1, j.total)} value={j.done} data-testid="job-progress" /> {j.done}/{j.total}
                </td>
                <td className="muted small" data-testid="job-time">
                  {t.took}
                  {t.left === null ? null : <div>about {t.left} left</div>}
                </td>
                <td className="muted">{j.error?.message ?? j.stage}</td>
                <td className="muted">{new Date(j.createdAt).toLocaleString()}</td>
                <td>
                  {LIVE.has(j.status) ? (
                    <button data-testid="job-cancel" disabled={isCancelling} onClick={() => cancel.mutate(j.id)}>
                      {isCancelling ? 'Cancelling…' : 'Cancel'}
                    </button>
                  ) : j.status === 'succeeded' && link !== null ? (
                    <a href={link.href} data-testid="job-result">
                      {link.label}
                    </a>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {cancel.error ? <ErrorBanner error={cancel.error} /> : null}
    </section>
  );
}
