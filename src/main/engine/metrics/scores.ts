/**
 * The read side of evaluation: dataset scores, per-image scores and the tags that name subsets, all
 * from metric_rows (after a catch-up of stale rows, usually none).
 */
import type { ImageScore, RunScores } from '../../../shared/api/methods/metrics';
import type { RunSummary } from '../../../shared/domain';
import type { DatasetHeader } from '../store/repos/datasets';
import type { Db } from '../store/db';
import type { Repos } from '../store/store';
import { evalResult, referringBlock, semanticBlock } from './aggregate';
import { ensureFresh } from './evaluateRun';
import type { CurrentSample, EvaluationSet, EvaluationTask } from './evaluationSet';
import { requireDatasetRun } from './lookup';
import { metricRowsStore, subsetFilter } from '../store/repos/metricRows';

/** Tags naming a non-empty subset of a dataset (store/repos/tags.ts). */
export { datasetSubsets } from '../store/repos/tags';

interface ScoreDeps {
  db: Db;
  repos: Repos;
}

/** What scoring a run already brought up to date reads (the read worker has these repositories only). */
interface FreshScoreDeps {
  db: Db;
  repos: Pick<Repos, 'datasets' | 'runs'>;
}

export interface FreshRun {
  dataset: DatasetHeader;
  run: RunSummary;
  set: EvaluationSet;
}

/** Looks the run up and brings its rows up to date. */
export async function freshRun(deps: ScoreDeps, datasetId: number, runId: number): Promise<FreshRun> {
  const { dataset, run } = requireDatasetRun(deps.repos, datasetId, runId);
  const { set } = await ensureFresh(deps, dataset, run);
  return { dataset, run, set };
}

export async function runScores(deps: ScoreDeps, datasetId: number, runId: number, subset?: string): Promise<RunScores> {
  const { dataset, run, set } = await freshRun(deps, datasetId, runId);
  return scoresOfFresh(deps, { dataset, run, set }, subset);
}

/** Scores of a run already brought up to date (reports score several subsets of one run). */
export function scoresOfFresh(deps: FreshScoreDeps, fresh: FreshRun, subset?: string): RunScores {
  const { dataset, run, set } = fresh;
  const filter = subsetFilter(deps.db, subset);
  const store = metricRowsStore(deps.db);
  const sums = store.classSums(run.id, filter);
  const block =
    set.task === 'semantic'
      ? semanticBlock(sums.rows, deps.repos.datasets.classes(dataset.id), set.numClasses)
      : referringBlock(store.perSample(run.id, filter));
  const images = set.task === 'semantic' ? sums.samples : sums.images;
  return {
    ...evalResult({ dataset: dataset.name, run: run.name }, set.task, images, block),
    datasetId: dataset.id,
    runId: run.id,
    subset: filter.tag,
    unpredicted: set.unpredicted,
  };
}

/**
 * Per-sample scores of a fresh run, in the evaluation set's order (file name). The whole-sample score
 * is stored with the counts (metric_samples), so this reads one row per sample; a class's score reads
 * that class's row.
 */
export function perImageOfFresh(deps: FreshScoreDeps, fresh: FreshRun, subset?: string, classIdx?: number): ImageScore[] {
  return perImageOfSamples(deps.db, fresh.run.id, fresh.set.task, fresh.set.samples, subset, classIdx);
}

/** perImageOfFresh over the samples of a current run (evaluationSet.ts currentSamples or a fresh set). */
export function perImageOfSamples(
  db: Db,
  runId: number,
  task: EvaluationTask,
  samples: readonly CurrentSample[],
  subset?: string,
  classIdx?: number,
): ImageScore[] {
  const filter = subsetFilter(db, subset);
  const store = metricRowsStore(db);
  const scores =
    classIdx !== undefined && task === 'semantic'
      ? store.classScores(runId, filter, classIdx)
      : filter.tag !== null
        ? store.sampleScores(runId, filter)
        : null;
  const out: ImageScore[] = [];
  for (const s of samples) {
    let score: number | null;
    if (scores === null) score = s.storedScore;
    else {
      const found = scores.get(s.sampleId);
      if (found === undefined) continue;
      score = found;
    }
    out.push({ sampleId: s.sampleId, imageId: s.imageId, fileName: s.fileName, query: s.query, score });
  }
  return out;
}

export async function perImageScores(
  deps: ScoreDeps,
  datasetId: number,
  runId: number,
  subset?: string,
  classIdx?: number,
): Promise<ImageScore[]> {
  return perImageOfFresh(deps, await freshRun(deps, datasetId, runId), subset, classIdx);
}
