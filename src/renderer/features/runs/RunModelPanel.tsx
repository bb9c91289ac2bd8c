import { useEffect, useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { Device, JobFinished, JobProgress } from '../../../shared';
import { apiQuery } from '../../api/queries';
import { client } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { routeHref } from '../../router';

interface Started {
  jobId: string;
  runId: number;
  datasetId: number;
}

/** Follows one job through its events: progress until job.finished. */
function useJobEvents(jobId: string | null): { progress: JobProgress | null; finished: JobFinished | null } {
  const [progress, setProgress] = useState<JobProgress | null>(null);
  const [finished, setFinished] = useState<JobFinished | null>(null);
  useEffect(() => {
    setProgress(null);
    setFinished(null);
    if (jobId === null) return;
    // The job may have finished before we subscribed, or events may be missed during a WebSocket
    // reconnect: ask now, then every two seconds until it is over.
    let over = false;
    const offP = client.on('job.progress', (p) => p.jobId === jobId && setProgress(p));
    const offF = client.on('job.finished', (f) => {
      if (f.jobId !== jobId) return;
      over = true;
      setFinished(f);
    });
    const ask = (): void => {
      void client.call('jobs.get', { jobId }).then((j) => {
        if (j.status === 'succeeded' || j.status === 'failed' || j.status === 'cancelled') {
          over = true;
          setFinished({ jobId, status: j.status, error: j.error, result: j.result });
        } else setProgress({ jobId, done: j.done, total: j.total, stage: j.stage });
      });
    };
    ask();
    const timer = window.setInterval(() => {
      if (!over) ask();
    }, 2000);
    return () => {
      window.clearInterval(timer);
      offP();
      offF();
    };
  }, [jobId]);
  return { progress, finished };
}

/** Run a registered model over a dataset (or a tagged subset): `tessera run` from the UI. */
export function RunModelPanel(): React.JSX.Element {
  const models = useQuery(apiQuery('models.list', {}));
  const datasets = useQuery(apiQuery('datasets.list', {}));
  const [modelId, setModelId] = useState<number | null>(null);
  const [datasetId, setDatasetId] = useState<number | null>(null);
  const [runName, setRunName] = useState('');
  const [subset, setSubset] = useState('');
  const [device, setDevice] = useState<Device>('auto');
  const [started, setStarted] = useState<Started | null>(null);
  const { progress, finished } = useJobEvents(started?.jobId ?? null);
  const start = useMutation({
    mutationFn: async () => {
      if (modelId === null || datasetId === null) throw new Error('choose a model and a dataset');
      const r = await client.call('runs.start', {
        modelId,
        datasetId,
        device,
        ...(runName.trim() === '' ? {} : { runName: runName.trim() }),
        ...(subset.trim() === '' ? {} : { subset: subset.trim() }),
      });
      return { ...r, datasetId };
    },
    onSuccess: (s) => setStarted(s),
  });
  const run = useQuery({ ...apiQuery('runs.get', { runId: started?.runId ?? 1 }), enabled: started !== null && finished !== null });
  const modelList = models.data ?? [];
  const datasetList = datasets.data ?? [];
  const running = started !== null && finished === null;
  return (
    <section className="run-model" data-testid="run-model">
      <h3>Run a model</h3>
      <div className="form-row">
        <label>
          Model
          <select
            data-testid="run-model-select"
            value={modelId ?? ''}
            onChange={(e) => setModelId(e.target.value === '' ? null : Number(e.target.value))}
          >
            <option value="">choose…</option>
            {modelList.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name} ({m.kind}){m.toy ? ' TOY' : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          Dataset
          <select
            data-testid="run-dataset-select"
            value={datasetId ?? ''}
            onChange={(e) => setDatasetId(e.target.value === '' ? null : Number(e.target.value))}
          >
            <option value="">choose…</option>
            {datasetList.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} ({d.task}, {d.imageCount} images)
              </option>
            ))}
          </select>
        </label>
        <label>
          Run name
          <input data-testid="run-name" placeholder="model name" value={runName} onChange={(e) => setRunName(e.target.value)} />
        </label>
        <label>
          Subset tag
          <input data-testid="run-subset" placeholder="all" value={subset} onChange={(e) => setSubset(e.target.value)} />
        </label>
        <label>
          Device
          <select data-testid="run-device" value={device} onChange={(e) => setDevice(e.target.value as Device)}>
            <option value="auto">auto (CUDA if installed)</option>
            <option value="cpu">CPU</option>
            <option value="cuda">CUDA</option>
          </select>
        </label>
        <button data-testid="run-start" disabled={modelId === null || datasetId === null || running} onClick={() => start.mutate()}>
          Run
        </button>
        {running ? (
          <button data-testid="run-cancel" onClick={() => void client.call('jobs.cancel', { jobId: started.jobId })}>
            Cancel
          </button>
        ) : null}
      </div>
      {start.error ? <ErrorBanner error={start.error} /> : null}
      {running ? (
        <p data-testid="run-progress">
          <progress max={Math.max(1, progress?.total ?? 1)} value={progress?.done ?? 0} /> {progress?.done ?? 0}/{progress?.total ?? '…'}{' '}
          <span className="muted">{progress?.stage ?? 'starting'}</span>
        </p>
      ) : null}
      {finished !== null && started !== null ? (
        <div data-testid="run-result" data-status={finished.status}>
          {finished.status === 'succeeded' ? (
            <p>
              Run <strong>{run.data?.name ?? ''}</strong> {run.data?.status ?? 'complete'} on{' '}
              <strong data-testid="run-provider">{run.data?.executionProvider ?? '…'}</strong>
              {typeof finished.result?.['providerFallback'] === 'string' ? (
                <span className="muted"> ({String(finished.result['providerFallback'])})</span>
              ) : null}
              {' · '}
              <a href={routeHref({ page: 'gallery', datasetId: started.datasetId })}>open the dataset</a>
            </p>
          ) : (
            <ErrorBanner error={finished.error === null ? new Error(finished.status) : new Error(finished.error.message)} />
          )}
        </div>
      ) : null}
    </section>
  );
}
