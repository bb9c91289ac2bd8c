/**
 * CAM quality (docs/design.md §4.4 `cam`, §5.4): CAM -> pseudo label by a background threshold, and the mIoU of
 * those labels against GT over a threshold sweep.
 */
import { IGNORE_INDEX, assertNumClasses } from './confusion';
import { semanticScoresFromConfusion } from './semantic';

export interface CamItem {
  /** [K,H,W] normalized scores of the K present classes (row-major, channel first). */
  cam: Float32Array;
  /** Class ids of the K channels; background (0) excluded. */
  keys: number[];
  gt: Uint8Array;
  height: number;
  width: number;
}

export interface CamSweepResult {
  thresholds: number[];
  miou: Array<number | null>;
  /** Highest mIoU, lowest threshold on ties; both null when no threshold has a score. */
  best: { threshold: number | null; miou: number | null };
}

/** 0.00, 0.05, …, 0.95 as i*5/100, so each is the double nearest the decimal (no summed drift). */
export function defaultCamThresholds(): number[] {
  return Array.from({ length: 20 }, (_, i) => (i * 5) / 100);
}

/**
 * Background (0) where the max over channels is <= threshold, else the key of the argmax channel
 * (first channel on ties): ToCo utils/camutils.py `cam_to_label` (`valid_cam.max(dim=1)`,
 * `pseudo_label[cam_value <= bkg_thre] = 0`), the same as IRN eval_cam.py padding a background
 * channel of value `threshold` in front and taking argmax. Both compare in float32 (torch and numpy
 * cast the Python threshold to the CAM's dtype), so the threshold is rounded to float32 here too:
 * a score exactly float32(0.05) is background at threshold 0.05.
 */
export function pseudoLabelFromCam(cam: Float32Array, keys: number[], height: number, width: number, threshold: number): Uint8Array {
  const { maxScore, argKey } = camArgmax(cam, keys, height, width);
  const label = new Uint8Array(maxScore.length);
  fillPseudoLabel(label, maxScore, argKey, threshold);
  return label;
}

/**
 * mIoU of pseudo labels against GT at each threshold, with one confusion matrix per threshold over
 * all items; mIoU is `miou_gt_classes` (mean over classes present in GT), as ToCo scores its CAMs
 * with utils/evaluate.py `scores()`. GT 255 is ignored; keys must be classes in [1, numClasses).
 */
export function camThresholdSweep(
  items: readonly CamItem[],
  numClasses: number,
  thresholds: number[] = defaultCamThresholds(),
): CamSweepResult {
  const sweep = createCamSweep(numClasses, thresholds);
  items.forEach((item) => sweep.add(item));
  return sweep.result();
}

/**
 * The same sweep one item at a time, so a dataset's full-resolution CAMs never have to be in
 * memory together (a VOC val CAM set is gigabytes).
 *
 * One pass over the pixels for all thresholds, not one per threshold: a pixel whose highest score
 * is s is its argmax class at every threshold below s and background at every other, so it is
 * counted once, in a histogram over (GT class, argmax class, how many thresholds lie below s). The
 * confusion matrix of each threshold is a sum over that histogram (prefix and suffix sums over the
 * last axis), the same integer counts a pseudo label per threshold gives (camSweep.test.ts checks
 * it against that way on random CAMs, ties at the thresholds, unsorted and repeated thresholds).
 */
export function createCamSweep(
  numClasses: number,
  thresholds: number[] = defaultCamThresholds(),
): { add(item: CamItem): void; result(): CamSweepResult } {
  assertNumClasses(numClasses);
  if (thresholds.length === 0) throw new RangeError('the threshold sweep needs at least one threshold');
  const notNumber = thresholds.findIndex((t) => Number.isNaN(t));
  if (notNumber >= 0) throw new RangeError(`threshold ${notNumber} of the sweep is NaN`);
  // Compared in float32 (fillPseudoLabel), ascending; order[p] is the caller's index of the p-th.
  const order = thresholds.map((_, t) => t).sort((a, b) => Math.fround(thresholds[a]!) - Math.fround(thresholds[b]!) || a - b);
  const cuts = Float64Array.from(order, (t) => Math.fround(thresholds[t]!));
  const bins = cuts.length + 1;
  // histogram[(gt * numClasses + argmax class) * bins + number of cuts below the pixel's highest score]
  const histogram = new Float64Array(numClasses * numClasses * bins);
  const byPrefix = cutsBelowByPrefix(cuts);
  let index = 0;
  return {
    add(item) {
      assertCamItem(item, index++, numClasses);
      const { maxScore, argKey } = camArgmax(item.cam, item.keys, item.height, item.width);
      countBelowCuts(histogram, numClasses, bins, cuts, byPrefix, item.gt, maxScore, argKey);
    },
    result() {
      const matrices = sweepMatrices(histogram, numClasses, bins, order);
      const miou = matrices.map((matrix) => semanticScoresFromConfusion(matrix, numClasses).miou_gt_classes);
      return { thresholds: [...thresholds], miou, best: bestThreshold(thresholds, miou) };
    },
  };
}

/** The number of cuts (ascending) strictly below s. */
function cutsBelow(cuts: Float64Array, s: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cuts[mid]! < s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const AMBIGUOUS = 255;

/**
 * cutsBelow for every float32 by the top 16 bits of its bit pattern: the floats sharing them are one
 * contiguous range of values, so where its two ends have the same count every float in it does.
 * AMBIGUOUS marks the few ranges a cut falls inside (and the infinities' and NaNs' ranges): those
 * pixels take the binary search. Null with more cuts than a byte can count.
 */
function cutsBelowByPrefix(cuts: Float64Array): Uint8Array | null {
  if (cuts.length >= AMBIGUOUS) return null;
  const table = new Uint8Array(1 << 16);
  const bits = new Uint32Array(2);
  const values = new Float32Array(bits.buffer);
  for (let prefix = 0; prefix < 1 << 16; prefix++) {
    if ((prefix & 0x7f80) === 0x7f80) {
      table[prefix] = AMBIGUOUS; // exponent all ones: infinity or NaN
      continue;
    }
    bits[0] = prefix << 16;
    bits[1] = (prefix << 16) | 0xffff;
    const a = cutsBelow(cuts, values[0]!);
    table[prefix] = a === cutsBelow(cuts, values[1]!) ? a : AMBIGUOUS;
  }
  return table;
}

/** Adds each pixel (GT 255 left out) to the histogram, at the number of cuts strictly below its highest score. */
function countBelowCuts(
  histogram: Float64Array,
  numClasses: number,
  bins: number,
  cuts: Float64Array,
  byPrefix: Uint8Array | null,
  gt: Uint8Array,
  maxScore: Float32Array,
  argKey: Uint8Array,
): void {
  const scoreBits = new Uint32Array(maxScore.buffer, maxScore.byteOffset, maxScore.length);
  for (let i = 0; i < gt.length; i++) {
    const g = gt[i]!;
    if (g === IGNORE_INDEX) continue;
    if (g >= numClasses) {
      throw new RangeError(
        `ground-truth value ${g} at pixel ${i} is neither a class in [0, ${numClasses}) nor the ignore value ${IGNORE_INDEX}`,
      );
    }
    let below = byPrefix === null ? AMBIGUOUS : byPrefix[scoreBits[i]! >>> 16]!;
    if (below === AMBIGUOUS) below = cutsBelow(cuts, maxScore[i]!);
    const at = (g * numClasses + argKey[i]!) * bins + below;
    histogram[at] = histogram[at]! + 1;
  }
}

/**
 * The confusion matrix at each threshold, in the caller's order: at the p-th cut (ascending), a pixel
 * with more than p cuts below its highest score is its argmax class, any other is background.
 */
function sweepMatrices(histogram: Float64Array, numClasses: number, bins: number, order: number[]): Float64Array[] {
  const matrices = order.map(() => new Float64Array(numClasses * numClasses));
  const suffix = new Float64Array(bins + 1);
  for (let g = 0; g < numClasses; g++) {
    for (let k = 0; k < numClasses; k++) {
      const base = (g * numClasses + k) * bins;
      suffix[bins] = 0;
      for (let j = bins - 1; j >= 0; j--) suffix[j] = suffix[j + 1]! + histogram[base + j]!;
      if (suffix[0] === 0) continue;
      order.forEach((t, p) => {
        const matrix = matrices[t]!;
        const foreground = suffix[p + 1]!;
        matrix[g * numClasses + k] = matrix[g * numClasses + k]! + foreground;
        matrix[g * numClasses] = matrix[g * numClasses]! + (suffix[0]! - foreground);
      });
    }
  }
  return matrices;
}

/**
 * Per pixel: the highest channel score and its key (computed once, reused for every threshold). The
 * first channel is copied as it is; a later one replaces it where strictly greater (the first wins
 * ties, as torch.max / np.argmax). A pixel where every channel is -Infinity keeps the first key: it
 * is background at every threshold all the same.
 */
function camArgmax(cam: Float32Array, keys: number[], height: number, width: number): { maxScore: Float32Array; argKey: Uint8Array } {
  assertCamShape(cam, keys, height, width);
  const pixels = height * width;
  const maxScore = new Float32Array(pixels);
  const argKey = new Uint8Array(pixels);
  if (keys.length === 0) {
    maxScore.fill(-Infinity);
    return { maxScore, argKey };
  }
  maxScore.set(cam.subarray(0, pixels));
  argKey.fill(keys[0]!);
  for (let i = 0; i < pixels; i++) if (Number.isNaN(maxScore[i]!)) throw camNaN(0, keys[0]!, i);
  for (let k = 1; k < keys.length; k++) {
    const key = keys[k]!;
    const offset = k * pixels;
    for (let i = 0; i < pixels; i++) {
      const score = cam[offset + i]!;
      if (score > maxScore[i]!) {
        maxScore[i] = score;
        argKey[i] = key;
      } else if (Number.isNaN(score)) throw camNaN(k, key, i);
    }
  }
  return { maxScore, argKey };
}

function camNaN(channel: number, key: number, pixel: number): RangeError {
  return new RangeError(`CAM channel ${channel} (class ${key}) has NaN at pixel ${pixel}`);
}

function fillPseudoLabel(label: Uint8Array, maxScore: Float32Array, argKey: Uint8Array, threshold: number): void {
  const cut = Math.fround(threshold);
  for (let i = 0; i < label.length; i++) label[i] = maxScore[i]! <= cut ? 0 : argKey[i]!;
}

function bestThreshold(thresholds: number[], miou: Array<number | null>): CamSweepResult['best'] {
  let best: CamSweepResult['best'] = { threshold: null, miou: null };
  miou.forEach((score, t) => {
    if (score !== null && (best.miou === null || score > best.miou)) best = { threshold: thresholds[t]!, miou: score };
  });
  return best;
}

function assertCamShape(cam: Float32Array, keys: number[], height: number, width: number): void {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new RangeError(`CAM size ${height}x${width} must be positive integers`);
  }
  if (cam.length !== keys.length * height * width) {
    throw new RangeError(
      `CAM has ${cam.length} values, expected ${keys.length} classes x ${height} x ${width} = ${keys.length * height * width}`,
    );
  }
  for (const key of keys) {
    // 0 is the background, which the channels exclude; a 0 here usually means 0-based foreground
    // ids (IRN saves `keys` without the +1).
    if (!Number.isInteger(key) || key < 1 || key >= IGNORE_INDEX) {
      throw new RangeError(`CAM key ${key} must be a foreground class id in [1, ${IGNORE_INDEX})`);
    }
  }
}

function assertCamItem(item: CamItem, index: number, numClasses: number): void {
  if (item.gt.length !== item.height * item.width) {
    throw new RangeError(`CAM item ${index}: ground truth has ${item.gt.length} pixels, expected ${item.height}x${item.width}`);
  }
  for (const key of item.keys) {
    if (key >= numClasses) {
      throw new RangeError(`CAM item ${index}: key ${key} is outside the class range [0, ${numClasses})`);
    }
  }
}
