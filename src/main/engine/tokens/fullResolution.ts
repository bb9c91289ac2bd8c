/**
 * From a token-grid map to the original image: CLIP-style preprocessing (LISA/READ's
 * `CLIPImageProcessor`: shortest side to 336, centre crop 336x336) means the grid covers only the
 * centre crop of the image. READ model/READ.py `get_similarity_map` undoes that crop: min-max, resize
 * the grid to the crop size, pad both sides back to the resized image's aspect, resize to the image.
 */
import { bilinearResize, bilinearTaps } from './interpolate';
import { assertInteger, assertTensor } from '../../../shared/pure/shape';

export interface ImageSize {
  height: number;
  width: number;
}

export interface CropUndoOptions {
  /** Side of the square centre crop the grid covers (CLIP ViT-L/14-336: 336). */
  cropSize: number;
  /** Min-max the grid first, as READ does. */
  normalize: boolean;
  /** Value outside the crop (READ: 0, `F.pad`'s default). */
  padValue: number;
}

export const READ_CROP_UNDO: CropUndoOptions = { cropSize: 336, normalize: true, padValue: 0 };

/** Samples the full-resolution map over any window without computing the whole image. */
export interface FullResolutionSampler {
  readonly image: ImageSize;
  /** `[height, width]` values of the image window whose top-left pixel is (x, y). */
  window(x: number, y: number, width: number, height: number): Float32Array;
}

/**
 * Padding per side that turns a `size` x `size` square back into the image's aspect, READ
 * model/READ.py (`get_similarity_map` and `similarity_map_to_points`): `scale = size / min(h, w)`,
 * `new = int(side * scale)`, `pad = (new - size) // 2`. Computed in float64 like Python, so
 * `int(h * (size / h))` can land one short of `size` (e.g. 376 * (12 / 376) = 11.999…): the pad is
 * then -1 and `F.pad` crops a row or column off each side instead, which callers reproduce.
 */
export function centreCropPadding(image: ImageSize, size: number): { top: number; left: number } {
  assertInteger('image height', image.height, 1);
  assertInteger('image width', image.width, 1);
  const scale = size / Math.min(image.height, image.width);
  const top = Math.floor((Math.trunc(image.height * scale) - size) / 2);
  const left = Math.floor((Math.trunc(image.width * scale) - size) / 2);
  return { top, left };
}

/**
 * `(v - min) / (max - min)` in float32 as torch computes it (READ has no epsilon); null for a
 * constant or non-finite map, where READ would divide 0 by 0.
 */
export function minMaxNormalize(values: Float32Array): Float32Array | null {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const range = Math.fround(max - min);
  if (!(range > 0) || !Number.isFinite(range)) return null;
  return Float32Array.from(values, (v) => Math.fround(v - min) / range);
}

/**
 * A sampler of the `[gridH, gridW]` map at the image's full resolution (see the module comment).
 * A constant grid with `normalize` becomes all zeros (READ would produce NaN).
 */
export function fullResolutionSampler(
  grid: Float32Array,
  gridH: number,
  gridW: number,
  image: ImageSize,
  opts?: Partial<CropUndoOptions>,
): FullResolutionSampler {
  const o = { ...READ_CROP_UNDO, ...opts };
  assertTensor('similarity grid', grid, [gridH, gridW]);
  assertInteger('cropSize', o.cropSize, 1);
  const values = o.normalize ? (minMaxNormalize(grid) ?? new Float32Array(grid.length)) : grid;
  const crop = bilinearResize(values, 1, gridH, gridW, o.cropSize, o.cropSize);
  const pad = centreCropPadding(image, o.cropSize);
  const ph = o.cropSize + 2 * pad.top;
  const pw = o.cropSize + 2 * pad.left;
  if (ph < 1 || pw < 1) throw new RangeError(`crop ${o.cropSize} cannot be padded to ${image.width}x${image.height}`);
  const padded = new Float32Array(ph * pw).fill(o.padValue);
  for (let r = Math.max(pad.top, 0); r < Math.min(ph, pad.top + o.cropSize); r++) {
    for (let c = Math.max(pad.left, 0); c < Math.min(pw, pad.left + o.cropSize); c++) {
      padded[r * pw + c] = crop[(r - pad.top) * o.cropSize + (c - pad.left)]!;
    }
  }
  const rows = bilinearTaps(ph, image.height);
  const cols = bilinearTaps(pw, image.width);
  return {
    image: { height: image.height, width: image.width },
    window(x: number, y: number, width: number, height: number): Float32Array {
      if (x < 0 || y < 0 || width < 0 || height < 0 || x + width > image.width || y + height > image.height) {
        throw new RangeError(`window ${x},${y} ${width}x${height} leaves the ${image.width}x${image.height} image`);
      }
      const out = new Float32Array(width * height);
      for (let j = 0; j < height; j++) {
        const top = rows.lo[y + j]! * pw;
        const bottom = rows.hi[y + j]! * pw;
        const wy = rows.wHi[y + j]!;
        for (let i = 0; i < width; i++) {
          const lo = cols.lo[x + i]!;
          const hi = cols.hi[x + i]!;
          const wx = cols.wHi[x + i]!;
          const upper = (1 - wx) * padded[top + lo]! + wx * padded[top + hi]!;
          const lower = (1 - wx) * padded[bottom + lo]! + wx * padded[bottom + hi]!;
          out[j * width + i] = (1 - wy) * upper + wy * lower;
        }
      }
      return out;
    },
  };
}

/**
 * `[image.height, image.width]`: the `[gridH, gridW]` map (e.g. READ's 24x24 `<SEG>` similarity)
 * placed back on the whole image, READ model/READ.py get_similarity_map: min-max (optional), bilinear
 * to cropSize², pad with padValue by `centreCropPadding` on each side, bilinear to the image size.
 */
export function fullResolutionMap(
  grid: Float32Array,
  gridH: number,
  gridW: number,
  image: ImageSize,
  opts?: Partial<CropUndoOptions>,
): Float32Array {
  return fullResolutionSampler(grid, gridH, gridW, image, opts).window(0, 0, image.width, image.height);
}
