/**
 * Pillow's `Image.resize(size, filter)` on 8-bit images, bit for bit (Pillow 9.4, as Debian ships it;
 * the algorithm of libImaging's resampler has been stable across Pillow releases since 4.x). Written
 * from its documented semantics, not from its code:
 *
 * - Each axis gets its own filter weights. Output pixel `i` covers the source interval centred at
 *   `c = (i + 0.5) * scale` with `scale = in / out`. When shrinking, the filter is stretched by
 *   `scale` (support `s = support * max(scale, 1)`): this is PIL's antialiasing. The source taps are
 *   `trunc(c - s + 0.5) .. trunc(c + s + 0.5)` clamped to the image, each weighted by
 *   `filter((j - c + 0.5) / max(scale, 1))`, then normalized to sum 1 (in doubles).
 * - The weights become 22-bit fixed point (`trunc(w * 2^22 ± 0.5)`, away from zero), each output value
 *   is `(2^21 + Σ pixel * weight) >> 22` clamped to 0..255 (so rounded half up).
 * - Two passes: horizontal first (only over the source rows the vertical pass reads), stored as 8-bit,
 *   then vertical. An axis whose size does not change is not resampled at all.
 *
 * `bilinear` is PIL's BILINEAR (triangle, support 1): what torchvision's `resize` does to a PIL image
 * and SAM's `ResizeLongestSide.apply_image`. `bicubic` is PIL's BICUBIC (Keys cubic a = -0.5, support
 * 2): what CLIP's image processors (OpenAI CLIP, Hugging Face `CLIPImageProcessor`, so LLaVA / LISA /
 * READ's vision tower) use.
 */
export type PilFilter = 'bilinear' | 'bicubic';

const PRECISION_BITS = 32 - 8 - 2;
const HALF = 1 << (PRECISION_BITS - 1);

const FILTERS: Record<PilFilter, { support: number; weight: (x: number) => number }> = {
  bilinear: {
    support: 1,
    weight: (x) => {
      const a = x < 0 ? -x : x;
      return a < 1 ? 1 - a : 0;
    },
  },
  bicubic: {
    support: 2,
    // Keys' cubic convolution with a = -0.5, in the evaluation order that gives the same doubles.
    weight: (x) => {
      const a = x < 0 ? -x : x;
      if (a < 1) return (1.5 * a - 2.5) * a * a + 1;
      if (a < 2) return (((a - 5) * a + 8) * a - 4) * -0.5;
      return 0;
    },
  },
};

/** Fixed-point taps of one axis: output i reads `count[i]` source pixels from `first[i]`. */
interface AxisTaps {
  ksize: number;
  first: Int32Array;
  count: Int32Array;
  /** `ksize` weights per output pixel, 22-bit fixed point. */
  weights: Int32Array;
}

function axisTaps(inSize: number, outSize: number, filter: PilFilter): AxisTaps {
  const f = FILTERS[filter];
  const scale = inSize / outSize;
  const filterScale = scale < 1 ? 1 : scale;
  const support = f.support * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  const inv = 1 / filterScale;
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(center + support + 0.5));
    const n = hi - lo;
    let sum = 0;
    for (let k = 0; k < n; k++) {
      const v = f.weight((k + lo - center + 0.5) * inv);
      w[k] = v;
      sum += v;
    }
    for (let k = 0; k < n; k++) {
      const v = sum !== 0 ? (w[k] as number) / sum : (w[k] as number);
      weights[i * ksize + k] = Math.trunc(v < 0 ? v * (1 << PRECISION_BITS) - 0.5 : v * (1 << PRECISION_BITS) + 0.5);
    }
    first[i] = lo;
    count[i] = n;
  }
  return { ksize, first, count, weights };
}

function clip8(acc: number): number {
  const v = acc >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Horizontal pass over source rows [y0, y1): interleaved `channels`, width `inW` -> `outW`. */
function horizontal(src: Uint8Array, inW: number, channels: number, y0: number, y1: number, outW: number, taps: AxisTaps): Uint8Array {
  const out = new Uint8Array((y1 - y0) * outW * channels);
  const { ksize, first, count, weights } = taps;
  const acc = new Float64Array(channels);
  for (let y = y0; y < y1; y++) {
    const row = y * inW * channels;
    let o = (y - y0) * outW * channels;
    for (let x = 0; x < outW; x++) {
      const n = count[x] as number;
      const base = row + (first[x] as number) * channels;
      const kb = x * ksize;
      if (channels === 3) {
        let s0 = HALF;
        let s1 = HALF;
        let s2 = HALF;
        for (let k = 0; k < n; k++) {
          const wk = weights[kb + k] as number;
          const p = base + k * 3;
          s0 += (src[p] as number) * wk;
          s1 += (src[p + 1] as number) * wk;
          s2 += (src[p + 2] as number) * wk;
        }
        out[o++] = clip8(s0);
        out[o++] = clip8(s1);
        out[o++] = clip8(s2);
      } else {
        acc.fill(HALF);
        for (let k = 0; k < n; k++) {
          const wk = weights[kb + k] as number;
          const p = base + k * channels;
          for (let c = 0; c < channels; c++) acc[c] = (acc[c] as number) + (src[p + c] as number) * wk;
        }
        for (let c = 0; c < channels; c++) out[o++] = clip8(acc[c] as number);
      }
    }
  }
  return out;
}

/** Vertical pass: `src` rows start at source row `rowOffset`; every row is `rowLen` bytes. */
function vertical(src: Uint8Array, rowLen: number, rowOffset: number, outH: number, taps: AxisTaps): Uint8Array {
  const out = new Uint8Array(outH * rowLen);
  const { ksize, first, count, weights } = taps;
  const acc = new Float64Array(rowLen);
  for (let y = 0; y < outH; y++) {
    acc.fill(HALF);
    const n = count[y] as number;
    const start = ((first[y] as number) - rowOffset) * rowLen;
    for (let k = 0; k < n; k++) {
      const wk = weights[y * ksize + k] as number;
      const row = start + k * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i] = (acc[i] as number) + (src[row + i] as number) * wk;
    }
    const o = y * rowLen;
    for (let i = 0; i < rowLen; i++) out[o + i] = clip8(acc[i] as number);
  }
  return out;
}

/**
 * `Image.resize((outW, outH), filter)` of an interleaved 8-bit image with `channels` bands (RGB: 3),
 * as Pillow computes it for modes L and RGB. Returns a new interleaved buffer.
 */
export function pilResize(
  src: Uint8Array,
  width: number,
  height: number,
  channels: number,
  outW: number,
  outH: number,
  filter: PilFilter,
): Uint8Array {
  if (src.length !== width * height * channels) throw new Error(`pilResize: ${src.length} bytes is not ${width}x${height}x${channels}`);
  if (!(outW >= 1 && outH >= 1 && Number.isInteger(outW) && Number.isInteger(outH))) throw new Error(`pilResize: bad size ${outW}x${outH}`);
  if (outW === width && outH === height) return src.slice();
  const vTaps = axisTaps(height, outH, filter);
  if (outW === width) return vertical(src, width * channels, 0, outH, vTaps);
  // Only the source rows the vertical pass reads go through the horizontal pass.
  const y0 = vTaps.first[0] as number;
  const y1 = (vTaps.first[outH - 1] as number) + (vTaps.count[outH - 1] as number);
  const h = horizontal(src, width, channels, y0, y1, outW, axisTaps(width, outW, filter));
  if (outH === height) return h;
  return vertical(h, outW * channels, y0, outH, vTaps);
}
