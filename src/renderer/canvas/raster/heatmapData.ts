import { heatmapCellAt, heatmapPlacement } from '../../../shared/domain/heatmapGeometry';
import { halfToFloat } from '../../../shared/pure/float16';

/** Heatmap blobs as the engine stores them: raw little-endian values, row-major over `shape`. */
export type HeatmapDtype = 'float16' | 'float32' | 'uint8';

/** Decodes a heatmap blob to float32 values; uint8 maps become value / 255. */
export function decodeHeatmap(bytes: Uint8Array, dtype: HeatmapDtype, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = dtype === 'float32' ? 4 : dtype === 'float16' ? 2 : 1;
  if (bytes.byteLength < count * size)
    throw new RangeError(`heatmap holds ${bytes.byteLength} bytes, expected ${count * size} for ${count} ${dtype} values`);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    if (dtype === 'float32') out[i] = view.getFloat32(i * 4, true);
    else if (dtype === 'float16') out[i] = halfToFloat(view.getUint16(i * 2, true));
    else out[i] = (bytes[i] as number) / 255;
  }
  return out;
}

/** The [h, w] plane `index` of a [C, h, w] tensor (a view, no copy). */
export function channel(values: Float32Array, h: number, w: number, index: number): Float32Array {
  return values.subarray(index * h * w, (index + 1) * h * w);
}

/** Smallest and largest finite value (0, 0 when there are none). */
export function valueRange(values: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min === Infinity ? { min: 0, max: 0 } : { min, max };
}

/**
 * Grid cell under an image pixel (its centre) when an [h, w] map is stretched over the whole W x H
 * image (a map without geometry). Maps with geometry: heatmapCellAt in src/shared/domain/heatmapGeometry.ts.
 */
export function cellAt(
  x: number,
  y: number,
  imageW: number,
  imageH: number,
  h: number,
  w: number,
): { row: number; col: number; index: number } {
  const p = heatmapPlacement(null, { h, w }, { width: imageW, height: imageH });
  const px = Math.min(imageW - 1, Math.max(0, x));
  const py = Math.min(imageH - 1, Math.max(0, y));
  return heatmapCellAt(px, py, p, { h, w }) ?? { row: 0, col: 0, index: 0 };
}
