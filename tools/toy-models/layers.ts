// Graph pieces the toys share. Each toy reasons in plain 0-1 RGB, whatever normalization its manifest asks
// the app to apply, so that the app's real preprocessing path is exercised and the toy's answers stay simple.
import type { GraphBuilder, TensorRef } from '../onnx/index';
import type { InputSpec } from './manifest';

/** Undoes the manifest's normalization in-graph: (x * std + mean) / rangeMax gives 0-1 RGB again. */
export function unitRgbFromNormalized(g: GraphBuilder, x: TensorRef, input: InputSpec): TensorRef {
  const top = input.range[1];
  const scale = input.std.map((s) => s / top);
  const shift = input.mean.map((m) => m / top);
  if (scale.every((s) => s === 1) && shift.every((s) => s === 0)) return x;
  const scaled = g.op('Mul', [x, g.constFloat(scale, [1, 3, 1, 1])]);
  return g.op('Add', [scaled, g.constFloat(shift, [1, 3, 1, 1])]);
}

/**
 * A patchify Conv (kernel = stride = patch) whose output channel o is `rows[o] . meanColour + bias[o]`,
 * meanColour being the patch's mean 0-1 RGB: each of the patch^2 taps carries rows[o][k] / patch^2.
 */
export function patchLinear(
  g: GraphBuilder,
  x: TensorRef,
  rows: readonly (readonly number[])[],
  bias: readonly number[],
  patch: number,
  prefix: string,
): TensorRef {
  const taps = patch * patch;
  const weight = new Float32Array(rows.length * 3 * taps);
  rows.forEach((row, o) => {
    for (let k = 0; k < 3; k++) weight.fill((row[k] ?? 0) / taps, (o * 3 + k) * taps, (o * 3 + k + 1) * taps);
  });
  const w = g.initializer(`${prefix}.weight`, weight, [rows.length, 3, patch, patch]);
  const b = g.initializer(`${prefix}.bias`, Float32Array.from(bias), [rows.length]);
  return g.op('Conv', [x, w, b], { kernel_shape: [patch, patch], strides: [patch, patch] });
}

/**
 * `count` orthonormal vectors of length n (a power of two): rows 1..count of the Sylvester-Hadamard matrix
 * divided by sqrt(n). Lifting colours with them keeps every dot product and distance of the colours.
 */
export function hadamardRows(n: number, count: number): number[][] {
  if ((n & (n - 1)) !== 0 || count >= n) throw new Error(`hadamardRows: n=${n} must be a power of two above count=${count}`);
  const norm = 1 / Math.sqrt(n);
  const rows: number[][] = [];
  for (let r = 1; r <= count; r++) {
    // Sylvester construction: H[r][i] = (-1)^popcount(r & i).
    rows.push(Array.from({ length: n }, (_, i) => (popcount(r & i) % 2 === 0 ? norm : -norm)));
  }
  return rows;
}

function popcount(v: number): number {
  let c = 0;
  for (let x = v; x !== 0; x &= x - 1) c++;
  return c;
}

/** mulberry32: a small seeded PRNG, so "random" weights are the same on every machine. */
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

/** Normal(0, std) samples by Box-Muller from a seeded uniform source. */
export function normalSamples(count: number, std: number, random: () => number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const u = 1 - random();
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}
