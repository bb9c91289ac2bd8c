/**
 * Test-only references: a seeded generator and torch's bilinear formula evaluated one output pixel
 * at a time, written out plainly so the token tests never check code against itself.
 */

/** mulberry32: small, seeded, good enough for test tensors. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomTensor(random: () => number, length: number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length }, () => lo + (hi - lo) * random());
}

/** torch align_corners=False: src = (dst + 0.5) * in / out - 0.5, negative -> 0, neighbours clamped. */
function sourceIndex(dst: number, inSize: number, outSize: number): { i0: number; i1: number; lambda: number } {
  let src = (dst + 0.5) * (inSize / outSize) - 0.5;
  if (src < 0) src = 0;
  const i0 = Math.min(Math.floor(src), inSize - 1);
  const i1 = Math.min(i0 + 1, inSize - 1);
  return { i0, i1, lambda: src - i0 };
}

/** One output pixel of F.interpolate(mode='bilinear', align_corners=False) on one channel plane. */
export function bilinearPixel(
  plane: (y: number, x: number) => number,
  sh: number,
  sw: number,
  dh: number,
  dw: number,
  y: number,
  x: number,
): number {
  const r = sourceIndex(y, sh, dh);
  const c = sourceIndex(x, sw, dw);
  const top = (1 - c.lambda) * plane(r.i0, c.i0) + c.lambda * plane(r.i0, c.i1);
  const bottom = (1 - c.lambda) * plane(r.i1, c.i0) + c.lambda * plane(r.i1, c.i1);
  return (1 - r.lambda) * top + r.lambda * bottom;
}

/** A whole `[channels, dh, dw]` resize, pixel by pixel with bilinearPixel. */
export function referenceResize(src: ArrayLike<number>, channels: number, sh: number, sw: number, dh: number, dw: number): Float64Array {
  const out = new Float64Array(channels * dh * dw);
  for (let c = 0; c < channels; c++) {
    const plane = (y: number, x: number): number => src[c * sh * sw + y * sw + x]!;
    for (let y = 0; y < dh; y++) {
      for (let x = 0; x < dw; x++) out[c * dh * dw + y * dw + x] = bilinearPixel(plane, sh, sw, dh, dw, y, x);
    }
  }
  return out;
}

/** Largest absolute difference between two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** `[heads, t, t]` random rows that each sum to 1, like a post-softmax attention. */
export function randomAttention(seed: number, heads: number, t: number): Float32Array {
  const random = seededRandom(seed);
  const attn = new Float32Array(heads * t * t);
  for (let row = 0; row < heads * t; row++) {
    const logits = Array.from({ length: t }, () => 4 * random());
    const total = logits.reduce((sum, v) => sum + Math.exp(v), 0);
    logits.forEach((v, j) => (attn[row * t + j] = Math.exp(v) / total));
  }
  return attn;
}

/** READ get_similarity_map written out step by step: min-max, resize, symmetric pad, resize. */
export function readSimilarityMap(
  grid: Float32Array,
  gridH: number,
  gridW: number,
  height: number,
  width: number,
  crop: number,
): Float64Array {
  const min = Math.min(...grid);
  const max = Math.max(...grid);
  const normalized = Array.from(grid, (v) => (v - min) / (max - min));
  const square = referenceResize(normalized, 1, gridH, gridW, crop, crop);
  const scale = crop / Math.min(height, width);
  const padH = Math.floor((Math.trunc(height * scale) - crop) / 2);
  const padW = Math.floor((Math.trunc(width * scale) - crop) / 2);
  const ph = crop + 2 * padH;
  const pw = crop + 2 * padW;
  const padded = new Float64Array(ph * pw);
  for (let r = 0; r < ph; r++) {
    for (let c = 0; c < pw; c++) {
      const sr = r - padH;
      const sc = c - padW;
      padded[r * pw + c] = sr >= 0 && sr < crop && sc >= 0 && sc < crop ? square[sr * crop + sc]! : 0;
    }
  }
  return referenceResize(padded, 1, ph, pw, height, width);
}
