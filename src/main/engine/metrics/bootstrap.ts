/**
 * Paired comparison of two runs on the same images (docs/design.md §5.6): per-image wins / ties /
 * losses, and a seeded bootstrap 95% interval of the difference in a dataset-level metric.
 */
import { Mulberry32 } from './prng';

export interface BootstrapInterval {
  low: number;
  high: number;
  estimate: number;
}

export interface PairedDifferences {
  wins: number;
  ties: number;
  losses: number;
  /** Mean of b − a; null when there are no images. */
  meanDiff: number | null;
}

/**
 * A statistic of the drawn image indices (in draw order, repeats included). With `byCounts` it can
 * also be computed from how many times each image was drawn (counts[i] for image i, Σ counts = n),
 * which `pairedBootstrap` then uses for the replicates: no index list, and a sum over images can be
 * one pass in image order. `byCounts` must return exactly (bit for bit) what the index form returns
 * for any draw with those counts, e.g. because it only sums integers below 2^53, which is exact in
 * any order; a statistic whose value depends on the order of the draws (a float sum) must not have it.
 */
export interface BootstrapStatistic {
  (indices: Uint32Array): number;
  readonly byCounts?: (counts: Float64Array) => number;
}

/** Replicates when `samples` is not given: Efron & Tibshirani's suggested B for percentile intervals. */
export const DEFAULT_BOOTSTRAP_SAMPLES = 1000;

/**
 * Percentile bootstrap (Efron & Tibshirani 1993, ch. 13): draw n image indices with replacement,
 * let `statistic` recompute the dataset metric of A and of B on them and return B − A; the interval is
 * the 2.5th and 97.5th percentiles of those replicates (linear interpolation between order
 * statistics, numpy.percentile's default), `estimate` the statistic on all images once each.
 * Images are resampled as pairs (one index drives both runs), which is what makes it paired; the
 * statistic must recompute the metric from the indices (e.g. mIoU from summed counts), not average
 * per-image scores, because dataset mIoU is not a mean of image mIoUs.
 * Same seed and inputs, same interval (mulberry32, see prng.ts). A non-finite replicate throws.
 * With `statistic.byCounts` the same draws (same generator calls in the same order) are tallied per
 * image instead of listed, and the replicates are those of the index form, bit for bit.
 */
export function pairedBootstrap<T>(
  perImageA: ArrayLike<T>,
  perImageB: ArrayLike<T>,
  statistic: BootstrapStatistic,
  opts: { samples?: number; seed: number },
): BootstrapInterval {
  const n = perImageA.length;
  if (perImageB.length !== n) {
    throw new RangeError(`paired bootstrap needs the same images in both runs: ${n} vs ${perImageB.length}`);
  }
  if (n === 0) throw new RangeError('paired bootstrap needs at least one image');
  const samples = opts.samples ?? DEFAULT_BOOTSTRAP_SAMPLES;
  if (!Number.isInteger(samples) || samples < 1) {
    throw new RangeError(`bootstrap samples ${samples} must be a positive integer`);
  }
  const estimate = finiteReplicate(statistic(Uint32Array.from({ length: n }, (_, i) => i)), 'the estimate');
  const random = new Mulberry32(opts.seed);
  const replicates = new Float64Array(samples);
  const byCounts = statistic.byCounts;
  if (byCounts !== undefined) {
    // Float64: V8 multiplies a Uint32Array or Int32Array element by an int32 as integers with an
    // overflow check, about 3x slower in the statistic's sums than a float64 (exact here: < 2^53).
    const counts = new Float64Array(n);
    for (let r = 0; r < samples; r++) {
      counts.fill(0);
      random.tallyDraws(counts, n, n);
      replicates[r] = finiteReplicate(byCounts(counts), `replicate ${r}`);
    }
  } else {
    const indices = new Uint32Array(n);
    for (let r = 0; r < samples; r++) {
      random.drawIndices(indices, n);
      replicates[r] = finiteReplicate(statistic(indices), `replicate ${r}`);
    }
  }
  replicates.sort();
  return { low: percentile(replicates, 0.025), high: percentile(replicates, 0.975), estimate };
}

/**
 * Per-image b − a: a win for B when it exceeds `tieEps`, a loss when below −tieEps, else a tie
 * (so "win" assumes higher is better, as for IoU).
 */
export function pairedDifferences(a: readonly number[], b: readonly number[], tieEps = 0): PairedDifferences {
  if (a.length !== b.length) {
    throw new RangeError(`paired differences need the same images in both runs: ${a.length} vs ${b.length}`);
  }
  if (!(tieEps >= 0)) throw new RangeError(`tie tolerance ${tieEps} must be >= 0`);
  let wins = 0;
  let ties = 0;
  let losses = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = b[i]! - a[i]!;
    if (Number.isNaN(diff)) throw new RangeError(`image ${i}: score ${a[i]} or ${b[i]} is not a number`);
    sum += diff;
    if (diff > tieEps) wins++;
    else if (diff < -tieEps) losses++;
    else ties++;
  }
  return { wins, ties, losses, meanDiff: a.length > 0 ? sum / a.length : null };
}

/** numpy.percentile's default ('linear'): interpolate between the order statistics around q·(n−1). */
function percentile(sorted: Float64Array, q: number): number {
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  const low = sorted[below]!;
  return low + (position - below) * (sorted[above]! - low);
}

function finiteReplicate(value: number, what: string): number {
  if (!Number.isFinite(value)) {
    throw new RangeError(`bootstrap statistic gave ${value} for ${what}; it must return a finite number`);
  }
  return value;
}
