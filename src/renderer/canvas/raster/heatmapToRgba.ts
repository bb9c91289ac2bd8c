import { lutIndex } from './colormaps';

export interface HeatmapColorOptions {
  /** Values map to the colormap over [min, max] (matplotlib Normalize); equal bounds give the first colour. */
  min: number;
  max: number;
  /** Values at or below this are left transparent (e.g. hide everything under a threshold). */
  transparentBelow?: number;
}

/**
 * Heatmap values -> RGBA through a colormap LUT, as matplotlib's `cmap(Normalize(min, max)(v))`.
 * NaN is transparent. One pass over a Uint32 view; no allocation per pixel.
 */
export function heatmapToRgba(
  values: ArrayLike<number>,
  lut: Uint8ClampedArray,
  opts: HeatmapColorOptions,
  out?: Uint8ClampedArray,
): Uint8ClampedArray {
  const rgba = out ?? new Uint8ClampedArray(values.length * 4);
  const lut32 = new Uint32Array(lut.buffer, lut.byteOffset, 256);
  const out32 = new Uint32Array(rgba.buffer, rgba.byteOffset, values.length);
  const span = opts.max - opts.min;
  const floor = opts.transparentBelow ?? -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v) || v <= floor) {
      out32[i] = 0;
      continue;
    }
    out32[i] = lut32[lutIndex(span > 0 ? (v - opts.min) / span : 0)] as number;
  }
  return rgba;
}
