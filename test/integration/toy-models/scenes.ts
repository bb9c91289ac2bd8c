// Synthetic scenes and plain-loop reference computations for the toy-model tests. Nothing here imports the
// generators: expected values come from the documented formulas, recomputed independently.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { toyFiles, type ToyModel } from '../../../tools/toy-models/index';

export type Rgb = readonly [number, number, number];

/** A planar float image: data is [3, height, width] in 0-1 RGB. */
export interface Scene {
  width: number;
  height: number;
  data: Float32Array;
}

export function paint(width: number, height: number, colourAt: (x: number, y: number) => Rgb): Scene {
  const data = new Float32Array(3 * width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = colourAt(x, y);
      for (let k = 0; k < 3; k++) data[k * width * height + y * width + x] = c[k] ?? NaN;
    }
  }
  return { width, height, data };
}

export function pixel(scene: Scene, x: number, y: number): Rgb {
  const plane = scene.width * scene.height;
  const i = y * scene.width + x;
  return [scene.data[i] ?? NaN, scene.data[plane + i] ?? NaN, scene.data[2 * plane + i] ?? NaN];
}

/** Mean colour of the block of size `block` at grid cell (col, row). */
export function blockMean(scene: Scene, col: number, row: number, block: number): Rgb {
  const sum = [0, 0, 0];
  for (let y = row * block; y < (row + 1) * block; y++) {
    for (let x = col * block; x < (col + 1) * block; x++) pixel(scene, x, y).forEach((v, k) => (sum[k] = (sum[k] ?? 0) + v));
  }
  const n = block * block;
  return [(sum[0] ?? 0) / n, (sum[1] ?? 0) / n, (sum[2] ?? 0) / n];
}

/** The input tensor the app would feed: ((pixel * rangeMax) - mean) / std per channel, as a manifest says. */
export function normalized(scene: Scene, input: { mean: readonly number[]; std: readonly number[]; range: readonly number[] }): ort.Tensor {
  const plane = scene.width * scene.height;
  const top = input.range[1] ?? 1;
  const out = new Float32Array(scene.data.length);
  for (let k = 0; k < 3; k++) {
    const mean = input.mean[k] ?? 0;
    const std = input.std[k] ?? 1;
    for (let i = 0; i < plane; i++) out[k * plane + i] = ((scene.data[k * plane + i] ?? 0) * top - mean) / std;
  }
  return new ort.Tensor('float32', out, [1, 3, scene.height, scene.width]);
}

const tempDirs: string[] = [];

/** A fresh temp dir that removeTempDirs() deletes. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-toy-'));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Writes a toy's files into a fresh temp dir and opens its main graph (and companions) from disk. */
export async function openToy(
  toy: ToyModel,
): Promise<{ dir: string; session: ort.InferenceSession; open: (role: string) => Promise<ort.InferenceSession> }> {
  const dir = tempDir();
  for (const [name, bytes] of Object.entries(toyFiles(toy))) writeFileSync(join(dir, name), bytes);
  const open = (role: string): Promise<ort.InferenceSession> => {
    const file = toy.manifest.files[role];
    if (file === undefined) throw new Error(`${toy.manifest.name}: no file for role ${role}`);
    return ort.InferenceSession.create(join(dir, file));
  };
  return { dir, session: await open('model'), open };
}

export function values(t: ort.Tensor | undefined): Float32Array {
  if (t === undefined) throw new Error('missing output');
  return t.data as Float32Array;
}

export function dist2(a: readonly number[], b: readonly number[]): number {
  return a.reduce((s, v, i) => s + (v - (b[i] ?? 0)) ** 2, 0);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0);
  return s;
}

/**
 * Bilinear resize of one [h, w] plane as torch's F.interpolate(mode='bilinear', align_corners=False) does:
 * source = (dst + 0.5) * in/out - 0.5, clamped at 0 and at the last row/column.
 */
export function bilinear(src: ArrayLike<number>, h: number, w: number, outH: number, outW: number): Float64Array {
  const out = new Float64Array(outH * outW);
  const axis = (o: number, n: number, m: number): [number, number, number] => {
    const s = Math.max((o + 0.5) * (n / m) - 0.5, 0);
    const lo = Math.min(Math.floor(s), n - 1);
    return [lo, Math.min(lo + 1, n - 1), s - lo];
  };
  for (let y = 0; y < outH; y++) {
    const [y0, y1, fy] = axis(y, h, outH);
    for (let x = 0; x < outW; x++) {
      const [x0, x1, fx] = axis(x, w, outW);
      const at = (r: number, c: number): number => src[r * w + c] ?? NaN;
      const top = at(y0, x0) * (1 - fx) + at(y0, x1) * fx;
      const bottom = at(y1, x0) * (1 - fx) + at(y1, x1) * fx;
      out[y * outW + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/** Crops the top-left [h, w] of a [srcH, srcW] plane. */
export function crop(src: ArrayLike<number>, srcW: number, h: number, w: number): Float64Array {
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = src[y * srcW + x] ?? NaN;
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] ?? NaN) - (b[i] ?? NaN)));
  return Number.isNaN(worst) ? Infinity : worst;
}
