import { useEffect, useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { runOriginText, type Device } from '../../../shared';
import { apiQuery } from '../../api/queries';
import { client } from '../../api/client';
import { useJob } from '../../api/useJob';
import { ErrorBanner } from '../../components/ErrorBanner';
import { routeHref } from '../../router';

interface Started {
  jobId: string;
  runId: number;
  datasetId: number;
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
  const followed = useJob(started?.jobId ?? null, 'runs.start');
  const progress = followed.live ? followed.job : undefined;
  const finished = followed.over ? (followed.job ?? null) : null;
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
  // Coming back to this page while a run is still computing: follow it again (its job is in jobs.list).
  const jobs = useQuery({ ...apiQuery('jobs.list', {}), refetchOnMount: 'always' });
  useEffect(() => {
    if (started !== null || jobs.data === undefined) return;
    const live = jobs.data.find((j) => j.kind === 'runs.start' && (j.status === 'running' || j.status === 'queued'));
    const subject = live?.subject;
    if (live === undefined || subject?.runId == null || subject.datasetId === null) return;
    const { runId, datasetId: followedDataset } = subject;
    setStarted({ jobId: live.id, runId, datasetId: followedDataset });
    // ...and show the run it is: its model, dataset and name, so Cancel's "Continue run" can be pressed as offered.
    setDatasetId(followedDataset);
    void client
      .call('runs.get', { runId })
      .then((r) => {
        if (r.modelId !== null) setModelId(r.modelId);
        setRunName(r.name);
      })
      .catch(() => undefined);
  }, [jobs.data, started]);
  // A taken run name: say so before Run, and offer to continue it or to pick a free name.
  const model = models.data?.find((m) => m.id === modelId);
  const effectiveName = runName.trim() === '' ? (model?.name ?? '') : runName.trim();
  const datasetRuns = useQuery({ ...apiQuery('runs.list', { datasetId: datasetId ?? 1 }), enabled: datasetId !== null });
  const existing = datasetId === null ? undefined : datasetRuns.data?.find((r) => r.name === effectiveName);
  const freeName = (): string => {
    const taken = new Set((datasetRuns.data ?? []).map((r) => r.name));
    let i = 2;
    while (taken.has(`${effectiveName}-${i}`)) i++;
    return `${effectiveName}-${i}`;
  };
  const modelList = models.data ?? [];
  const datasetList = datasets.data ?? [];
  const running = started !== null && finished === null;
  // Cancel takes effect at the run's next image: until the job ends, the panel says "cancelling…".
  const [cancelRequested, setCancelRequested] = useState<string | null>(null);
  const cancelling = running && cancelRequested === started.jobId;
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
          {existing !== undefined && !running ? 'Continue run' : 'Run'}
        </button>
        {running ? (
          <button
            data-testid="run-cancel"
            disabled={cancelling}
            onClick={() => {
              const jobId = started.jobId;
              setCancelRequested(jobId);
              client.call('jobs.cancel', { jobId }).catch(() => setCancelRequested(null));
            }}
          >
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        ) : null}
      </div>
      {existing !== undefined && !running && finished === null ? (
        <p className="notice" data-testid="run-name-taken">
          A run named <strong>{existing.name}</strong> exists on this dataset already ({runOriginText(existing)},{' '}
          {existing.predictedSamples} samples done, {existing.status}). <strong>Continue run</strong> resumes it when the same model and
          parameters made it;{' '}
          <button type="button" className="link-button" data-testid="run-new-name" onClick={() => setRunName(freeName())}>
            use a new name ({freeName()})
          </button>{' '}
          to start over beside it.
        </p>
      ) : null}
      {start.error ? <ErrorBanner error={start.error} /> : null}
      {running ? (
        <p data-testid="run-progress">
          <progress max={Math.max(1, progress?.total ?? 1)} value={progress?.done ?? 0} /> {progress?.done ?? 0}/{progress?.total ?? '…'}{' '}
          <span className="muted">{cancelling ? 'cancelling…' : (progress?.stage ?? 'starting')}</span>
        </p>
      ) : null}
      {finished !== null && started !== null ? (
        <div data-testid="run-result" data-status={finished.status}>
          {finished.status === 'succeeded' ? (
            <p>
              Run <strong>{run.data?.name ?? ''}</strong> {run.data?.status ?? 'complete'} on{' '}
              <strong data-testid="run-provider">{run.data?.executionProvider ?? '…'}</strong>
              {followed.result?.providerFallback != null ? <span className="muted"> ({followed.result.providerFallback})</span> : null}
              {' · '}
              <a href={routeHref({ page: 'gallery', datasetId: started.datasetId })}>open the dataset</a>
            </p>
          ) : finished.status === 'cancelled' ? (
            <p className="notice" data-testid="run-cancelled">
              Cancelled after {finished.done} of {finished.total} images. The images done are kept: <strong>Continue run</strong> under the
              same name resumes it.
            </p>
          ) : (
            <ErrorBanner error={finished.error === null ? new Error(finished.status) : new Error(finished.error.message)} />
          )}
        </div>
      ) : null}
    </section>
  );
}
