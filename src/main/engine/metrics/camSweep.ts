/**
 * CAM quality (docs/design.md §4.4 `cam`, §5.4): CAM -> pseudo label by a background threshold, and the mIoU of
 * those labels against GT over a threshold sweep.
 */
import { IGNORE_INDEX, accumulateConfusion, assertNumClasses } from './confusion';
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
 */
export function createCamSweep(
  numClasses: number,
  thresholds: number[] = defaultCamThresholds(),
): { add(item: CamItem): void; result(): CamSweepResult } {
  assertNumClasses(numClasses);
  if (thresholds.length === 0) throw new RangeError('the threshold sweep needs at least one threshold');
  const matrices = thresholds.map(() => new Float64Array(numClasses * numClasses));
  let index = 0;
  return {
    add(item) {
      assertCamItem(item, index++, numClasses);
      const { maxScore, argKey } = camArgmax(item.cam, item.keys, item.height, item.width);
      const label = new Uint8Array(maxScore.length);
      thresholds.forEach((threshold, t) => {
        fillPseudoLabel(label, maxScore, argKey, threshold);
        accumulateConfusion(matrices[t]!, numClasses, item.gt, label);
      });
    },
    result() {
      const miou = matrices.map((matrix) => semanticScoresFromConfusion(matrix, numClasses).miou_gt_classes);
      return { thresholds: [...thresholds], miou, best: bestThreshold(thresholds, miou) };
    },
  };
}

/** Per pixel: the highest channel score and its key (computed once, reused for every threshold). */
function camArgmax(cam: Float32Array, keys: number[], height: number, width: number): { maxScore: Float32Array; argKey: Uint8Array } {
  assertCamShape(cam, keys, height, width);
  const pixels = height * width;
  const maxScore = new Float32Array(pixels).fill(-Infinity);
  const argKey = new Uint8Array(pixels);
  keys.forEach((key, k) => {
    const offset = k * pixels;
    for (let i = 0; i < pixels; i++) {
      const score = cam[offset + i]!;
      if (Number.isNaN(score)) throw new RangeError(`CAM channel ${k} (class ${key}) has NaN at pixel ${i}`);
      // Strictly greater: the first channel wins ties, as torch.max / np.argmax.
      if (score > maxScore[i]!) {
        maxScore[i] = score;
        argKey[i] = key;
      }
    }
  });
  return { maxScore, argKey };
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
