/** Colours of the difference view (RGBA). Chosen to stay apart for red-green colour-blind users too. */
export const DIFF_COLORS = {
  truePositive: [0, 200, 83, 255],
  falsePositive: [255, 61, 0, 255],
  falseNegative: [41, 121, 255, 255],
} as const;

export type DiffKind = 'tp' | 'fp' | 'fn' | 'tn' | 'ignore';

/**
 * One pixel of a prediction against ground truth: GT 255 is ignored; equal labels are a true
 * positive (foreground) or true negative (background 0); a missed foreground pixel predicted as
 * background is a false negative; any other disagreement, a wrong class included, is a false
 * positive of the predicted class.
 */
export function diffKind(gt: number, pred: number): DiffKind {
  // A predicted 255 is a three-band CAM run's "no label": not counted by eval (metrics/predictionIgnore.ts).
  if (gt === 255 || pred === 255) return 'ignore';
  if (gt === pred) return gt === 0 ? 'tn' : 'tp';
  if (pred === 0) return 'fn';
  return 'fp';
}

/** Prediction vs ground truth -> RGBA: TP green, FP red-orange, FN blue; true negatives and ignored pixels transparent. */
export function diffToRgba(gt: Uint8Array, pred: Uint8Array, out?: Uint8ClampedArray): Uint8ClampedArray {
  if (gt.length !== pred.length) throw new RangeError(`ground truth has ${gt.length} pixels, prediction ${pred.length}`);
  const rgba = out ?? new Uint8ClampedArray(gt.length * 4);
  for (let i = 0; i < gt.length; i++) {
    const kind = diffKind(gt[i] as number, pred[i] as number);
    const c =
      kind === 'tp'
        ? DIFF_COLORS.truePositive
        : kind === 'fp'
          ? DIFF_COLORS.falsePositive
          : kind === 'fn'
            ? DIFF_COLORS.falseNegative
            : null;
    const o = i * 4;
    if (c === null) {
      rgba[o + 3] = 0;
      continue;
    }
    rgba[o] = c[0];
    rgba[o + 1] = c[1];
    rgba[o + 2] = c[2];
    rgba[o + 3] = c[3];
  }
  return rgba;
}

/** Pixel counts per kind (the compare view's summary line). */
export function diffCounts(gt: Uint8Array, pred: Uint8Array): Record<DiffKind, number> {
  const counts: Record<DiffKind, number> = { tp: 0, fp: 0, fn: 0, tn: 0, ignore: 0 };
  for (let i = 0; i < gt.length; i++) counts[diffKind(gt[i] as number, pred[i] as number)]++;
  return counts;
}
