/**
 * The WebAssembly SIMD kernels of bilinear.wat, behind plain functions over Float32Arrays. Each thread
 * that uses them (the engine, a pool worker) instantiates the module once and keeps one growing
 * memory; a call copies its inputs in, runs, and copies its result out. Results are the JavaScript
 * kernels' bits (interpolate.ts, cam.ts): wasmKernels.test.ts compares the two on random and
 * adversarial inputs.
 *
 * `TESSERA_WASM=0` turns them off (the JavaScript kernels run instead); so does a runtime without
 * WebAssembly SIMD.
 */
import { BILINEAR_WASM } from './bilinearWasm';
import { Arena, WasmKernels, type WasmMemory } from '../../wasm/module';

interface Exports {
  memory: WasmMemory;
  hrows(
    src: number,
    sw: number,
    rows: number,
    n: number,
    lo: number,
    hi: number,
    w0: number,
    w1: number,
    dw: number,
    out: number,
    rev: number,
  ): void;
  vrows(h: number, lo: number, hi: number, w0: number, w1: number, dh: number, dw: number, out: number): void;
  vpair(hd: number, hm: number, lo: number, hi: number, w0: number, w1: number, dh: number, dw: number, out: number, first: number): void;
  vone(hd: number, lo: number, hi: number, w0: number, w1: number, dh: number, dw: number, out: number, first: number): void;
  normalize(p: number, n: number): void;
  gather2(src: number, sw: number, rows: number, n: number, lo: number, hi: number, dw: number, g0: number, g1: number): void;
  cl1above(
    g0: number,
    g1: number,
    lo: number,
    hi: number,
    h0: number,
    h1: number,
    w0: number,
    w1: number,
    dh: number,
    dw: number,
    thr: number,
    out: number,
  ): void;
}

/** torch's taps of one axis (interpolate.ts torchTaps). */
export interface KernelTaps {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly wLo: Float32Array;
  readonly wHi: Float32Array;
}

const wasm = new WasmKernels<Exports>(BILINEAR_WASM);

/** Whether the WebAssembly kernels are in use (for benchmarks and tests). */
export function wasmKernelsOn(): boolean {
  return wasm.get() !== null;
}

/** Turns the WebAssembly kernels off or back on in this thread (benchmarks and tests compare the two). */
export function setWasmKernels(on: boolean): void {
  wasm.set(on);
}

interface Views {
  f32: Float32Array;
  i32: Int32Array;
}

function views(k: Exports): Views {
  return { f32: new Float32Array(k.memory.buffer), i32: new Int32Array(k.memory.buffer) };
}

/** Blocks for one axis's taps, filled. */
function putTaps(v: Views, at: { lo: number; hi: number; w0: number; w1: number }, t: KernelTaps): void {
  v.i32.set(t.lo, at.lo >> 2);
  v.i32.set(t.hi, at.hi >> 2);
  v.f32.set(t.wLo, at.w0 >> 2);
  v.f32.set(t.wHi, at.w1 >> 2);
}

function takeTaps(a: Arena, n: number): { lo: number; hi: number; w0: number; w1: number } {
  return { lo: a.take(4 * n), hi: a.take(4 * n), w0: a.take(4 * n), w1: a.take(4 * n) };
}

/** The source rows the vertical pass reads (every row some output row takes), ascending. */
function rowsRead(rows: KernelTaps): Int32Array {
  const seen = new Set<number>();
  for (let i = 0; i < rows.lo.length; i++) {
    seen.add(rows.lo[i]!);
    seen.add(rows.hi[i]!);
  }
  return Int32Array.from([...seen].sort((a, b) => a - b));
}

/**
 * torch's generic bilinear kernel (interpolate.ts genericRows) on `planes` consecutive `[sh, sw]`
 * planes of `src` from `srcOffset`, into `[dh, dw]` planes of `out` from `outOffset`. False when the
 * WebAssembly kernels are off (nothing written).
 */
export function resizePlanesWasm(
  src: Float32Array,
  srcOffset: number,
  planes: number,
  sh: number,
  sw: number,
  rows: KernelTaps,
  cols: KernelTaps,
  out: Float32Array,
  outOffset: number,
): boolean {
  const k = wasm.get();
  if (k === null) return false;
  const dh = rows.lo.length;
  const dw = cols.lo.length;
  const read = rowsRead(rows);
  const a = new Arena(k.memory);
  const colAt = takeTaps(a, dw);
  const rowAt = takeTaps(a, dh);
  const listAt = a.take(4 * read.length);
  const plane = a.take(4 * sh * sw);
  const hbuf = a.take(4 * sh * dw);
  const result = a.take(4 * dh * dw);
  a.commit();
  const v = views(k);
  putTaps(v, colAt, cols);
  putTaps(v, rowAt, rows);
  v.i32.set(read, listAt >> 2);
  for (let p = 0; p < planes; p++) {
    v.f32.set(src.subarray(srcOffset + p * sh * sw, srcOffset + (p + 1) * sh * sw), plane >> 2);
    k.hrows(plane, sw, listAt, read.length, colAt.lo, colAt.hi, colAt.w0, colAt.w1, dw, hbuf, 0);
    k.vrows(hbuf, rowAt.lo, rowAt.hi, rowAt.w0, rowAt.w1, dh, dw, result);
    out.set(v.f32.subarray(result >> 2, (result >> 2) + dh * dw), outOffset + p * dh * dw);
  }
  return true;
}

/** Output rows resized and thresholded per pass of resizeAboveWasm. */
const ABOVE_BAND = 64;

/** The largest float32 at or below `x` (x finite): a float32 v is > x exactly when v > this. */
function float32AtOrBelow(x: number): number {
  const f = Math.fround(x);
  if (f <= x) return f;
  // One float32 step down: f is above x, so f > 0 or f is a negative value nearer zero.
  const bits = new Float32Array([f]);
  const i = new Int32Array(bits.buffer);
  if (f === 0) return -1.401298464324817e-45;
  i[0] = f > 0 ? i[0]! - 1 : i[0]! + 1;
  return bits[0]!;
}

/**
 * interpolate.ts bilinearResizeAbove of a `[sh, sw]` plane (torch's channels-last kernel, then
 * value > threshold): the mask, or null when the kernels are off.
 */
export function resizeAboveWasm(
  src: Float32Array,
  sh: number,
  sw: number,
  rows: KernelTaps,
  cols: KernelTaps,
  threshold: number,
): Uint8Array | null {
  const k = wasm.get();
  if (k === null || !Number.isFinite(threshold)) return null;
  const dh = rows.lo.length;
  const dw = cols.lo.length;
  // Bands of output rows, each with the source rows it reads gathered: the module's memory (which
  // never shrinks) holds the map and a band, not every source row at the output width.
  const bands: Array<{ y0: number; y1: number; first: number; count: number }> = [];
  let most = 0;
  for (let y0 = 0; y0 < dh; y0 += ABOVE_BAND) {
    const y1 = Math.min(dh, y0 + ABOVE_BAND);
    // torch's row taps never go back: the band reads rows lo[y0] .. hi[y1 - 1].
    const first = rows.lo[y0]!;
    const count = rows.hi[y1 - 1]! - first + 1;
    bands.push({ y0, y1, first, count });
    most = Math.max(most, count);
  }
  const a = new Arena(k.memory);
  const colAt = takeTaps(a, dw);
  const rowAt = takeTaps(a, dh);
  const listAt = a.take(4 * sh);
  const plane = a.take(4 * sh * sw);
  const g0 = a.take(4 * most * dw);
  const g1 = a.take(4 * most * dw);
  const band = a.take(ABOVE_BAND * dw);
  a.commit();
  const v = views(k);
  putTaps(v, colAt, cols);
  putTaps(v, rowAt, rows);
  for (let y = 0; y < sh; y++) v.i32[(listAt >> 2) + y] = y;
  v.f32.set(src.subarray(0, sh * sw), plane >> 2);
  const thr = float32AtOrBelow(threshold);
  const mask = new Uint8Array(dh * dw);
  const u8 = new Uint8Array(k.memory.buffer);
  for (const b of bands) {
    // Row r of the band's gathered rows sits at g + (r - first) * dw * 4: the kernels add r * dw * 4 to
    // a base moved back by first rows (int32 arithmetic, as the module's addresses wrap).
    const shift = b.first * dw * 4;
    k.gather2(plane, sw, listAt + 4 * b.first, b.count, colAt.lo, colAt.hi, dw, g0 - shift, g1 - shift);
    const n = b.y1 - b.y0;
    const at = 4 * b.y0;
    k.cl1above(g0 - shift, g1 - shift, rowAt.lo + at, rowAt.hi + at, rowAt.w0 + at, rowAt.w1 + at, colAt.w0, colAt.w1, n, dw, thr, band);
    mask.set(u8.subarray(band, band + n * dw), b.y0 * dw);
  }
  return mask;
}

/** One scale of ToCo's fusion for the kernels: the CAM and the flipped CAM (null without a flip), `[channels, h, w]`, with their taps. */
export interface FusionScale {
  cam: Float32Array;
  flipped: Float32Array | null;
  h: number;
  w: number;
  rows: KernelTaps;
  cols: KernelTaps;
}

/** The blocks of one fusion in the module's memory: taken before `Arena.commit`, filled after it. */
interface FusionBlocks {
  /** The `[outH, outW]` plane a class is fused into. */
  fused: number;
  /** Writes the taps (once, after the commit). */
  fill(v: Views): void;
  /** Fuses class `c` over every scale into `fused`. */
  fuseClass(v: Views, c: number): void;
}

function takeFusion(k: Exports, a: Arena, scales: readonly FusionScale[], outH: number, outW: number): FusionBlocks {
  const perScale = scales.map((s) => ({
    s,
    cols: takeTaps(a, outW),
    rows: takeTaps(a, outH),
    all: a.take(4 * s.h),
    camPlane: a.take(4 * s.h * s.w),
    flippedPlane: s.flipped === null ? -1 : a.take(4 * s.h * s.w),
    hd: a.take(4 * s.h * outW),
    hm: s.flipped === null ? -1 : a.take(4 * s.h * outW),
  }));
  const fused = a.take(4 * outH * outW);
  return {
    fused,
    fill(v) {
      for (const p of perScale) {
        putTaps(v, p.cols, p.s.cols);
        putTaps(v, p.rows, p.s.rows);
        for (let y = 0; y < p.s.h; y++) v.i32[(p.all >> 2) + y] = y;
      }
    },
    fuseClass(v, c) {
      perScale.forEach((p, i) => {
        const { s } = p;
        const n = s.h * s.w;
        v.f32.set(s.cam.subarray(c * n, (c + 1) * n), p.camPlane >> 2);
        // Every source row: an upscale reads them all, and ToCo's scales upscale.
        k.hrows(p.camPlane, s.w, p.all, s.h, p.cols.lo, p.cols.hi, p.cols.w0, p.cols.w1, outW, p.hd, 0);
        // The first scale starts the sum (no zeroing pass).
        const first = i === 0 ? 1 : 0;
        if (s.flipped === null) {
          k.vone(p.hd, p.rows.lo, p.rows.hi, p.rows.w0, p.rows.w1, outH, outW, fused, first);
          return;
        }
        v.f32.set(s.flipped.subarray(c * n, (c + 1) * n), p.flippedPlane >> 2);
        k.hrows(p.flippedPlane, s.w, p.all, s.h, p.cols.lo, p.cols.hi, p.cols.w0, p.cols.w1, outW, p.hm, 1);
        k.vpair(p.hd, p.hm, p.rows.lo, p.rows.hi, p.rows.w0, p.rows.w1, outH, outW, fused, first);
      });
    },
  };
}

/**
 * tokens/cam.ts fuseCamScales (and, with `normalize`, normalizeCamPerClass after it) into `out`
 * `[channels, outH, outW]`: per class, the scales in order accumulate ReLU(max(cam, flipped back))
 * in float32 (ReLU(cam) at a scale without a flip). False when the WebAssembly kernels are off (nothing written).
 */
export function fuseCamWasm(
  scales: readonly FusionScale[],
  channels: number,
  outH: number,
  outW: number,
  normalize: boolean,
  out: Float32Array,
): boolean {
  const k = wasm.get();
  if (k === null) return false;
  const a = new Arena(k.memory);
  const fusion = takeFusion(k, a, scales, outH, outW);
  a.commit();
  const v = views(k);
  fusion.fill(v);
  const size = outH * outW;
  const at = fusion.fused >> 2;
  for (let c = 0; c < channels; c++) {
    fusion.fuseClass(v, c);
    if (normalize) k.normalize(fusion.fused, size);
    out.set(v.f32.subarray(at, at + size), c * size);
  }
  return true;
}

/** tokens/cam.ts normalizeCamPerClass of each `[size]` plane of `cam` into `out`. False when the kernels are off. */
export function normalizePlanesWasm(cam: Float32Array, channels: number, size: number, out: Float32Array): boolean {
  const k = wasm.get();
  if (k === null) return false;
  const a = new Arena(k.memory);
  const plane = a.take(4 * size);
  a.commit();
  const v = views(k);
  for (let c = 0; c < channels; c++) {
    v.f32.set(cam.subarray(c * size, (c + 1) * size), plane >> 2);
    k.normalize(plane, size);
    out.set(v.f32.subarray(plane >> 2, (plane >> 2) + size), c * size);
  }
  return true;
}

/** The per-class planes ToCo's fusion leaves for a `cam` run (camPostprocess.ts): the display map of every class, the working-size CAM of some. */
export interface FusedForRun {
  /** `[channels, dh, dw]`: each class's fused, normalized CAM resized to the display size (generic kernel). */
  display: Float32Array;
  /** `[kept, outH, outW]`: the fused, normalized CAM of each class `keep` marks, in class order. */
  kept: Float32Array;
}

/**
 * fuseCamScalesNormalized, then bilinearResize of the result to the display size, keeping the
 * working-size planes of the classes `keep` marks only: each class is fused, normalized and resized
 * while it sits in the module's memory, so the 448x448 planes of the other classes never leave it.
 * Null when the kernels are off. The display resize takes torch's generic kernel, as
 * bilinearResize does for a map of more than one channel and more than one pixel: callers check that.
 */
export function fuseCamForRunWasm(
  scales: readonly FusionScale[],
  channels: number,
  outH: number,
  outW: number,
  display: { rows: KernelTaps; cols: KernelTaps },
  keep: readonly boolean[],
): FusedForRun | null {
  const k = wasm.get();
  if (k === null) return null;
  const dh = display.rows.lo.length;
  const dw = display.cols.lo.length;
  const read = rowsRead(display.rows);
  const a = new Arena(k.memory);
  const fusion = takeFusion(k, a, scales, outH, outW);
  const dCols = takeTaps(a, dw);
  const dRows = takeTaps(a, dh);
  const dList = a.take(4 * read.length);
  const dBuf = a.take(4 * outH * dw);
  const dOut = a.take(4 * dh * dw);
  a.commit();
  const v = views(k);
  fusion.fill(v);
  putTaps(v, dCols, display.cols);
  putTaps(v, dRows, display.rows);
  v.i32.set(read, dList >> 2);
  const size = outH * outW;
  const at = fusion.fused >> 2;
  const out: FusedForRun = {
    display: new Float32Array(channels * dh * dw),
    kept: new Float32Array(keep.filter(Boolean).length * size),
  };
  let kept = 0;
  for (let c = 0; c < channels; c++) {
    fusion.fuseClass(v, c);
    k.normalize(fusion.fused, size);
    k.hrows(fusion.fused, outW, dList, read.length, dCols.lo, dCols.hi, dCols.w0, dCols.w1, dw, dBuf, 0);
    k.vrows(dBuf, dRows.lo, dRows.hi, dRows.w0, dRows.w1, dh, dw, dOut);
    out.display.set(v.f32.subarray(dOut >> 2, (dOut >> 2) + dh * dw), c * dh * dw);
    if (keep[c] === true) out.kept.set(v.f32.subarray(at, at + size), kept++ * size);
  }
  return out;
}
