/**
 * Builds the bootstrap statistic for semantic runs: a dataset metric recomputed from per-image class
 * counts summed over resampled images (the same SUM the store does for a subset), B minus A.
 */
import type { ClassCounts } from './confusion';
import { semanticScores, type SemanticScores } from './semantic';

/**
 * `metric` picks the dataset score, e.g. `(s) => s.miou`. An image drawn k times counts k times.
 * A replicate whose metric is undefined (null) for either run gives NaN, which `pairedBootstrap`
 * rejects: it only happens when the resampled images have no scorable pixels at all.
 */
export function semanticDifferenceStatistic(
  perImageA: readonly ClassCounts[],
  perImageB: readonly ClassCounts[],
  metric: (scores: SemanticScores) => number | null,
): (indices: Uint32Array) => number {
  if (perImageA.length !== perImageB.length) {
    throw new RangeError(`runs cover ${perImageA.length} and ${perImageB.length} images; they must be paired`);
  }
  return (indices: Uint32Array): number => {
    const a = metric(scoresOfSum(perImageA, indices));
    const b = metric(scoresOfSum(perImageB, indices));
    return a === null || b === null ? Number.NaN : b - a;
  };
}

/** Scores of the class counts summed over `indices` (with repetition). */
export function scoresOfSum(perImage: readonly ClassCounts[], indices: ArrayLike<number>): SemanticScores {
  const first = perImage[0];
  const numClasses = first ? first.tp.length : 0;
  const sum: ClassCounts = {
    tp: new Float64Array(numClasses),
    fp: new Float64Array(numClasses),
    fn: new Float64Array(numClasses),
    gtPixels: new Float64Array(numClasses),
  };
  for (let k = 0; k < indices.length; k++) {
    const image = perImage[indices[k]!];
    if (!image) throw new RangeError(`image index ${indices[k]} is outside [0, ${perImage.length})`);
    for (const key of ['tp', 'fp', 'fn', 'gtPixels'] as const) {
      if (image[key].length !== numClasses) {
        throw new RangeError(`image ${indices[k]}: ${key} has ${image[key].length} classes, expected ${numClasses}`);
      }
      addInto(sum[key], image[key]);
    }
  }
  return semanticScores(sum.tp, sum.fp, sum.fn, sum.gtPixels);
}

function addInto(target: Float64Array, source: Float64Array): void {
  for (let c = 0; c < target.length; c++) target[c] = target[c]! + source[c]!;
}
