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
 * When every count is an integer in [0, 2^31) and no sum over n drawn images can reach 2^53 (pixel
 * counts: that is up to 4 million images of 2 gigapixels), the statistic also has a `byCounts` form,
 * which `pairedBootstrap` uses: each class's sums as Σ (times drawn × count) over the images, one
 * pass over a packed copy of the non-zero counts. Integer sums and products below 2^53 are exact in
 * float64 in any order, so it returns the index form's value bit for bit, in time linear in the
 * images (the index form adds 8 arrays of C float64 per drawn image, at scattered places: ~75x slower
 * at 20k VOC-like images, bench/bootstrap.ts). Otherwise only the index form is given.
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
  const packed = packPair(perImageA, perImageB);
  if (packed === null) return byIndices;
  const sums = new PairSums(packed);
  const byCounts = (counts: Float64Array): number => {
    if (counts.length !== perImageA.length) {
      throw new RangeError(`draw counts cover ${counts.length} images, expected ${perImageA.length}`);
    }
    sums.sumOver(counts);
    const a = metric(sums.scores('a'));
    const b = metric(sums.scores('b'));
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
 * Both runs' per-image counts, only the non-zero ones, class by class: slot k is class k of run A for
 * k < numClasses and class k − numClasses of run B after; its entries are start[k] .. start[k + 1] − 1,
 * entry e being image[e] (ascending) and values[4e .. 4e + 3] = tp, fp, fn, gtPixels. Zeros add
 * nothing to an exact sum, and a VOC image has a few of its 21 classes, so a replicate reads a few
 * entries per image, in order, into four running sums per slot (the index form adds 8 arrays of 21
 * float64 per drawn image, at scattered places, into sums in memory).
 */
interface PackedPair {
  numClasses: number;
  start: Int32Array;
  image: Int32Array;
  values: Int32Array;
}

/** Largest count packed as an int32. */
const INT32_MAX = 2 ** 31 - 1;

/**
 * Null when the byCounts form could differ from the index form or the counts do not fit: class
 * arrays of different lengths (the index form throws on those), a count that is not an integer in
 * [0, 2^31), or counts so large that a sum over n drawn images could reach 2^53, past which float64
 * sums of integers round.
 */
function packPair(perImageA: readonly ClassCounts[], perImageB: readonly ClassCounts[]): PackedPair | null {
  const n = perImageA.length;
  const numClasses = perImageA[0]?.tp.length ?? 0;
  const runs = [perImageA, perImageB];
  const start = new Int32Array(2 * numClasses + 1);
  let largest = 0;
  for (const [r, run] of runs.entries()) {
    for (const { tp, fp, fn, gtPixels } of run) {
      if (tp.length !== numClasses || fp.length !== numClasses || fn.length !== numClasses || gtPixels.length !== numClasses) return null;
      for (let c = 0; c < numClasses; c++) {
        const t = tp[c]!;
        const p = fp[c]!;
        const f = fn[c]!;
        const g = gtPixels[c]!;
        if (!isCount(t) || !isCount(p) || !isCount(f) || !isCount(g)) return null;
        largest = Math.max(largest, t, p, f, g);
        if (t !== 0 || p !== 0 || f !== 0 || g !== 0) start[r * numClasses + c + 1]!++;
      }
    }
  }
  // Every partial sum, in draw order or as Σ times × count, is at most n · largest.
  if (n * largest >= 2 ** 53) return null;
  for (let k = 0; k < 2 * numClasses; k++) start[k + 1] = start[k + 1]! + start[k]!;
  const total = start[2 * numClasses]!;
  const image = new Int32Array(total);
  const values = new Int32Array(4 * total);
  const next = start.slice(0, 2 * numClasses);
  for (const [r, run] of runs.entries()) {
    run.forEach(({ tp, fp, fn, gtPixels }, i) => {
      for (let c = 0; c < numClasses; c++) {
        if (tp[c] === 0 && fp[c] === 0 && fn[c] === 0 && gtPixels[c] === 0) continue;
        const e = next[r * numClasses + c]!++;
        image[e] = i;
        values[4 * e] = tp[c]!;
        values[4 * e + 1] = fp[c]!;
        values[4 * e + 2] = fn[c]!;
        values[4 * e + 3] = gtPixels[c]!;
      }
    });
  }
  return { numClasses, start, image, values };
}

function isCount(x: number): boolean {
  return Number.isInteger(x) && x >= 0 && x <= INT32_MAX;
}

/** Per-class sums of both runs, reused across replicates (semanticScores keeps none of its arrays). */
class PairSums {
  private readonly a: ClassCounts;
  private readonly b: ClassCounts;

  constructor(private readonly packed: PackedPair) {
    const c = packed.numClasses;
    const counts = (): ClassCounts => ({
      tp: new Float64Array(c),
      fp: new Float64Array(c),
      fn: new Float64Array(c),
      gtPixels: new Float64Array(c),
    });
    this.a = counts();
    this.b = counts();
  }

  /**
   * Per slot, Σ over its images of counts[image] × the image's counts. An image not drawn adds
   * 0 × count = +0, which changes no sum (cheaper than a branch taken at random a third of the time).
   * Exact, as packPair checked the bound.
   */
  sumOver(counts: Float64Array): void {
    const { start, image, values, numClasses } = this.packed;
    for (let k = 0; k < 2 * numClasses; k++) {
      let tp = 0;
      let fp = 0;
      let fn = 0;
      let gt = 0;
      const end = start[k + 1]!;
      for (let e = start[k]!; e < end; e++) {
        const times = counts[image[e]!]!;
        const v = 4 * e;
        tp += times * values[v]!;
        fp += times * values[v + 1]!;
        fn += times * values[v + 2]!;
        gt += times * values[v + 3]!;
      }
      const run = k < numClasses ? this.a : this.b;
      const c = k < numClasses ? k : k - numClasses;
      run.tp[c] = tp;
      run.fp[c] = fp;
      run.fn[c] = fn;
      run.gtPixels[c] = gt;
    }
  }

  scores(run: 'a' | 'b'): SemanticScores {
    const { tp, fp, fn, gtPixels } = this[run];
    return semanticScores(tp, fp, fn, gtPixels);
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

/** Sums of integers stay exact in a float64 below this, in any order. */
const EXACT_SUM = 2 ** 53;

/**
 * B − A of LISA's cIoU (ΣI / ΣU) over the drawn pairs, from each pair's foreground intersection and
 * union (pixel counts). The sums are of integers below 2^53 (checked), so they are exact in any order
 * and the `byCounts` form returns the index form's value bit for bit. A draw with ΣU = 0 in a run (only
 * empty-on-empty pairs drawn) has no cIoU: the statistic refuses it with a RangeError saying so.
 */
export function cumulativeIouDifferenceStatistic(
  a: { intersection: ArrayLike<number>; union: ArrayLike<number> },
  b: { intersection: ArrayLike<number>; union: ArrayLike<number> },
): BootstrapStatistic {
  const n = a.intersection.length;
  for (const arr of [a.union, b.intersection, b.union]) {
    if (arr.length !== n) throw new RangeError(`runs cover ${n} and ${arr.length} pairs; they must be paired`);
  }
  const ia = Float64Array.from(a.intersection);
  const ua = Float64Array.from(a.union);
  const ib = Float64Array.from(b.intersection);
  const ub = Float64Array.from(b.union);
  let largest = 0;
  for (const arr of [ia, ua, ib, ub]) {
    for (const v of arr) {
      if (!(Number.isInteger(v) && v >= 0)) throw new RangeError(`pair intersection or union ${v} is not a pixel count`);
      largest = Math.max(largest, v);
    }
  }
  // n draws of the largest count bound every sum of a replicate.
  if (largest * n >= EXACT_SUM) throw new RangeError(`${n} pairs of up to ${largest} pixels: too many to resample exactly`);
  const ratio = (i: number, u: number): number => {
    if (u > 0) return i / u;
    throw new RangeError(
      'some resamples drew only queries with an empty target and an empty prediction in a run, where cIoU (total intersection / total union) is undefined',
    );
  };
  const byIndices = (indices: Uint32Array): number => {
    let sia = 0;
    let sua = 0;
    let sib = 0;
    let sub = 0;
    for (let k = 0; k < indices.length; k++) {
      const p = indices[k]!;
      sia += ia[p]!;
      sua += ua[p]!;
      sib += ib[p]!;
      sub += ub[p]!;
    }
    return ratio(sib, sub) - ratio(sia, sua);
  };
  const byCounts = (counts: Float64Array): number => {
    let sia = 0;
    let sua = 0;
    let sib = 0;
    let sub = 0;
    for (let p = 0; p < n; p++) {
      const times = counts[p]!;
      sia += times * ia[p]!;
      sua += times * ua[p]!;
      sib += times * ib[p]!;
      sub += times * ub[p]!;
    }
    return ratio(sib, sub) - ratio(sia, sua);
  };
  return Object.assign(byIndices, { byCounts });
}
