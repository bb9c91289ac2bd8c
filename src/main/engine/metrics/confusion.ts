/**
 * Confusion matrices over label maps: rows are ground truth, columns prediction, stored row-major in a
 * Float64Array of length C*C (float64 so sums over many images stay exact far past 2^32 pixels).
 * Same layout as ToCo utils/evaluate.py `_fast_hist` (`bincount(C * gt + pred)`) and the counts mmseg
 * `intersect_and_union` derives (docs/design.md §5.1).
 */

/** Label value that marks void / ignored ground-truth pixels (VOC, mmseg `ignore_index`). */
export const IGNORE_INDEX = 255;

/** Per-class pixel counts: what the store keeps per (run, sample, class) so a subset's score is a SUM. */
export interface ClassCounts {
  tp: Float64Array;
  fp: Float64Array;
  fn: Float64Array;
  gtPixels: Float64Array;
}

/** Class ids are label values 0..254 (255 is ignore), so at most 255 classes. */
export function assertNumClasses(numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > IGNORE_INDEX) {
    throw new RangeError(`number of classes ${numClasses} must be an integer in [1, ${IGNORE_INDEX}]`);
  }
}

/**
 * Adds one image's pixels to `matrix` (length numClasses²). GT 255 pixels are skipped.
 *
 * Strictness, where the references are silent or lenient (mmseg's `histc` and ToCo's `_fast_hist`
 * mask drop out-of-range values without a word):
 * - a prediction outside [0, C) throws a RangeError even where GT is 255: whether a prediction is
 *   valid must not depend on the ground truth, and a 255 in a class-index map usually means a 0/255
 *   binary PNG or a map from another label set was imported as class indices;
 * - a GT value outside [0, C) other than 255 throws too: it means C is wrong for this dataset.
 * On a throw the matrix is left unchanged.
 *
 * Hot path (docs/design.md §5.1: 1,449 VOC maps well under 2 s on one core): one pass, `gt*C+pred` indexing, into
 * two Int32 histograms that take alternate pixels. Real label maps are regions, so neighbouring pixels
 * hit the same cell; with a single array each increment waits for the previous store to that cell,
 * which took about 1.6x the CPU time of the two-histogram form on region-like 500x375 maps here.
 */
export function accumulateConfusion(matrix: Float64Array, numClasses: number, gt: Uint8Array, pred: Uint8Array): void {
  assertNumClasses(numClasses);
  if (matrix.length !== numClasses * numClasses) {
    throw new RangeError(`confusion matrix has ${matrix.length} cells, expected ${numClasses}x${numClasses} = ${numClasses * numClasses}`);
  }
  assertSameLength(gt, pred);
  const n = gt.length;
  // Each Int32 histogram counts at most ceil(n / 2) pixels.
  if (n > 2 ** 32 - 2) throw new RangeError(`label map of ${n} pixels is too large to count`);
  const even = new Int32Array(numClasses * numClasses);
  const odd = new Int32Array(numClasses * numClasses);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const g0 = gt[i]!;
    const p0 = pred[i]!;
    const g1 = gt[i + 1]!;
    const p1 = pred[i + 1]!;
    if (p0 >= numClasses || p1 >= numClasses) throw firstInvalidPixel(gt, pred, i, numClasses);
    if (g0 !== IGNORE_INDEX) {
      if (g0 >= numClasses) throw firstInvalidPixel(gt, pred, i, numClasses);
      even[g0 * numClasses + p0]!++;
    }
    if (g1 !== IGNORE_INDEX) {
      if (g1 >= numClasses) throw firstInvalidPixel(gt, pred, i, numClasses);
      odd[g1 * numClasses + p1]!++;
    }
  }
  if (i < n) {
    const g = gt[i]!;
    const p = pred[i]!;
    if (p >= numClasses || (g >= numClasses && g !== IGNORE_INDEX)) throw firstInvalidPixel(gt, pred, i, numClasses);
    if (g !== IGNORE_INDEX) even[g * numClasses + p]!++;
  }
  for (let k = 0; k < matrix.length; k++) matrix[k] = matrix[k]! + even[k]! + odd[k]!;
}

/** One image's per-class TP / FP / FN / GT pixel counts (GT 255 ignored, same checks as above). */
export function perClassCounts(gt: Uint8Array, pred: Uint8Array, numClasses: number): ClassCounts {
  const matrix = new Float64Array(numClasses * numClasses);
  accumulateConfusion(matrix, numClasses, gt, pred);
  return countsFromConfusion(matrix, numClasses);
}

/** TP = diagonal, FN = row sum − TP, FP = column sum − TP, GT pixels = row sum. */
export function countsFromConfusion(matrix: Float64Array, numClasses: number): ClassCounts {
  assertNumClasses(numClasses);
  if (matrix.length !== numClasses * numClasses) {
    throw new RangeError(`confusion matrix has ${matrix.length} cells, expected ${numClasses * numClasses}`);
  }
  const tp = new Float64Array(numClasses);
  const fp = new Float64Array(numClasses);
  const fn = new Float64Array(numClasses);
  const gtPixels = new Float64Array(numClasses);
  const predPixels = new Float64Array(numClasses);
  for (let g = 0; g < numClasses; g++) {
    for (let p = 0; p < numClasses; p++) {
      const count = matrix[g * numClasses + p]!;
      gtPixels[g] = gtPixels[g]! + count;
      predPixels[p] = predPixels[p]! + count;
    }
  }
  for (let c = 0; c < numClasses; c++) {
    const hit = matrix[c * numClasses + c]!;
    tp[c] = hit;
    fn[c] = gtPixels[c]! - hit;
    fp[c] = predPixels[c]! - hit;
  }
  return { tp, fp, fn, gtPixels };
}

export function assertSameLength(gt: Uint8Array, pred: Uint8Array): void {
  if (gt.length !== pred.length) {
    throw new RangeError(`ground truth has ${gt.length} pixels but the prediction has ${pred.length}`);
  }
}

/** The error for the first bad pixel at `from` or `from + 1`, prediction checked before GT. */
function firstInvalidPixel(gt: Uint8Array, pred: Uint8Array, from: number, numClasses: number): RangeError {
  for (let i = from; i < Math.min(from + 2, gt.length); i++) {
    const g = gt[i]!;
    const p = pred[i]!;
    if (p >= numClasses) {
      return new RangeError(`prediction value ${p} at pixel ${i} is outside the class range [0, ${numClasses})`);
    }
    if (g >= numClasses && g !== IGNORE_INDEX) {
      return new RangeError(
        `ground-truth value ${g} at pixel ${i} is neither a class in [0, ${numClasses}) nor the ignore value ${IGNORE_INDEX}`,
      );
    }
  }
  return new RangeError(`pixel ${from} is invalid`); // unreachable: callers saw a bad value
}
