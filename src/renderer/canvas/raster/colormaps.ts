import { MAGMA_DATA, VIRIDIS_DATA } from './colormapData';

export type ColormapName = 'jet' | 'magma' | 'viridis';
export const COLORMAPS: readonly ColormapName[] = ['jet', 'magma', 'viridis'];

/**
 * matplotlib's `jet` segment data (lib/matplotlib/_cm.py `_jet_data`): per channel, rows of
 * (x, value below x, value above x).
 */
const JET_SEGMENTS: ReadonlyArray<ReadonlyArray<readonly [number, number, number]>> = [
  [
    [0, 0, 0],
    [0.35, 0, 0],
    [0.66, 1, 1],
    [0.89, 1, 1],
    [1, 0.5, 0.5],
  ],
  [
    [0, 0, 0],
    [0.125, 0, 0],
    [0.375, 1, 1],
    [0.64, 1, 1],
    [0.91, 0, 0],
    [1, 0, 0],
  ],
  [
    [0, 0.5, 0.5],
    [0.11, 1, 1],
    [0.34, 1, 1],
    [0.65, 0, 0],
    [1, 0, 0],
  ],
];

/**
 * One channel of a segmented colormap at N = 256, as matplotlib.colors._create_lookup_table does:
 * breakpoints scaled to [0, N-1], each integer position interpolated between the breakpoint before
 * it (its "above" value) and the first breakpoint at or after it (its "below" value).
 */
function segmentedChannel(segments: ReadonlyArray<readonly [number, number, number]>, n: number): Float64Array {
  const out = new Float64Array(n);
  const xs = segments.map((s) => s[0] * (n - 1));
  out[0] = segments[0]![2];
  out[n - 1] = segments[segments.length - 1]![1];
  for (let i = 1; i < n - 1; i++) {
    let k = 0;
    while (xs[k]! < i) k++; // np.searchsorted(x, i, side='left')
    const distance = (i - xs[k - 1]!) / (xs[k]! - xs[k - 1]!);
    out[i] = distance * (segments[k]![1] - segments[k - 1]![2]) + segments[k - 1]![2];
  }
  return out;
}

const cache = new Map<ColormapName, Uint8ClampedArray>();

/**
 * A 256-entry RGBA lookup table equal to `matplotlib.colormaps[name](range(256), bytes=True)`:
 * matplotlib converts with `(lut * 255).astype(uint8)`, i.e. truncation, not rounding.
 */
export function colormapLut(name: ColormapName): Uint8ClampedArray {
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  const lut = new Uint8ClampedArray(256 * 4);
  if (name === 'jet') {
    const channels = JET_SEGMENTS.map((s) => segmentedChannel(s, 256));
    for (let i = 0; i < 256; i++) {
      for (let c = 0; c < 3; c++) lut[i * 4 + c] = Math.floor(channels[c]![i]! * 255);
      lut[i * 4 + 3] = 255;
    }
  } else {
    const data = name === 'magma' ? MAGMA_DATA : VIRIDIS_DATA;
    for (let i = 0; i < 256; i++) {
      for (let c = 0; c < 3; c++) lut[i * 4 + c] = Math.floor(data[i * 3 + c]! * 255);
      lut[i * 4 + 3] = 255;
    }
  }
  cache.set(name, lut);
  return lut;
}

/** matplotlib's float -> LUT index for a value already normalized to [0, 1]: floor(t * N), with 1.0 -> N - 1. */
export function lutIndex(t: number): number {
  if (!(t > 0)) return 0;
  if (t >= 1) return 255;
  return Math.floor(t * 256);
}
