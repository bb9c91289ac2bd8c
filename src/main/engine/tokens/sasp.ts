/**
 * READ's "Similarity as Points" (SasP): the `<SEG>` similarity map's peaks and troughs become point
 * prompts for SAM. READ model/READ.py `similarity_map_to_points`, step for step.
 */
import { bilinearResize } from './interpolate';
import { centreCropPadding, fullResolutionSampler, minMaxNormalize, type FullResolutionSampler, type ImageSize } from './fullResolution';
import { assertInteger, assertTensor } from '../../../shared/pure/shape';

export interface SasPOptions {
  /** Grid downsampling factor before picking cells (`down_sample`): READ-7B 2, READ-13B 1. */
  downSample: number;
  /** Cells >= this are positives, label 1 (`t_pos`): READ-7B 0.8, READ-13B 0.6. */
  positiveThreshold: number;
  /** Cells in [0, this] are negatives, label 0 (`t_neg`): 0.2. */
  negativeThreshold: number;
  /** Points kept, positives first (`num_points`): READ-7B 30, READ-13B 60. */
  maxPoints: number;
  /** Refine each point to a sub-pixel position, READ's `Discrete_to_Continuous`. */
  continuous: boolean;
  /** Crop size of the full-resolution map the refinement weighs by (CLIP-L/14-336: 336). */
  cropSize: number;
}

/** READ-7B, ReasonSeg val/test (the uncommented settings in model/READ.py). */
export const READ_7B_SASP: SasPOptions = {
  downSample: 2,
  positiveThreshold: 0.8,
  negativeThreshold: 0.2,
  maxPoints: 30,
  continuous: true,
  cropSize: 336,
};

/** READ-13B, ReasonSeg test (the commented-out alternative in model/READ.py). */
export const READ_13B_SASP: SasPOptions = { ...READ_7B_SASP, downSample: 1, positiveThreshold: 0.6, maxPoints: 60 };

/** A point prompt in original-image pixels: 1 positive, 0 negative, -1 neutral (SAM ignores it). */
export interface SasPPoint {
  x: number;
  y: number;
  label: 1 | 0 | -1;
  /** The cell's value in the downsampled, min-maxed map, in [0, 1]. */
  score: number;
}

/** Beyond 10 px a pixel's weight exp(-d²) is below e^-100 of the centre's: under float32 resolution. */
const REFINE_RADIUS = 10;

/**
 * SasP points for a square `[gridH, gridW]` similarity map (READ-7B: 24x24 from `segSimilarity`) on
 * an image of the given size, as READ model/READ.py similarity_map_to_points:
 * 1. bilinear downsample to `side // downSample` (24 -> 12: exactly a 2x2 average), then min-max
 *    (an extra min-max before downsampling, as an earlier design note had it, changes nothing: both steps are affine);
 * 2. pad both sides to the image aspect with -1 (`centreCropPadding`, READ's `int()` and `//`
 *    quirks included), so padding is never picked;
 * 3. positives (>= t_pos) by descending value, negatives (in [0, t_neg]) by ascending value, then
 *    neutral cells (label -1) in row-major order; the first `maxPoints` of that list;
 * 4. cell (row, col) -> `int(min((col + 0.5) * W / w, W - 1))`, likewise y, in float32 as READ's
 *    tensors; thresholds compare in float32 too;
 * 5. with `continuous`, READ's Discrete_to_Continuous: the point moves to the mean pixel position
 *    weighted by `exp(-d²) * softmax(map)` over the full-resolution map (`fullResolutionSampler`).
 * Ties keep the lower cell index (READ's torch.argsort leaves them unspecified). A constant map has
 * no points (READ divides 0 by 0 and fails).
 */
export function similarityToPoints(
  sim: Float32Array,
  gridH: number,
  gridW: number,
  image: ImageSize,
  opts?: Partial<SasPOptions>,
): SasPPoint[] {
  const o = { ...READ_7B_SASP, ...opts };
  assertTensor('similarity', sim, [gridH, gridW]);
  if (gridH !== gridW) throw new RangeError(`READ's SasP reshapes to a square grid, got ${gridH}x${gridW}`);
  assertInteger('downSample', o.downSample, 1);
  assertInteger('maxPoints', o.maxPoints, 0);
  const side = Math.floor(gridH / o.downSample);
  if (side < 1) throw new RangeError(`downSample ${o.downSample} leaves no cell of a ${gridH}x${gridW} grid`);
  const down = minMaxNormalize(bilinearResize(sim, 1, gridH, gridW, side, side));
  if (down === null) return [];
  const cells = padToImageAspect(down, side, image);
  const scaleH = Math.fround(image.height / cells.h);
  const scaleW = Math.fround(image.width / cells.w);
  const points = rankCells(cells.values, o)
    .slice(0, o.maxPoints)
    .map(({ index, label }): SasPPoint => {
      const col = index % cells.w;
      const row = Math.floor(index / cells.w);
      const x = Math.trunc(Math.min(Math.fround((col + 0.5) * scaleW), image.width - 1));
      const y = Math.trunc(Math.min(Math.fround((row + 0.5) * scaleH), image.height - 1));
      return { x, y, label, score: cells.values[index]! };
    });
  if (!o.continuous || points.length === 0) return points;
  const sampler = fullResolutionSampler(sim, gridH, gridW, image, { cropSize: o.cropSize, normalize: true, padValue: 0 });
  return points.map((point) => ({ ...point, ...refinePoint(sampler, point) }));
}

/** The downsampled map padded with -1 (or cropped, when READ's pad is negative) to the image aspect. */
function padToImageAspect(down: Float32Array, side: number, image: ImageSize): { values: Float32Array; h: number; w: number } {
  const pad = centreCropPadding(image, side);
  const h = side + 2 * pad.top;
  const w = side + 2 * pad.left;
  if (h < 1 || w < 1) throw new RangeError(`a ${side}x${side} grid cannot be padded to ${image.width}x${image.height}`);
  const values = new Float32Array(h * w).fill(-1);
  for (let r = 0; r < h; r++) {
    const sr = r - pad.top;
    if (sr < 0 || sr >= side) continue;
    for (let c = 0; c < w; c++) {
      const sc = c - pad.left;
      if (sc >= 0 && sc < side) values[r * w + c] = down[sr * side + sc]!;
    }
  }
  return { values, h, w };
}

/** Positives (descending), negatives (ascending), neutrals (row-major); padding (-1) in none. */
function rankCells(values: Float32Array, o: SasPOptions): Array<{ index: number; label: 1 | 0 | -1 }> {
  const positive = Math.fround(o.positiveThreshold);
  const negative = Math.fround(o.negativeThreshold);
  const pos: number[] = [];
  const neg: number[] = [];
  const neutral: number[] = [];
  values.forEach((v, i) => {
    if (v >= positive) pos.push(i);
    if (v >= 0 && v <= negative) neg.push(i);
    if (v > negative && v < positive) neutral.push(i);
  });
  pos.sort((a, b) => values[b]! - values[a]! || a - b);
  neg.sort((a, b) => values[a]! - values[b]! || a - b);
  return [
    ...pos.map((index) => ({ index, label: 1 as const })),
    ...neg.map((index) => ({ index, label: 0 as const })),
    ...neutral.map((index) => ({ index, label: -1 as const })),
  ];
}

/**
 * READ's Discrete_to_Continuous for one point: Σ p·w / Σ w over pixels p, w = exp(-|p - point|²) ·
 * softmax(map)[p]. The softmax's normalizer cancels, so w ∝ exp(map[p] - d²), summed over the
 * pixels within REFINE_RADIUS (farther ones are below float32 resolution).
 */
function refinePoint(sampler: FullResolutionSampler, point: { x: number; y: number }): { x: number; y: number } {
  const { image } = sampler;
  const x0 = Math.max(point.x - REFINE_RADIUS, 0);
  const y0 = Math.max(point.y - REFINE_RADIUS, 0);
  const x1 = Math.min(point.x + REFINE_RADIUS + 1, image.width);
  const y1 = Math.min(point.y + REFINE_RADIUS + 1, image.height);
  const values = sampler.window(x0, y0, x1 - x0, y1 - y0);
  let total = 0;
  let sumX = 0;
  let sumY = 0;
  for (let gy = y0; gy < y1; gy++) {
    for (let gx = x0; gx < x1; gx++) {
      const d2 = (gx - point.x) ** 2 + (gy - point.y) ** 2;
      const weight = Math.exp(values[(gy - y0) * (x1 - x0) + (gx - x0)]! - d2);
      total += weight;
      sumX += gx * weight;
      sumY += gy * weight;
    }
  }
  return { x: sumX / total, y: sumY / total };
}
