/**
 * The paired bootstrap of a comparison (metrics/comparePairs.ts): `samples` resamples of the images
 * (queries on a referring dataset), each recomputing the dataset metric of both runs, cost ~ samples ×
 * images × classes. On the engine's thread it held `tessera serve` (a 4000-image compare at 100,000
 * samples: 10.7 s, every other request waiting; at the default 1000, 0.37 s): a big one is a pool task
 * (workers/tasks.ts). Same code, same draws: the interval is bit-identical wherever it runs. Pure: no
 * store, no zod (the pool's and the read worker's bundles load without it).
 *
 * A semantic task carries each run's per-image counts flat, one Float64Array per run (per image:
 * tp, fp, fn, gtPixels of every class), so it crosses threads as two buffers, not 4 × images arrays.
 */
import { pairedBootstrap, type BootstrapInterval } from './bootstrap';
import type { ClassCounts } from './confusion';
import { cumulativeIouDifferenceStatistic, meanDifferenceStatistic, semanticDifferenceStatistic } from './datasetStatistic';

/** Per paired query, each run's foreground intersection and union (pixels): what cIoU sums. */
export interface PairCounts {
  intersectionA: Float64Array;
  unionA: Float64Array;
  intersectionB: Float64Array;
  unionB: Float64Array;
}

export type CompareBootstrapTask =
  | { kind: 'semantic'; numClasses: number; a: Float64Array; b: Float64Array; seed: number; samples: number }
  | { kind: 'referring'; a: number[]; b: number[]; pairs: PairCounts; seed: number; samples: number };

/** An interval, or the RangeError's message (nothing to score): errors cross threads as text. */
export type IntervalOrRefusal = { interval: BootstrapInterval } | { refused: string };

/**
 * The compared metric's interval (or its refusal) and, in the order of the comparison's
 * `otherMetrics`, theirs, drawn from the same resamples (the same seed).
 */
export type CompareBootstrapResult = IntervalOrRefusal & { others: IntervalOrRefusal[] };

/** Draws × images below which the bootstrap runs where it is asked (starting a worker costs more). */
export const INLINE_BOOTSTRAP_WORK = 200_000;

/** The images' counts in the task's flat layout. */
export function packCounts(counts: readonly ClassCounts[], numClasses: number): Float64Array {
  const flat = new Float64Array(counts.length * 4 * numClasses);
  counts.forEach((c, i) => {
    const at = i * 4 * numClasses;
    flat.set(c.tp, at);
    flat.set(c.fp, at + numClasses);
    flat.set(c.fn, at + 2 * numClasses);
    flat.set(c.gtPixels, at + 3 * numClasses);
  });
  return flat;
}

/** The flat layout as per-image counts (views, no copy): the same values packCounts was given. */
export function unpackCounts(flat: Float64Array, numClasses: number): ClassCounts[] {
  const n = numClasses === 0 ? 0 : flat.length / (4 * numClasses);
  return Array.from({ length: n }, (_, i) => {
    const at = i * 4 * numClasses;
    return {
      tp: flat.subarray(at, at + numClasses),
      fp: flat.subarray(at + numClasses, at + 2 * numClasses),
      fn: flat.subarray(at + 2 * numClasses, at + 3 * numClasses),
      gtPixels: flat.subarray(at + 3 * numClasses, at + 4 * numClasses),
    };
  });
}

export function compareBootstrapNow(task: CompareBootstrapTask): CompareBootstrapResult {
  const opts = { seed: task.seed, samples: task.samples };
  if (task.kind === 'referring') {
    const { intersectionA, unionA, intersectionB, unionB } = task.pairs;
    return {
      ...refusing(() => pairedBootstrap(task.a, task.b, meanDifferenceStatistic(task.a, task.b), opts)),
      others: [
        refusing(() =>
          pairedBootstrap(
            intersectionA,
            intersectionB,
            cumulativeIouDifferenceStatistic(
              { intersection: intersectionA, union: unionA },
              { intersection: intersectionB, union: unionB },
            ),
            opts,
          ),
        ),
      ],
    };
  }
  const a = unpackCounts(task.a, task.numClasses);
  const b = unpackCounts(task.b, task.numClasses);
  return {
    ...refusing(() =>
      pairedBootstrap(
        a,
        b,
        semanticDifferenceStatistic(a, b, (s) => s.miou),
        opts,
      ),
    ),
    others: [],
  };
}

function refusing(bootstrap: () => BootstrapInterval): IntervalOrRefusal {
  try {
    return { interval: bootstrap() };
  } catch (err) {
    if (err instanceof RangeError) return { refused: err.message };
    throw err;
  }
}

/** The pool task (workers/tasks.ts). */
export function compareBootstrap(task: CompareBootstrapTask): Promise<CompareBootstrapResult> {
  return Promise.resolve(compareBootstrapNow(task));
}
