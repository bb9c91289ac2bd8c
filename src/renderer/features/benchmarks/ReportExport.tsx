import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { RunSummary } from '../../../shared';
import { ReportFormat } from '../../../shared/api/methods/reports';
import { apiQuery } from '../../api/queries';
import { client } from '../../api/client';
import { useJob } from '../../api/useJob';
import { ErrorBanner } from '../../components/ErrorBanner';

const MIME: Record<ReportFormat, string> = {
  html: 'text/html',
  pdf: 'application/pdf',
  csv: 'text/csv',
  tex: 'application/x-tex',
  json: 'application/json',
};

/** The written report as a download link (an object URL of its bytes, fetched through reports.file). */
function ReportLink({ path }: { path: string }): React.JSX.Element {
  const file = useQuery({ ...apiQuery('reports.file', { path }), staleTime: Infinity, retry: false });
  const [url, setUrl] = useState<string | null>(null);
  const data = file.data;
  useEffect(() => {
    if (data === undefined) return undefined;
    const raw = atob(data.base64);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    const u = URL.createObjectURL(new Blob([bytes], { type: MIME[data.format] }));
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [data]);
  if (file.error) return <ErrorBanner error={file.error} />;
  if (data === undefined || url === null) return <span className="muted">preparing the link…</span>;
  return (
    <a className="button" data-testid="report-link" href={url} download={data.fileName} title={path}>
      Download {data.fileName} ({Math.max(1, Math.round(data.bytes / 1024))} KB)
    </a>
  );
}

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
  const { job: state, live, result } = useJob(start.data?.jobId ?? null, 'reports.create');
  return (
    <div className="bench-controls" data-testid="bench-report">
      <select data-testid="report-format" value={format} onChange={(e) => setFormat(ReportFormat.parse(e.target.value))}>
        {ReportFormat.options.map((f) => (
          <option key={f} value={f}>
            .{f}
          </option>
        ))}
      </select>
      <button data-testid="report-export" disabled={runs.length === 0 || start.isPending || live} onClick={() => start.mutate()}>
        Export report
      </button>
      {state !== undefined && live ? (
        <span>
          <progress max={Math.max(1, state.total)} value={state.done} data-testid="report-progress" /> {state.stage}
        </span>
      ) : null}
      {result !== null ? (
        <>
          <span data-testid="report-path">
            wrote <code>{result.path}</code>
          </span>
          <ReportLink path={result.path} />
        </>
      ) : null}
      {state?.error ? <ErrorBanner error={new Error(state.error.message)} /> : null}
      {start.error ? <ErrorBanner error={start.error} /> : null}
    </div>
  );
}
