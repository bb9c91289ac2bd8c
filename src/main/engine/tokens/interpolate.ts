/**
 * Bilinear resizing of float32 tensors, bit for bit what torch 1.13 computes on the CPU (the Debian
 * build installed here, AVX2 kernels) for `F.interpolate(x, size=(dh, dw), mode='bilinear',
 * align_corners=False)` without antialiasing on a contiguous float32 `[1, C, sh, sw]` tensor. ToCo and
 * READ resize every CAM and similarity map this way, never with an image codec's resampler, and the
 * `torch-bilinear` input resize is this (docs/design.md §4.1).
 *
 * torch works in float32 here, not float64 (aten/src/ATen/native/UpSample.h,
 * native/cpu/UpSampleKernel.cpp):
 * - taps (`torchTaps`): the scale is the float32 quotient `float(in) / out`; the source index
 *   `scale * (dst + 0.5) - 0.5`, clamped to 0 below, is computed in double (`acc_type<float>`);
 *   `lambda1 = float(src - index)`, `lambda0 = 1.0f - lambda1`; an axis whose size does not change
 *   takes `(i, i)` with weights `(1, 0)`.
 * - the weighted sum depends on the kernel torch picks. A tensor that is also channels-last
 *   contiguous (one channel, or a 1x1 plane) goes to `cpu_upsample_linear_channels_last`:
 *   `w00 = float(h0 * w0)` etc., then `((x00*w00 + x01*w01) + x10*w10) + x11*w11` summed in double and
 *   rounded once, except the channels of a 1x1 plane below `C - C % 8` (AVX2 vectors of 8 floats):
 *   `fma(x00, w00, fma(x01, w01, fma(x11, w11, x10*w10)))` in float32. Every other tensor goes to the
 *   generic kernel: `t = fma(x00, w0, x01*w1)` along the row, then `fma(t0, h0, t1*h1)`, every product
 *   and fma rounded to float32 (the build contracts `a*b + c*d` to `fma(a, b, c*d)`).
 * Checked against torch on 500 random cases (7.2M values, every kernel, sizes 1-100, values from
 * 1e-8 to 1e8): no bit differs.
 * test/unit/engine/tokens/interpolateTorch.test.ts checks the golden vectors of
 * test/fixtures/interpolate/make_fixtures.py.
 */
import { assertInteger, assertTensor } from '../../../shared/pure/shape';
import { resizeAboveWasm, resizePlanesWasm, type KernelTaps } from './wasm/kernels';

/** For each output index along one axis: the two source indices and the weight of the upper one. */
export interface AxisTaps {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  /** Weight of `hi`; `lo` gets `1 - wHi`. */
  readonly wHi: Float64Array;
}

/**
 * The taps of one axis in float64: torch's formulas (UpSample.h `area_pixel_compute_scale` with the
 * scale in/out, `area_pixel_compute_source_index`: src = scale * (dst + 0.5) - 0.5 clamped to 0
 * below, the index clamped to in - 1, the upper neighbour clamped at the edge) without its float32
 * rounding of the scale and the weights. For fullResolution.ts's float64 window sampler, which stays
 * float64 (its tests compare READ's steps written out in float64); the resizes here use `torchTaps`.
 */
export function bilinearTaps(inSize: number, outSize: number): AxisTaps {
  assertInteger('input size', inSize, 1);
  assertInteger('output size', outSize, 1);
  const scale = inSize / outSize;
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const wHi = new Float64Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const src = Math.max(scale * (i + 0.5) - 0.5, 0);
    const index = Math.min(Math.floor(src), inSize - 1);
    lo[i] = index;
    hi[i] = index < inSize - 1 ? index + 1 : index;
    wHi[i] = Math.min(Math.max(src - index, 0), 1);
  }
  return { lo, hi, wHi };
}

/** torch's taps of one axis: source indices and float32 weights. */
interface TorchTaps {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  /** `lambda0`, the weight of `lo`. */
  readonly wLo: Float32Array;
  /** `lambda1`, the weight of `hi`. */
  readonly wHi: Float32Array;
}

/**
 * The taps of one axis exactly as torch computes them (module comment): float32 scale
 * (`area_pixel_compute_scale`), double source index clamped to 0 (`area_pixel_compute_source_index`),
 * upper neighbour clamped at the edge, float32 lambdas (`compute_source_index_and_lambda`).
 */
function torchTaps(inSize: number, outSize: number): TorchTaps {
  assertInteger('input size', inSize, 1);
  assertInteger('output size', outSize, 1);
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const wLo = new Float32Array(outSize);
  const wHi = new Float32Array(outSize);
  if (inSize === outSize) {
    for (let i = 0; i < outSize; i++) {
      lo[i] = hi[i] = i;
      wLo[i] = 1;
    }
    return { lo, hi, wLo, wHi };
  }
  // float32 / float32 (sizes below 2^24 are exact floats): the double quotient rounded to float32 is
  // the correctly rounded float32 quotient.
  const scale = Math.fround(inSize / outSize);
  for (let i = 0; i < outSize; i++) {
    const src = Math.max(scale * (i + 0.5) - 0.5, 0);
    const index = Math.min(Math.trunc(src), inSize - 1);
    lo[i] = index;
    hi[i] = index < inSize - 1 ? index + 1 : index;
    const w1 = Math.fround(src - index);
    wHi[i] = w1;
    wLo[i] = Math.fround(1 - w1);
  }
  return { lo, hi, wLo, wHi };
}

/** 2^28 + 1: Veltkamp's constant that rounds a double to 25 significant bits. */
const SPLIT_25 = 268435457;

/**
 * `fma(a, b, c)` of float32 values rounded once to float32, as the hardware fma torch's kernel uses.
 * `a * b` is exact in a double (24 x 24 bits); `a * b + c` rounded to a double and then to float32 is
 * the correctly rounded result unless that double lands exactly halfway between two float32 values
 * (a double rounding). Such a double has at most 25 significant bits, which one Veltkamp split tells;
 * only those few go to `fma32Halfway`. Exported for its test.
 */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const t = s * SPLIT_25;
  if (t - (t - s) !== s) return Math.fround(s);
  return fma32Halfway(p, c, s);
}

/** `fma32` where `s = p + c` (a double) has at most 25 significant bits. */
function fma32Halfway(p: number, c: number, s: number): number {
  const r = Math.fround(s);
  if (r === s) return r;
  // s halfway between r and `other` (both float32) unless `other` is no float32.
  const other = 2 * s - r;
  if (Math.fround(other) !== other) return r;
  // The rounding error of s (TwoSum) says on which side of the halfway point p + c really lies.
  const pv = s - c;
  const error = p - pv + (c - (s - pv));
  if (error === 0) return r;
  return error > 0 === other > r ? other : r;
}

/** Writes output row `y` of one plane (`dw` float32 values) at `outOffset`. */
type RowWriter = (y: number, out: Float32Array, outOffset: number) => void;

/** The resize plan of one `[sh, sw] -> [dh, dw]` size change, shared by every plane. */
interface Plan {
  readonly sh: number;
  readonly sw: number;
  readonly dh: number;
  readonly dw: number;
  readonly rows: TorchTaps;
  readonly cols: TorchTaps;
}

function plan(sh: number, sw: number, dh: number, dw: number): Plan {
  return { sh, sw, dh, dw, rows: torchTaps(sh, dh), cols: torchTaps(sw, dw) };
}

/** torch's taps of both axes of a `[sh, sw] -> [dh, dw]` resize, for the WebAssembly kernels (wasm/kernels.ts). */
export function resizeTaps(sh: number, sw: number, dh: number, dw: number): { rows: KernelTaps; cols: KernelTaps } {
  return { rows: torchTaps(sh, dh), cols: torchTaps(sw, dw) };
}

/**
 * torch's generic kernel on one plane: each source row resampled along x (`fma(x0, w0, x1*w1)`,
 * float32), then `fma(top, h0, bottom*h1)`. Keeps the last two resampled source rows, which
 * consecutive output rows share; `bind` points it at a plane without allocating.
 */
function genericRows(p: Plan): { bind(src: Float32Array, offset: number): void; write: RowWriter } {
  const { sw, dw, rows, cols } = p;
  const cache = [new Float32Array(dw), new Float32Array(dw)] as const;
  const cachedY = [-1, -1];
  let src: Float32Array = new Float32Array(0);
  let offset = 0;
  const horizontal = (y: number, keep: number): Float32Array => {
    if (cachedY[0] === y) return cache[0];
    if (cachedY[1] === y) return cache[1];
    const slot = cachedY[0] === keep ? 1 : 0;
    horizontalRow(src, offset + y * sw, cols, cache[slot], dw);
    cachedY[slot] = y;
    return cache[slot];
  };
  return {
    bind(plane, at) {
      src = plane;
      offset = at;
      cachedY[0] = cachedY[1] = -1;
    },
    write(y, out, outOffset) {
      const lo = rows.lo[y]!;
      const hi = rows.hi[y]!;
      verticalRow(horizontal(lo, hi), horizontal(hi, lo), rows.wLo[y]!, rows.wHi[y]!, out, outOffset, dw);
    },
  };
}

/** The generic kernel's pass along x of the source row at `start` (plain functions: V8 runs them faster than closures). */
function horizontalRow(src: Float32Array, start: number, cols: TorchTaps, row: Float32Array, dw: number): void {
  const { lo, hi, wLo, wHi } = cols;
  for (let x = 0; x < dw; x++) row[x] = fma32(src[start + lo[x]!]!, wLo[x]!, Math.fround(src[start + hi[x]!]! * wHi[x]!));
}

/** The generic kernel's pass along y: `fma(top, h0, bottom*h1)` into `out` at `outOffset`. */
function verticalRow(
  top: Float32Array,
  bottom: Float32Array,
  h0: number,
  h1: number,
  out: Float32Array,
  outOffset: number,
  dw: number,
): void {
  for (let x = 0; x < dw; x++) out[outOffset + x] = fma32(top[x]!, h0, Math.fround(bottom[x]! * h1));
}

/**
 * torch's channels-last kernel on the plane of `src` at `offset`: float32 weight products, the four
 * terms summed in double and rounded once (stored in a Float32Array).
 */
function channelsLastRows(p: Plan, src: Float32Array, offset: number): RowWriter {
  const { sw, dw, rows, cols } = p;
  return (y, out, outOffset) => {
    const top = offset + rows.lo[y]! * sw;
    const bottom = offset + rows.hi[y]! * sw;
    channelsLastRow(src, top, bottom, rows.wLo[y]!, rows.wHi[y]!, cols, out, outOffset, dw);
  };
}

function channelsLastRow(
  src: Float32Array,
  top: number,
  bottom: number,
  h0: number,
  h1: number,
  cols: TorchTaps,
  out: Float32Array,
  outOffset: number,
  dw: number,
): void {
  const { lo, hi, wLo, wHi } = cols;
  for (let x = 0; x < dw; x++) {
    const w0 = wLo[x]!;
    const w1 = wHi[x]!;
    const c0 = lo[x]!;
    const c1 = hi[x]!;
    out[outOffset + x] =
      src[top + c0]! * Math.fround(h0 * w0) +
      src[top + c1]! * Math.fround(h0 * w1) +
      src[bottom + c0]! * Math.fround(h1 * w0) +
      src[bottom + c1]! * Math.fround(h1 * w1);
  }
}

/** The vectorized lanes of torch's channels-last kernel on a 1x1 plane of value `v`: float32 fmas. */
function vectorLaneRows(p: Plan, v: number): RowWriter {
  const { dw, rows, cols } = p;
  return (y, out, outOffset) => {
    const h0 = rows.wLo[y]!;
    const h1 = rows.wHi[y]!;
    for (let x = 0; x < dw; x++) {
      const w0 = cols.wLo[x]!;
      const w1 = cols.wHi[x]!;
      const inner = fma32(v, Math.fround(h1 * w1), Math.fround(v * Math.fround(h1 * w0)));
      out[outOffset + x] = fma32(v, Math.fround(h0 * w0), fma32(v, Math.fround(h0 * w1), inner));
    }
  };
}

/** Width of torch's `Vectorized<float>` in its AVX2 kernels. */
const VECTOR_LANES = 8;

/**
 * Row writers for every plane of a `[channels, sh, sw]` tensor, each with the kernel torch uses for
 * that channel of a `[1, channels, sh, sw]` tensor (module comment).
 */
function planeWriters(src: Float32Array, channels: number, p: Plan): RowWriter[] {
  const size = p.sh * p.sw;
  // torch takes its channels-last kernel when the NCHW tensor is also channels-last contiguous.
  const channelsLast = channels === 1 || size === 1;
  const vectorized = size === 1 ? channels - (channels % VECTOR_LANES) : 0;
  return Array.from({ length: channels }, (_, c) => {
    if (c < vectorized) return vectorLaneRows(p, src[c]!);
    if (channelsLast) return channelsLastRows(p, src, c * size);
    const rows = genericRows(p);
    rows.bind(src, c * size);
    return rows.write;
  });
}

/**
 * Resizes a `[channels, sh, sw]` tensor to `[channels, dh, dw]`: torch's `F.interpolate` on the
 * `[1, channels, sh, sw]` float32 tensor, bit for bit (module comment). torch's kernel, and so the
 * last bit of a value, depends on `channels`: one channel of a larger map resized alone can differ by
 * 1 ulp from the same channel resized with the others (`planeResizer` resizes a plane as one of
 * many). The same size returns a copy (torch computes the same values, except that it turns
 * ±Infinity into NaN there).
 */
export function bilinearResize(src: Float32Array, channels: number, sh: number, sw: number, dh: number, dw: number): Float32Array {
  assertTensor('bilinearResize input', src, [channels, sh, sw]);
  if (sh === dh && sw === dw) return src.slice();
  const p = plan(sh, sw, dh, dw);
  const out = new Float32Array(channels * dh * dw);
  // Every plane takes the generic kernel unless the tensor is also channels-last contiguous.
  const generic = channels > 1 && sh * sw > 1;
  if (generic && resizePlanesWasm(src, 0, channels, sh, sw, p.rows, p.cols, out, 0)) return out;
  const writers = planeWriters(src, channels, p);
  writers.forEach((write, c) => {
    const base = c * dh * dw;
    for (let y = 0; y < dh; y++) write(y, out, base + y * dw);
  });
  return out;
}

/**
 * A reusable resizer of one `[sh, sw]` plane stored at `srcOffset` into `[dh, dw]` at `outOffset`,
 * for callers that resize many planes into one buffer without allocating per plane. The plane is
 * resized as one channel of a multi-channel map (ToCo's `[2, classes, h, w]` CAMs): the values
 * `bilinearResize` gives for 2 to 7 channels, whatever the plane's neighbours, so a selection of
 * channels resizes to exactly those channels of the whole map.
 */
export function planeResizer(
  sh: number,
  sw: number,
  dh: number,
  dw: number,
): (src: Float32Array, srcOffset: number, out: Float32Array, outOffset: number) => void {
  const p = plan(sh, sw, dh, dw);
  const rows = genericRows(p);
  return (src, srcOffset, out, outOffset) => {
    let write = rows.write;
    if (sh * sw === 1) write = channelsLastRows(p, src, srcOffset);
    else rows.bind(src, srcOffset);
    for (let y = 0; y < dh; y++) write(y, out, outOffset + y * dw);
  };
}

/**
 * `bilinearResize` of one `[sh, sw]` plane, then `value > threshold` on each resized float32 value:
 * the same mask as thresholding `bilinearResize(src, 1, sh, sw, dh, dw)`, without building the
 * resized plane (one output row at a time).
 */
export function bilinearResizeAbove(src: Float32Array, sh: number, sw: number, dh: number, dw: number, threshold: number): Uint8Array {
  assertTensor('bilinearResizeAbove input', src, [1, sh, sw]);
  const mask = new Uint8Array(dh * dw);
  if (sh === dh && sw === dw) {
    for (let i = 0; i < mask.length; i++) mask[i] = src[i]! > threshold ? 1 : 0;
    return mask;
  }
  const p = plan(sh, sw, dh, dw);
  // The WebAssembly kernels give the same mask (wasm/kernels.ts).
  const fast = resizeAboveWasm(src, sh, sw, p.rows, p.cols, threshold);
  if (fast !== null) return fast;
  const [write] = planeWriters(src, 1, p) as [RowWriter];
  const row = new Float32Array(dw);
  for (let y = 0; y < dh; y++) {
    write(y, row, 0);
    const base = y * dw;
    for (let x = 0; x < dw; x++) mask[base + x] = row[x]! > threshold ? 1 : 0;
  }
  return mask;
}

/**
 * `bilinearResize` of a `[channels, sh, sw]` tensor, then the per-pixel argmax over channels (the
 * first channel wins ties, as torch.argmax): the same labels, without building the resized tensor.
 */
export function bilinearResizeArgmax(src: Float32Array, channels: number, sh: number, sw: number, dh: number, dw: number): Uint8Array {
  assertTensor('bilinearResizeArgmax input', src, [channels, sh, sw]);
  if (channels > 256) throw new Error(`bilinearResizeArgmax: ${channels} channels do not fit a byte label`);
  const labels = new Uint8Array(dh * dw);
  if (sh === dh && sw === dw) {
    const size = sh * sw;
    for (let i = 0; i < size; i++) {
      let best = 0;
      for (let c = 1; c < channels; c++) if (src[c * size + i]! > src[best * size + i]!) best = c;
      labels[i] = best;
    }
    return labels;
  }
  const writers = planeWriters(src, channels, plan(sh, sw, dh, dw));
  const best = new Float32Array(dw);
  const row = new Float32Array(dw);
  for (let y = 0; y < dh; y++) {
    const base = y * dw;
    writers[0]!(y, best, 0);
    for (let c = 1; c < channels; c++) {
      writers[c]!(y, row, 0);
      for (let x = 0; x < dw; x++) {
        if (row[x]! > best[x]!) {
          best[x] = row[x]!;
          labels[base + x] = c;
        }
      }
    }
  }
  return labels;
}
