/**
 * OpenCV's `cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)` on 8-bit images, bit for bit
 * (OpenCV 4.6 as Debian ships it: no IPP, no custom HAL; the CPU path, which is what numpy arrays
 * take). Written from its documented semantics, not from its code:
 *
 * - Same size: a copy. Exactly half the size on both axes: the 2x2 box average `(a+b+c+d+2) >> 2`
 *   (OpenCV switches INTER_LINEAR to its fast INTER_AREA there; the linear formula below gives the
 *   same numbers).
 * - Otherwise `scale = 1 / (out / in)` per axis (in doubles, as OpenCV computes it), and for output
 *   pixel `i` the source coordinate `f = float32((i + 0.5) * scale - 0.5)`, `s = floor(f)`,
 *   `t = float32(f - s)`. The two weights are `round(float32(1 - t) * 2048)` and `round(t * 2048)`
 *   (11 bits, INTER_RESIZE_COEF_BITS; rounding half to even).
 * - Horizontally, taps left of the image become (pixel 0, weight 2048/0) and taps at or past the last
 *   pixel become (last pixel, 2048/0): a row is `p[s]*a0 + p[s+1]*a1` as a 32-bit integer.
 * - Vertically the weights are NOT adjusted at the borders; only the two source rows are clamped
 *   into the image. Output = `((b0 * (R0 >> 4)) >> 16) + ((b1 * (R1 >> 4)) >> 16) + 2) >> 2`,
 *   saturated to 0..255 (OpenCV's scalar and SSE2 code compute exactly this).
 *
 * The WebAssembly SIMD kernels of wasm/cv2.wat compute the same bytes and run when they can
 * (wasm/kernels.ts; `TESSERA_WASM=0` turns them off); the JavaScript below stays as their reference
 * and fallback.
 */
import { cv2PlanesWasm, cv2ResizeWasm, type Cv2Resize, type PlaneSpec } from './wasm/kernels';

export type { PlaneSpec } from './wasm/kernels';

/** Python / SSE2 rounding: halves to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const ONE = 2048;

interface LinearTaps {
  /** First source index per output pixel (the second is the next one, clamped for rows). */
  src: Int32Array;
  w0: Int32Array;
  w1: Int32Array;
}

function linearTaps(inSize: number, outSize: number, clampEdges: boolean): LinearTaps {
  const scale = 1 / (outSize / inSize);
  const src = new Int32Array(outSize);
  const w0 = new Int32Array(outSize);
  const w1 = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    let f = Math.fround((i + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (clampEdges) {
      if (s < 0) {
        f = 0;
        s = 0;
      }
      if (s >= inSize - 1) {
        f = 0;
        s = inSize - 1;
      }
    }
    src[i] = s;
    w0[i] = roundHalfEven(Math.fround(Math.fround(1 - f) * ONE));
    w1[i] = roundHalfEven(Math.fround(f * ONE));
  }
  return { src, w0, w1 };
}

function halve(src: Uint8Array, width: number, channels: number, outW: number, outH: number): Uint8Array {
  const out = new Uint8Array(outW * outH * channels);
  const stride = width * channels;
  let o = 0;
  for (let y = 0; y < outH; y++) {
    const r0 = 2 * y * stride;
    const r1 = r0 + stride;
    for (let x = 0; x < outW; x++) {
      const p = 2 * x * channels;
      for (let c = 0; c < channels; c++) {
        const a = p + c;
        out[o++] =
          ((src[r0 + a] as number) +
            (src[r0 + a + channels] as number) +
            (src[r1 + a] as number) +
            (src[r1 + a + channels] as number) +
            2) >>
          2;
      }
    }
  }
  return out;
}

/**
 * The taps of a resize. Exact halves take them too: their weights are 1024 and 1024 and no tap is
 * clamped, so the linear formula is `halve`'s box average (the WebAssembly kernels rely on it).
 */
function resizeTaps(width: number, height: number, outW: number, outH: number): Cv2Resize {
  return { xs: linearTaps(width, outW, true), ys: linearTaps(height, outH, false) };
}

/** The arguments every entry point refuses: a buffer of another size, a size that is not a positive integer. */
function checkArgs(src: Uint8Array, width: number, height: number, channels: number, outW: number, outH: number): void {
  if (src.length !== width * height * channels)
    throw new Error(`cv2ResizeLinear: ${src.length} bytes is not ${width}x${height}x${channels}`);
  if (!(outW >= 1 && outH >= 1 && Number.isInteger(outW) && Number.isInteger(outH)))
    throw new Error(`cv2ResizeLinear: bad size ${outW}x${outH}`);
}

/**
 * `cv2.resize(img, (outW, outH), interpolation=cv2.INTER_LINEAR)` of an interleaved 8-bit image with
 * `channels` channels. Returns a new interleaved buffer.
 */
export function cv2ResizeLinear(src: Uint8Array, width: number, height: number, channels: number, outW: number, outH: number): Uint8Array {
  checkArgs(src, width, height, channels, outW, outH);
  if (outW === width && outH === height) return src.slice();
  const out = new Uint8Array(outW * outH * channels);
  if (cv2ResizeWasm({ data: src, width, height, channels }, resizeTaps(width, height, outW, outH), out)) return out;
  return cv2ResizeLinearJs(src, width, height, channels, outW, outH);
}

/**
 * cv2ResizeLinear of an RGB image straight to float planes `[3, outH, outW]` as `planes` says
 * (preprocess.ts toNormalizedPlanes of the resized image, bit for bit), without the resized image's
 * bytes ever leaving the WebAssembly kernels. The same size converts the image as it is. Null when
 * the kernels are off: the caller resizes and converts in JavaScript.
 */
export function cv2ResizeLinearToPlanes(
  src: Uint8Array,
  width: number,
  height: number,
  outW: number,
  outH: number,
  planes: PlaneSpec,
): Float32Array | null {
  checkArgs(src, width, height, 3, outW, outH);
  const taps = outW === width && outH === height ? null : resizeTaps(width, height, outW, outH);
  return cv2PlanesWasm({ data: src, width, height, channels: 3 }, taps, planes);
}

/** cv2ResizeLinear in JavaScript: the WebAssembly kernels' reference (and what runs without them). */
export function cv2ResizeLinearJs(
  src: Uint8Array,
  width: number,
  height: number,
  channels: number,
  outW: number,
  outH: number,
): Uint8Array {
  checkArgs(src, width, height, channels, outW, outH);
  if (outW === width && outH === height) return src.slice();
  if (width === 2 * outW && height === 2 * outH) return halve(src, width, channels, outW, outH);

  const { xs, ys } = resizeTaps(width, height, outW, outH);
  const rowLen = outW * channels;
  const stride = width * channels;
  // Horizontally resampled source rows, two cached (output rows mostly reuse the previous pair).
  const cache: { y: number; row: Int32Array }[] = [
    { y: -1, row: new Int32Array(rowLen) },
    { y: -1, row: new Int32Array(rowLen) },
  ];
  let victim = 0;
  const hrow = (y: number, avoid: Int32Array | null): Int32Array => {
    for (const c of cache) if (c.y === y) return c.row;
    let slot = cache[victim] as { y: number; row: Int32Array };
    if (slot.row === avoid) {
      victim ^= 1;
      slot = cache[victim] as { y: number; row: Int32Array };
    }
    victim ^= 1;
    slot.y = y;
    const row = slot.row;
    const base = y * stride;
    let o = 0;
    for (let x = 0; x < outW; x++) {
      const p = base + (xs.src[x] as number) * channels;
      const a0 = xs.w0[x] as number;
      const a1 = xs.w1[x] as number;
      if (a1 === 0) {
        for (let c = 0; c < channels; c++) row[o++] = (src[p + c] as number) * a0;
      } else {
        for (let c = 0; c < channels; c++) row[o++] = (src[p + c] as number) * a0 + (src[p + c + channels] as number) * a1;
      }
    }
    return row;
  };

  const out = new Uint8Array(outH * rowLen);
  const last = height - 1;
  for (let y = 0; y < outH; y++) {
    const s = ys.src[y] as number;
    const r0 = hrow(s < 0 ? 0 : s > last ? last : s, null);
    const r1 = hrow(s + 1 < 0 ? 0 : s + 1 > last ? last : s + 1, r0);
    const b0 = ys.w0[y] as number;
    const b1 = ys.w1[y] as number;
    const o = y * rowLen;
    for (let i = 0; i < rowLen; i++) {
      const v = (((b0 * ((r0[i] as number) >> 4)) >> 16) + ((b1 * ((r1[i] as number) >> 4)) >> 16) + 2) >> 2;
      out[o + i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return out;
}
