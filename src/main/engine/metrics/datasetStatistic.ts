/**
 * Builds the bootstrap statistic for semantic runs: a dataset metric recomputed from per-image class
 * counts summed over resampled images (the same SUM the store does for a subset), B minus A.
 */
import type { BootstrapStatistic } from './bootstrap';
import type { ClassCounts } from './confusion';
import { semanticScores, type SemanticScores } from './semantic';

/**
 * `metric` picks the dataset score, e.g. `(s) => s.miou`. An image drawn k times counts k times.
 * A replicate whose metric is undefined (null) for either run gives NaN, which `pairedBootstrap`
 * rejects: it only happens when the resampled images have no scorable pixels at all.
 *
 * When every count is an integer and no sum can pass 2^53 (pixel counts always), the statistic also
 * has a `byCounts` form that `pairedBootstrap` uses: each class's sums as Σ (times drawn × count)
 * over the images, one pass over a packed copy of the non-zero counts. Integer sums below 2^53 are
 * exact in float64 whatever their order, so it gives the value of the index form bit for bit, in a
 * time linear in the images (the index form walks four arrays per drawn image and run, ~7x slower
 * at 20k images). Otherwise only the index form is given, which sums in draw order.
 */
export function semanticDifferenceStatistic(
  perImageA: readonly ClassCounts[],
  perImageB: readonly ClassCounts[],
  metric: (scores: SemanticScores) => number | null,
): BootstrapStatistic {
  if (perImageA.length !== perImageB.length) {
    throw new RangeError(`runs cover ${perImageA.length} and ${perImageB.length} images; they must be paired`);
  }
  const byIndices = (indices: Uint32Array): number => {
    const a = metric(scoresOfSum(perImageA, indices));
    const b = metric(scoresOfSum(perImageB, indices));
    return a === null || b === null ? Number.NaN : b - a;
  };
  const packedA = packCounts(perImageA, perImageA.length);
  const packedB = packCounts(perImageB, perImageA.length);
  if (packedA === null || packedB === null || packedA.numClasses !== packedB.numClasses) return byIndices;
  const sumA = new CountSums(packedA.numClasses);
  const sumB = new CountSums(packedB.numClasses);
  const byCounts = (counts: Uint32Array): number => {
    if (counts.length !== perImageA.length) {
      throw new RangeError(`draw counts cover ${counts.length} images, expected ${perImageA.length}`);
    }
    sumA.sumOver(packedA, counts);
    sumB.sumOver(packedB, counts);
    const a = metric(sumA.scores());
    const b = metric(sumB.scores());
    return a === null || b === null ? Number.NaN : b - a;
  };
  return Object.assign(byIndices, { byCounts });
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

/**
 * One run's per-image counts, only the classes with a non-zero count, image after image (CSR): image
 * i's entries are start[i] .. start[i + 1]; entry e is class classOf[e] with values[4e .. 4e + 3] =
 * tp, fp, fn, gtPixels. Zeros add nothing to an exact sum, and a VOC image has a few of its 21
 * classes, so this is a few entries per image, read in order.
 */
interface PackedCounts {
  numClasses: number;
  start: Uint32Array;
  classOf: Uint32Array;
  values: Float64Array;
}

/**
 * Null when the byCounts form could differ from the index form: class arrays of different lengths
 * (the index form throws on those), a count that is not an integer, or one so large that a sum over
 * `draws` images could reach 2^53, past which float64 sums of integers round.
 */
function packCounts(perImage: readonly ClassCounts[], draws: number): PackedCounts | null {
  const numClasses = perImage[0]?.tp.length ?? 0;
  let entries = 0;
  let largest = 0;
  for (const image of perImage) {
    const { tp, fp, fn, gtPixels } = image;
    if (tp.length !== numClasses || fp.length !== numClasses || fn.length !== numClasses || gtPixels.length !== numClasses) return null;
    for (let c = 0; c < numClasses; c++) {
      const t = tp[c]!;
      const p = fp[c]!;
      const f = fn[c]!;
      const g = gtPixels[c]!;
      if (!Number.isInteger(t) || !Number.isInteger(p) || !Number.isInteger(f) || !Number.isInteger(g)) return null;
      largest = Math.max(largest, Math.abs(t), Math.abs(p), Math.abs(f), Math.abs(g));
      if (t !== 0 || p !== 0 || f !== 0 || g !== 0) entries++;
    }
  }
  // Every partial sum, in draw order or as Σ times × count, is at most draws · largest in size.
  if (draws * largest >= 2 ** 53) return null;
  const start = new Uint32Array(perImage.length + 1);
  const classOf = new Uint32Array(entries);
  const values = new Float64Array(4 * entries);
  let e = 0;
  perImage.forEach(({ tp, fp, fn, gtPixels }, i) => {
    start[i] = e;
    for (let c = 0; c < numClasses; c++) {
      if (tp[c] === 0 && fp[c] === 0 && fn[c] === 0 && gtPixels[c] === 0) continue;
      classOf[e] = c;
      values[4 * e] = tp[c]!;
      values[4 * e + 1] = fp[c]!;
      values[4 * e + 2] = fn[c]!;
      values[4 * e + 3] = gtPixels[c]!;
      e++;
    }
  });
  start[perImage.length] = e;
  return { numClasses, start, classOf, values };
}

/** Per-class sums reused across replicates (semanticScores keeps none of its arrays). */
class CountSums {
  private readonly sums: Float64Array;
  private readonly tp: Float64Array;
  private readonly fp: Float64Array;
  private readonly fn: Float64Array;
  private readonly gtPixels: Float64Array;

  constructor(numClasses: number) {
    this.sums = new Float64Array(4 * numClasses);
    this.tp = new Float64Array(numClasses);
    this.fp = new Float64Array(numClasses);
    this.fn = new Float64Array(numClasses);
    this.gtPixels = new Float64Array(numClasses);
  }

  /** Σ over images of counts[i] × image i's counts: exact, since packCounts checked the bound. */
  sumOver(packed: PackedCounts, counts: Uint32Array): void {
    const { start, classOf, values } = packed;
    const sums = this.sums;
    sums.fill(0);
    for (let i = 0; i < counts.length; i++) {
      const times = counts[i]!;
      if (times === 0) continue;
      const end = start[i + 1]!;
      for (let e = start[i]!; e < end; e++) {
        const s = 4 * classOf[e]!;
        const v = 4 * e;
        sums[s] = sums[s]! + times * values[v]!;
        sums[s + 1] = sums[s + 1]! + times * values[v + 1]!;
        sums[s + 2] = sums[s + 2]! + times * values[v + 2]!;
        sums[s + 3] = sums[s + 3]! + times * values[v + 3]!;
      }
    }
    for (let c = 0; c < this.tp.length; c++) {
      this.tp[c] = sums[4 * c]!;
      this.fp[c] = sums[4 * c + 1]!;
      this.fn[c] = sums[4 * c + 2]!;
      this.gtPixels[c] = sums[4 * c + 3]!;
    }
  }

  scores(): SemanticScores {
    return semanticScores(this.tp, this.fp, this.fn, this.gtPixels);
  }
}

/**
 * B − A of the mean of per-image values over the drawn images (LISA gIoU from pair IoUs): both sums
 * in draw order, in one loop, so the value is that of summing each run alone. A float sum depends on
 * its order, so there is no `byCounts` form.
 */
export function meanDifferenceStatistic(perImageA: ArrayLike<number>, perImageB: ArrayLike<number>): BootstrapStatistic {
  if (perImageA.length !== perImageB.length) {
    throw new RangeError(`runs cover ${perImageA.length} and ${perImageB.length} images; they must be paired`);
  }
  const a = Float64Array.from(perImageA);
  const b = Float64Array.from(perImageB);
  return (indices: Uint32Array): number => {
    let sumA = 0;
    let sumB = 0;
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      sumA += a[i]!;
      sumB += b[i]!;
    }
    return sumB / indices.length - sumA / indices.length;
  };
}
