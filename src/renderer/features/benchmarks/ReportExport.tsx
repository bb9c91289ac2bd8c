import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { RunSummary } from '../../../shared';
import { ReportFormat, ReportResult } from '../../../shared/api/methods/reports';
import { apiQuery } from '../../api/queries';
import { client } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';

const LIVE = new Set(['queued', 'running']);

/** Writes a report of every run (compared with the first) into the workspace's reports/ folder, with job progress. */
export function ReportExport({
  datasetId,
  runs,
  subset,
}: {
  datasetId: number;
  runs: RunSummary[];
  subset: string | undefined;
}): React.JSX.Element {
  const [format, setFormat] = useState<ReportFormat>('html');
  const start = useMutation({
    mutationFn: () => client.call('reports.create', { datasetId, runIds: runs.slice(0, 8).map((r) => r.id), format, subset }),
  });
  const jobId = start.data?.jobId;
  // job.progress events patch this query's cache (EventBridge); job.finished invalidates it. A slow
  // poll while the job is live covers events missed during a WebSocket reconnect.
  const job = useQuery({
    ...apiQuery('jobs.get', { jobId: jobId ?? '' }),
    enabled: jobId !== undefined,
    staleTime: 0,
    refetchInterval: (q) => (q.state.data !== undefined && !LIVE.has(q.state.data.status) ? false : 1000),
  });
  const state = job.data;
  const result = state?.status === 'succeeded' ? ReportResult.safeParse(state.result) : null;
  return (
    <div className="bench-controls" data-testid="bench-report">
      <select data-testid="report-format" value={format} onChange={(e) => setFormat(ReportFormat.parse(e.target.value))}>
        {ReportFormat.options.map((f) => (
          <option key={f} value={f}>
            .{f}
          </option>
        ))}
      </select>
      <button
        data-testid="report-export"
        disabled={runs.length === 0 || start.isPending || (state !== undefined && LIVE.has(state.status))}
        onClick={() => start.mutate()}
      >
        Export report
      </button>
      {state !== undefined && LIVE.has(state.status) ? (
        <span>
          <progress max={Math.max(1, state.total)} value={state.done} data-testid="report-progress" /> {state.stage}
        </span>
      ) : null}
      {result?.success === true ? (
        <span data-testid="report-path">
          wrote <code>{result.data.path}</code>
        </span>
      ) : null}
      {state?.error ? <ErrorBanner error={new Error(state.error.message)} /> : null}
      {start.error ? <ErrorBanner error={start.error} /> : null}
    </div>
  );
}
