import { useQueries, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { RunScores } from '../../../shared/api/methods/metrics';
import { apiQuery } from '../../api/queries';
import { ErrorBanner } from '../../components/ErrorBanner';
import { routeHref } from '../../router';
import { CamSweepChart, isCamRun } from './CamSweepChart';
import { ClassBars } from './ClassBars';
import { ComparePanel } from './ComparePanel';
import { ReportExport } from './ReportExport';
import { RunsTable } from './RunsTable';
import { SubsetTable } from './SubsetTable';
import './benchmarks.css';

/** #/benchmarks/<datasetId>: every run's scores, per class, per tag, a paired comparison and report export. */
export function BenchmarksPage({ datasetId }: { datasetId: number }): React.JSX.Element {
  const dataset = useQuery(apiQuery('datasets.get', { datasetId }));
  const runs = useQuery(apiQuery('runs.list', { datasetId }));
  const subsets = useQuery(apiQuery('metrics.subsets', { datasetId }));
  const [subset, setSubset] = useState<string>('');
  const tag = subset === '' ? undefined : subset;
  const allRuns = runs.data ?? [];
  const allScores = useQueries({ queries: allRuns.map((r) => apiQuery('metrics.scores', { datasetId, runId: r.id, subset: tag })) });
  // Runs that cannot be scored (heatmap-only runs such as patch tokens) are listed apart, not fatal.
  const unscored = allRuns.flatMap((r, i) => {
    const error = allScores[i]?.error;
    return error ? [{ run: r, message: error instanceof Error ? error.message : String(error) }] : [];
  });
  const runList = allRuns.filter((_, i) => !allScores[i]?.error);
  const scores = allScores.filter((q) => !q.error);
  const failed = dataset.error ?? runs.error;
  if (failed) return <ErrorBanner error={failed} />;
  if (dataset.data === undefined || runs.data === undefined) return <p className="muted">Loading…</p>;
  const task = dataset.data.task;
  const loaded = scores.map((q) => q.data).filter((s): s is RunScores => s !== undefined);
  return (
    <section className="benchmarks" data-testid="benchmarks">
      <header className="page-header">
        <a href={routeHref({ page: 'datasets' })}>Datasets</a> / <a href={routeHref({ page: 'gallery', datasetId })}>{dataset.data.name}</a>{' '}
        / <h2>Benchmarks</h2>
        <label className="bench-subset">
          Subset{' '}
          <select data-testid="bench-subset" value={subset} onChange={(e) => setSubset(e.target.value)}>
            <option value="">all images</option>
            {(subsets.data ?? []).map((s) => (
              <option key={s.name} value={s.name}>
                {s.name} ({s.samples})
              </option>
            ))}
          </select>
        </label>
      </header>
      {task === 'unlabelled' ? <p className="muted">This dataset has no ground truth, so runs on it cannot be scored.</p> : null}
      {allRuns.length === 0 ? <p className="muted">No runs on this dataset yet: run a model or import predictions.</p> : null}
      {unscored.length > 0 ? (
        <p className="muted" data-testid="bench-unscored">
          Not scored: {unscored.map((u) => `${u.run.name} (${u.message})`).join('; ')}
        </p>
      ) : null}
      {runList.length > 0 && task !== 'unlabelled' ? (
        <>
          <h3>Runs</h3>
          {loaded.length < runList.length ? (
            <p className="muted">Scoring runs…</p>
          ) : (
            <RunsTable task={task} scores={loaded} runs={runList} />
          )}
          <p className="muted definitions">
            Definitions: {loaded[0]?.definitions.join(', ') ?? '…'} (hover a column for its name). Scores in %.
          </p>
          {task === 'semantic' && loaded.length === runList.length ? (
            <>
              <h3>Per class IoU</h3>
              <ClassBars scores={loaded} />
            </>
          ) : null}
          {task === 'semantic' && allRuns.some(isCamRun) ? (
            <>
              <h3>CAM threshold sweep</h3>
              <CamSweepChart datasetId={datasetId} runs={allRuns} subset={tag} />
            </>
          ) : null}
          {tag === undefined ? (
            <>
              <h3>Subsets</h3>
              <SubsetTable datasetId={datasetId} task={task} runs={runList} subsets={subsets.data ?? []} />
            </>
          ) : null}
          {runList.length >= 2 ? (
            <>
              <h3>Compare two runs</h3>
              <ComparePanel datasetId={datasetId} runs={runList} subset={tag} />
            </>
          ) : null}
          <h3>Report</h3>
          <ReportExport datasetId={datasetId} runs={runList} subset={tag} />
        </>
      ) : null}
    </section>
  );
}
