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

export interface SaspReferencePoint {
  x: number;
  y: number;
  label: number;
  score: number;
}

/**
 * READ-7B similarity_map_to_points written out plainly for an even square grid: a 2x2 block average
 * (what the bilinear halving computes), float32 min-max, -1 padding, three lists, cell centres.
 */
export function readPoints(sim: Float32Array, side: number, height: number, width: number, maxPoints: number): SaspReferencePoint[] {
  const half = side / 2;
  const down: number[] = [];
  for (let r = 0; r < half; r++) {
    for (let c = 0; c < half; c++) {
      const at = (y: number, x: number): number => sim[y * side + x]!;
      down.push(Math.fround((at(2 * r, 2 * c) + at(2 * r, 2 * c + 1) + at(2 * r + 1, 2 * c) + at(2 * r + 1, 2 * c + 1)) / 4));
    }
  }
  const min = Math.min(...down);
  const range = Math.fround(Math.max(...down) - min);
  const norm = down.map((v) => Math.fround(Math.fround(v - min) / range));
  const scale = half / Math.min(height, width);
  const padH = Math.floor((Math.trunc(height * scale) - half) / 2);
  const padW = Math.floor((Math.trunc(width * scale) - half) / 2);
  const h = half + 2 * padH;
  const w = half + 2 * padW;
  const cells: number[] = [];
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const inside = r - padH >= 0 && r - padH < half && c - padW >= 0 && c - padW < half;
      cells.push(inside ? norm[(r - padH) * half + (c - padW)]! : -1);
    }
  }
  const tPos = Math.fround(0.8);
  const tNeg = Math.fround(0.2);
  const indices = [...cells.keys()];
  const pos = indices.filter((i) => cells[i]! >= tPos).sort((a, b) => cells[b]! - cells[a]! || a - b);
  const neg = indices.filter((i) => cells[i]! >= 0 && cells[i]! <= tNeg).sort((a, b) => cells[a]! - cells[b]! || a - b);
  const neutral = indices.filter((i) => cells[i]! > tNeg && cells[i]! < tPos);
  const chosen = [...pos.map((i) => [i, 1]), ...neg.map((i) => [i, 0]), ...neutral.map((i) => [i, -1])].slice(0, maxPoints);
  const scaleW = Math.fround(width / w);
  const scaleH = Math.fround(height / h);
  return chosen.map(([i, label]) => ({
    x: Math.trunc(Math.min(Math.fround(((i! % w) + 0.5) * scaleW), width - 1)),
    y: Math.trunc(Math.min(Math.fround((Math.floor(i! / w) + 0.5) * scaleH), height - 1)),
    label: label!,
    score: cells[i!]!,
  }));
}

/** READ Discrete_to_Continuous over the whole image: softmax of the full map times exp(-d²). */
export function readContinuous(
  points: SaspReferencePoint[],
  sim: Float32Array,
  side: number,
  height: number,
  width: number,
): SaspReferencePoint[] {
  const map = readSimilarityMap(sim, side, side, height, width, 336);
  let z = 0;
  for (const v of map) z += Math.exp(v);
  return points.map((p) => {
    let total = 0;
    let sx = 0;
    let sy = 0;
    for (let gy = 0; gy < height; gy++) {
      for (let gx = 0; gx < width; gx++) {
        const weight = Math.exp(-((gx - p.x) ** 2 + (gy - p.y) ** 2)) * (Math.exp(map[gy * width + gx]!) / z);
        total += weight;
        sx += gx * weight;
        sy += gy * weight;
      }
    }
    return { ...p, x: sx / total, y: sy / total };
  });
}
