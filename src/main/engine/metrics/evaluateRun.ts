/**
 * Brings a run's metric rows up to date: counts are computed only for samples whose rows are
 * missing or whose fingerprint (ground-truth versions + prediction hash) changed, and rows of samples
 * that are no longer scored are dropped. Each sample is committed in its own transaction, so a
 * cancelled or killed evaluation keeps what it finished and a rerun continues from there.
 */
import type { RunSummary } from '../../../shared/domain';
import type { DatasetHeader } from '../store/repos/datasets';
import type { JobContext } from '../jobs/JobRunner';
import type { Db } from '../store/db';
import type { Repos } from '../store/store';
import { loadEvaluationSet, type EvaluationSample, type EvaluationSet } from './evaluationSet';
import { metricRowsStore } from '../store/repos/metricRows';
import { LabelMapScratch, countSample } from './sampleCounts';
import { ignoresPredicted255 } from './predictionIgnore';

export interface EvaluationPlan {
  set: EvaluationSet;
  stale: EvaluationSample[];
  /** Samples with stored rows that are no longer scored (prediction or ground truth removed). */
  obsolete: number[];
}

export interface EvaluationSummary {
  [key: string]: unknown;
  images: number;
  computed: number;
  upToDate: number;
  removed: number;
  unpredicted: number;
}

interface EvalDeps {
  db: Db;
  repos: Repos;
}

export function planEvaluation(deps: Pick<EvalDeps, 'db'>, dataset: DatasetHeader, run: RunSummary): EvaluationPlan {
  const set = loadEvaluationSet(deps.db, dataset, run);
  const stale = set.samples.filter((s) => s.stored !== s.rev);
  let withRows = 0;
  for (const s of set.samples) if (s.stored !== null) withRows++;
  const store = metricRowsStore(deps.db);
  // Rows of samples outside the set are looked for only when the counts say there are some.
  let obsolete: number[] = [];
  if (store.sampleCount(run.id) !== withRows) {
    const scored = new Set(set.samples.map((s) => s.sampleId));
    obsolete = store.sampleIds(run.id).filter((id) => !scored.has(id));
  }
  return { set, stale, obsolete };
}

/**
 * Computes and stores counts for `samples` (all inputs validated per sample before its write, so an
 * out-of-range class fails with nothing half-written for that sample).
 */
export function evaluateSamples(
  deps: EvalDeps,
  dataset: DatasetHeader,
  run: RunSummary,
  set: EvaluationSet,
  samples: readonly EvaluationSample[],
  scratch = new LabelMapScratch(),
): void {
  const store = metricRowsStore(deps.db);
  const write = deps.db.transaction((sample: EvaluationSample, rows: ReturnType<typeof countSample>) => {
    // The set's sample now describes what is stored (scores read right after use it).
    sample.storedScore = store.replaceSample(run.id, sample.sampleId, sample.rev, rows, set.task);
    sample.stored = sample.rev;
  });
  for (const sample of samples) {
    const rows = countSample(
      {
        task: set.task,
        numClasses: set.numClasses,
        sample,
        groundTruth: deps.repos.annotations.currentForSample(sample.sampleId),
        prediction: deps.repos.predictions.forSample(run.id, sample.sampleId),
        datasetLabel: `dataset "${dataset.name}"`,
        runLabel: `run "${run.name}"`,
        predictionIgnore: ignoresPredicted255(run),
      },
      scratch,
    );
    write(sample, rows);
  }
}

function removeObsolete(deps: EvalDeps, runId: number, obsolete: readonly number[]): void {
  const store = metricRowsStore(deps.db);
  deps.db.transaction(() => obsolete.forEach((id) => store.deleteSample(runId, id)))();
}

function summarize(plan: EvaluationPlan): EvaluationSummary {
  return {
    images: plan.set.samples.length,
    computed: plan.stale.length,
    upToDate: plan.set.samples.length - plan.stale.length,
    removed: plan.obsolete.length,
    unpredicted: plan.set.unpredicted,
  };
}

/** How long the catch-up before a score read counts before the event loop gets a turn. */
const CATCH_UP_SLICE_MS = 25;

/**
 * Catch-up before a score is read: after a correction this touches one sample; after a model run,
 * every sample of it (a 10k-image run took seconds of counting), so it counts in slices of ~25 ms
 * with the event loop free between them.
 */
export async function ensureFresh(
  deps: EvalDeps,
  dataset: DatasetHeader,
  run: RunSummary,
): Promise<EvaluationSummary & { set: EvaluationSet }> {
  const plan = planEvaluation(deps, dataset, run);
  if (plan.obsolete.length > 0) removeObsolete(deps, run.id, plan.obsolete);
  const scratch = new LabelMapScratch();
  let at = 0;
  while (at < plan.stale.length) {
    const until = performance.now() + CATCH_UP_SLICE_MS;
    do {
      evaluateSamples(deps, dataset, run, plan.set, [plan.stale[at]!], scratch);
      at++;
    } while (at < plan.stale.length && performance.now() < until);
    if (at < plan.stale.length) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { ...summarize(plan), set: plan.set };
}

const CHUNK = 32;

/** The `metrics.evaluate` job: the same catch-up with progress, cancel and a yield between chunks. */
export async function evaluateRunJob(deps: EvalDeps, dataset: DatasetHeader, run: RunSummary, ctx: JobContext): Promise<EvaluationSummary> {
  const plan = planEvaluation(deps, dataset, run);
  if (plan.obsolete.length > 0) removeObsolete(deps, run.id, plan.obsolete);
  const scratch = new LabelMapScratch();
  // Progress over the whole evaluation set: samples whose stored counts are current are done already
  // (an evaluation right after a scoring import shows n/n, not 0/0).
  const total = plan.set.samples.length;
  const current = total - plan.stale.length;
  ctx.progress(current, total, current === total ? 'every stored score is current' : 'scoring images');
  for (let start = 0; start < plan.stale.length; start += CHUNK) {
    ctx.signal.throwIfAborted();
    evaluateSamples(deps, dataset, run, plan.set, plan.stale.slice(start, start + CHUNK), scratch);
    ctx.progress(current + Math.min(plan.stale.length, start + CHUNK), total, 'scoring images');
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  ctx.progress(
    total,
    total,
    plan.stale.length === 0 ? 'done: every stored score was current' : `done: ${plan.stale.length} scored, ${current} current`,
  );
  return summarize(plan);
}
