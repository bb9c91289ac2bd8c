/**
 * How overlays are told apart from each other and from class colours: ground truth as an outline
 * over a filled prediction, and prediction errors (TP/FP/FN) hatched, so no flat class colour can be
 * mistaken for an error and no error colour for a class.
 */
import { DIFF_COLORS, diffKind } from './diffToRgba';

/** Outline width in image pixels: about 1/300 of the longer side, at least 1. */
export function outlineWidth(width: number, height: number): number {
  return Math.max(1, Math.round(Math.max(width, height) / 300));
}

/**
 * The label map with only its region borders kept: a labelled pixel (not 0) stays when a pixel of
 * another label (or the image edge) lies within `thickness - 1` pixels of a 4-neighbour change
 * (square neighbourhood); interiors become 0 (transparent). O(pixels) whatever the thickness.
 */
export function outlineLabels(
  labels: Uint8Array,
  width: number,
  height: number,
  thickness: number = outlineWidth(width, height),
): Uint8Array {
  if (labels.length !== width * height) throw new RangeError(`label map has ${labels.length} pixels, expected ${width}x${height}`);
  const edge = new Uint8Array(labels.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      const v = labels[i]!;
      if (v === 0) continue;
      if (
        x === 0 ||
        y === 0 ||
        x === width - 1 ||
        y === height - 1 ||
        labels[i - 1] !== v ||
        labels[i + 1] !== v ||
        labels[i - width] !== v ||
        labels[i + width] !== v
      )
        edge[i] = 1;
    }
  }
  const r = Math.max(0, Math.floor(thickness) - 1);
  const near = r === 0 ? edge : dilate(edge, width, height, r);
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) if (near[i] === 1) out[i] = labels[i]!;
  return out;
}

/** Square dilation by radius r, separable: a running count along rows, then along columns. */
function dilate(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  const rows = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let count = 0;
    for (let x = 0; x < Math.min(r, width); x++) count += mask[row + x]!;
    for (let x = 0; x < width; x++) {
      if (x + r < width) count += mask[row + x + r]!;
      if (x - r - 1 >= 0) count -= mask[row + x - r - 1]!;
      rows[row + x] = count > 0 ? 1 : 0;
    }
  }
  const out = new Uint8Array(mask.length);
  for (let x = 0; x < width; x++) {
    let count = 0;
    for (let y = 0; y < Math.min(r, height); y++) count += rows[y * width + x]!;
    for (let y = 0; y < height; y++) {
      if (y + r < height) count += rows[(y + r) * width + x]!;
      if (y - r - 1 >= 0) count -= rows[(y - r - 1) * width + x]!;
      out[y * width + x] = count > 0 ? 1 : 0;
    }
  }
  return out;
}

/** Hatch period in image pixels (even, at least 4): stripes stay a few screen pixels wide at fit. */
export function hatchPeriod(width: number, height: number): number {
  return Math.max(4, 2 * Math.round(Math.max(width, height) / 256));
}

export type ErrorKind = 'tp' | 'fp' | 'fn';

/** Alpha of the pixels between the stripes: the region still reads as one, the stripes mark it as an error. */
export const HATCH_GAP_ALPHA = 96;

/**
 * Whether pixel (x, y) lies on a stripe of its kind's hatch: TP "/" diagonals, FP "\" diagonals,
 * FN vertical bars, each half a period wide.
 */
export function onStripe(kind: ErrorKind, x: number, y: number, period: number): boolean {
  const half = period / 2;
  const m = (v: number): number => ((v % period) + period) % period;
  if (kind === 'tp') return m(x + y) < half;
  if (kind === 'fp') return m(x - y) < half;
  return m(x) < half;
}

export const ERROR_COLORS: Record<ErrorKind, readonly [number, number, number]> = {
  tp: [DIFF_COLORS.truePositive[0], DIFF_COLORS.truePositive[1], DIFF_COLORS.truePositive[2]],
  fp: [DIFF_COLORS.falsePositive[0], DIFF_COLORS.falsePositive[1], DIFF_COLORS.falsePositive[2]],
  fn: [DIFF_COLORS.falseNegative[0], DIFF_COLORS.falseNegative[1], DIFF_COLORS.falseNegative[2]],
};

/** Prediction vs ground truth -> hatched RGBA (diffKind's rules); TN and ignored pixels transparent. */
export function hatchedDiffToRgba(gt: Uint8Array, pred: Uint8Array, width: number, height: number): Uint8ClampedArray {
  if (gt.length !== pred.length || gt.length !== width * height)
    throw new RangeError(`ground truth has ${gt.length} pixels, prediction ${pred.length}, image ${width}x${height}`);
  const period = hatchPeriod(width, height);
  const rgba = new Uint8ClampedArray(gt.length * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const kind = diffKind(gt[i]!, pred[i]!);
      if (kind !== 'tp' && kind !== 'fp' && kind !== 'fn') continue;
      const c = ERROR_COLORS[kind];
      const o = i * 4;
      rgba[o] = c[0];
      rgba[o + 1] = c[1];
      rgba[o + 2] = c[2];
      rgba[o + 3] = onStripe(kind, x, y, period) ? 255 : HATCH_GAP_ALPHA;
    }
  }
  return rgba;
}

/** The CSS background of a legend swatch that looks like the hatch of `kind`. */
export function hatchCss(kind: ErrorKind): string {
  const [r, g, b] = ERROR_COLORS[kind];
  const full = `rgb(${r},${g},${b})`;
  const gap = `rgba(${r},${g},${b},${(HATCH_GAP_ALPHA / 255).toFixed(2)})`;
  const angle = kind === 'tp' ? '135deg' : kind === 'fp' ? '45deg' : '90deg';
  return `repeating-linear-gradient(${angle}, ${full} 0 3px, ${gap} 3px 6px)`;
}
