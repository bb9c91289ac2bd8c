/**
 * The read side of a paired comparison (docs/design.md §5.6), for runs whose metric rows are up to
 * date: pairs the samples both runs are scored on, per-sample differences, wins / ties / losses, per
 * class the images where B beat A, and the bootstrap's input. It only reads, so the read worker runs
 * it (store/readWorker/reads.ts) and a compare of thousands of images leaves the engine's thread free;
 * the engine's thread runs the same code for runs that needed a catch-up first (metrics/compare.ts).
 * A small bootstrap is done here; a big one is left to the worker pool (compareBootstrap.ts).
 * The wins, the mean difference and the bootstrap run over the samples both runs can score (§5.5); the
 * others (ground truth entirely ignore) are counted in `unscored`. Resampling them could draw a
 * replicate of nothing but such samples, whose metric is undefined.
 */
import { ApiError } from '../../../shared/api/apiError';
import type { Comparison, PairedImage } from '../../../shared/api/methods/metrics';
import type { Db } from '../store/db';
import type { Repos } from '../store/store';
import { classCountsOf, pairOf, sampleScore } from './aggregate';
import { pairedDifferences } from './bootstrap';
import {
  compareBootstrapNow,
  INLINE_BOOTSTRAP_WORK,
  packCounts,
  type CompareBootstrapResult,
  type CompareBootstrapTask,
  type IntervalOrRefusal,
} from './compareBootstrap';
import type { ClassCounts } from './confusion';
import { scoresOfSum } from './datasetStatistic';
import type { EvaluationSample, EvaluationTask } from './evaluationSet';
import { metricRowsStore, subsetFilter } from '../store/repos/metricRows';
import { pairIou, referringScores } from './referring';
import type { FreshRun } from './scores';
import type { CountRow } from './sampleCounts';

/**
 * Per-image scores within this of each other are a tie: equal scores computed in another order
 * (IoUs {0.1, 0.5} against {0.2, 0.4}: 0.3 and 0.30000000000000004) differ in their last bits, and
 * were counted as a win. Real differences of IoU means are far larger (one pixel of a 4k image: ~1e-8).
 */
const TIE_TOLERANCE = 1e-12;

export interface CompareOptions {
  subset?: string | undefined;
  seed: number;
  samples: number;
}

/** Most images listed per class under "B beat A". */
const CLASS_IMAGE_LIMIT = 10;

/**
 * A comparison read from the store: complete (`bootstrap` null), or with `difference` still to be
 * computed from `bootstrap` in the worker pool (too big to run where it was read).
 */
export interface PreparedComparison {
  comparison: Comparison;
  bootstrap: CompareBootstrapTask | null;
}

/** Refuses a run compared with itself (the API gave ties and [0, 0]). */
export function checkTwoRuns(runIds: readonly [number, number]): void {
  if (runIds[0] === runIds[1]) throw new ApiError('INVALID_INPUT', `compare needs two different runs: run ${runIds[0]} is given twice`);
}

export function prepareComparison(
  deps: { db: Db; repos: Pick<Repos, 'datasets'> },
  fa: FreshRun,
  fb: FreshRun,
  opts: CompareOptions,
): PreparedComparison {
  const filter = subsetFilter(deps.db, opts.subset);
  const store = metricRowsStore(deps.db);
  const rowsA = new Map(store.perSample(fa.run.id, filter).map((s) => [s.sampleId, s.rows]));
  const rowsB = new Map(store.perSample(fb.run.id, filter).map((s) => [s.sampleId, s.rows]));
  const paired: Array<{ sample: EvaluationSample; a: CountRow[]; b: CountRow[] }> = [];
  for (const sample of fa.set.samples) {
    const a = rowsA.get(sample.sampleId);
    const b = rowsB.get(sample.sampleId);
    if (a !== undefined && b !== undefined) paired.push({ sample, a, b });
  }
  const task = fa.set.task;
  const perImage: PairedImage[] = paired.map(({ sample, a, b }) => {
    const sa = sampleScore(task, a);
    const sb = sampleScore(task, b);
    return {
      sampleId: sample.sampleId,
      imageId: sample.imageId,
      fileName: sample.fileName,
      query: sample.query,
      a: sa,
      b: sb,
      diff: sa === null || sb === null ? null : sb - sa,
    };
  });
  // Indices (into paired) of the samples both runs score. With none left out this is every index in
  // order, so the bootstrap sees the same arrays, and the same seed gives the same interval, as before.
  const scorable = perImage.flatMap((p, i) => (p.a !== null && p.b !== null ? [i] : []));
  const differences = pairedDifferences(
    scorable.map((i) => perImage[i]!.a!),
    scorable.map((i) => perImage[i]!.b!),
    TIE_TOLERANCE,
  );
  const unscored = paired.length - scorable.length;
  const base = {
    dataset: fa.dataset.name,
    runs: [fa.run.name, fb.run.name] as [string, string],
    subset: filter.tag,
    images: paired.length,
    unit: task === 'referring' ? ('query' as const) : ('image' as const),
    unscored: { images: unscored, reason: unscored === 0 ? null : UNSCORED_REASON[task] },
    seed: opts.seed,
    bootstrapSamples: opts.samples,
    paired: differences,
    perImage,
    otherMetrics: [] as Comparison['otherMetrics'],
  };
  const pick = <T>(values: readonly T[]): T[] => scorable.map((i) => values[i]!);
  if (task === 'referring') {
    const pairsA = paired.map((p) => pairOf(p.a));
    const pairsB = paired.map((p) => pairOf(p.b));
    const iouA = pairsA.map(pairIou);
    const iouB = pairsB.map(pairIou);
    const mean = (values: number[], idx: ArrayLike<number>): number => {
      let sum = 0;
      for (let k = 0; k < idx.length; k++) sum += values[idx[k]!]!;
      return sum / idx.length;
    };
    const all = paired.map((_, i) => i);
    const counts = (pairs: Array<{ intersection: number; union: number }>, key: 'intersection' | 'union'): Float64Array =>
      Float64Array.from(pick(pairs), (p) => p[key]);
    return withInterval(
      {
        ...base,
        metric: 'lisa-giou',
        imageMetric: 'lisa-pair-iou',
        a: paired.length > 0 ? mean(iouA, all) : null,
        b: paired.length > 0 ? mean(iouB, all) : null,
        difference: null,
        otherMetrics: [
          { metric: 'lisa-ciou', a: referringScores(pairsA).ciou, b: referringScores(pairsB).ciou, difference: null, note: null },
        ],
        classes: [],
      },
      scorable.length,
      {
        kind: 'referring',
        a: pick(iouA),
        b: pick(iouB),
        pairs: {
          intersectionA: counts(pairsA, 'intersection'),
          unionA: counts(pairsA, 'union'),
          intersectionB: counts(pairsB, 'intersection'),
          unionB: counts(pairsB, 'union'),
        },
        seed: opts.seed,
        samples: opts.samples,
      },
    );
  }
  const numClasses = fa.set.numClasses;
  const countsA = paired.map((p) => classCountsOf(p.a, numClasses));
  const countsB = paired.map((p) => classCountsOf(p.b, numClasses));
  const all = paired.map((_, i) => i);
  // An unscorable image adds no count (every class's union is 0), so a, b and the estimate over
  // the scorable images are those over all paired images.
  return withInterval(
    {
      ...base,
      metric: 'mmseg-miou',
      imageMetric: 'image-miou',
      a: paired.length > 0 ? scoresOfSum(countsA, all).miou : null,
      b: paired.length > 0 ? scoresOfSum(countsB, all).miou : null,
      difference: null,
      classes: classWins(deps.repos, fa.dataset.id, numClasses, paired, countsA, countsB),
    },
    scorable.length,
    {
      kind: 'semantic',
      numClasses,
      a: packCounts(pick(countsA), numClasses),
      b: packCounts(pick(countsB), numClasses),
      seed: opts.seed,
      samples: opts.samples,
    },
  );
}

/** Why a paired sample has no per-sample score (§5.5), by task. */
const UNSCORED_REASON: Record<EvaluationTask, string> = {
  semantic: 'no scorable pixels (ground truth entirely ignore, 255)',
  referring: 'no per-image score',
};

/** The comparison with its interval when the bootstrap is small (or there is nothing to resample), else with the task. */
function withInterval(comparison: Comparison, n: number, task: CompareBootstrapTask): PreparedComparison {
  if (n === 0) return { comparison, bootstrap: null };
  if (n * task.samples >= INLINE_BOOTSTRAP_WORK) return { comparison, bootstrap: task };
  return { comparison: withBootstrap(comparison, compareBootstrapNow(task)), bootstrap: null };
}

/**
 * The comparison with its bootstrap's intervals: the compared metric's (a refused one is an error in
 * one line: nothing to compare) and the other metrics' (a refused one leaves that difference null and
 * says why in its note, as a referring run's cIoU with no target pixels on a resample).
 */
export function withBootstrap(comparison: Comparison, result: CompareBootstrapResult): Comparison {
  if ('refused' in result) {
    throw new ApiError('INVALID_INPUT', `cannot bootstrap the difference: ${result.refused} (the compared images have no scorable pixels)`);
  }
  return {
    ...comparison,
    difference: { ...result.interval, level: 0.95 },
    otherMetrics: comparison.otherMetrics.map((m, k) => {
      const r = result.others[k];
      return r === undefined ? m : { ...m, ...otherInterval(m, r, comparison.runs) };
    }),
  };
}

function otherInterval(
  m: Comparison['otherMetrics'][number],
  r: IntervalOrRefusal,
  runs: readonly [string, string],
): Pick<Comparison['otherMetrics'][number], 'difference' | 'note'> {
  if ('interval' in r) return { difference: { ...r.interval, level: 0.95 }, note: null };
  const undefinedIn = [m.a === null ? runs[0] : null, m.b === null ? runs[1] : null].filter((x) => x !== null);
  if (undefinedIn.length > 0)
    return {
      difference: null,
      note: `${m.metric} is undefined for ${undefinedIn.join(' and ')}: every paired query has an empty target and an empty prediction there (no union to divide by)`,
    };
  return { difference: null, note: `no interval: ${r.refused}` };
}

/** Per class, over images where both runs have a defined IoU for it (non-empty union in each). */
function classWins(
  repos: Pick<Repos, 'datasets'>,
  datasetId: number,
  numClasses: number,
  paired: ReadonlyArray<{ sample: EvaluationSample }>,
  countsA: readonly ClassCounts[],
  countsB: readonly ClassCounts[],
): Comparison['classes'] {
  const names = new Map(repos.datasets.classes(datasetId).map((c) => [c.index, c.name]));
  const iou = (c: ClassCounts, k: number): number | null => {
    const union = c.tp[k]! + c.fp[k]! + c.fn[k]!;
    return union > 0 ? c.tp[k]! / union : null;
  };
  const out: Comparison['classes'] = [];
  for (let k = 0; k < numClasses; k++) {
    let aWins = 0;
    const gains: Array<{ imageId: number; fileName: string; a: number; b: number }> = [];
    paired.forEach((p, i) => {
      const a = iou(countsA[i]!, k);
      const b = iou(countsB[i]!, k);
      if (a === null || b === null) return;
      if (b > a) gains.push({ imageId: p.sample.imageId, fileName: p.sample.fileName, a, b });
      else if (a > b) aWins++;
    });
    gains.sort((x, y) => y.b - y.a - (x.b - x.a) || x.fileName.localeCompare(y.fileName));
    out.push({ id: k, name: names.get(k) ?? `class_${k}`, bWins: gains.length, aWins, images: gains.slice(0, CLASS_IMAGE_LIMIT) });
  }
  return out;
}
