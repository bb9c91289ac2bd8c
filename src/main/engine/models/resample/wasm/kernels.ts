/**
 * The WebAssembly SIMD kernels of cv2.wat behind plain functions: OpenCV's INTER_LINEAR resize of an
 * interleaved 8-bit image (resample/cv2.ts), and that resize fused with preprocess.ts's conversion to
 * normalized float planes. Each thread that uses them instantiates the module once and keeps one
 * growing memory. A call works row by row: it copies each source row it needs in, resamples it, and
 * copies each finished output row out, so the memory holds a few rows, not the image (and stays in
 * cache). Results are the JavaScript's bytes and floats: cv2Wasm.test.ts compares the two.
 *
 * `TESSERA_WASM=0` turns them off (the JavaScript runs instead); so does a runtime without
 * WebAssembly SIMD.
 */
import { CV2_WASM } from './cv2Wasm';
import { Arena, WasmKernels, type WasmMemory } from '../../../wasm/module';

interface Exports {
  memory: WasmMemory;
  hrow(src: number, ofs: number, wts: number, n: number, channels: number, dst: number): void;
  vrow(r0: number, r1: number, b0: number, b1: number, n: number, dst: number): void;
  planes(p: number, s0: number, s1: number, s2: number, n: number, lut: number, q0: number, q1: number, q2: number, flip: number): void;
}

/** OpenCV's taps of one axis (cv2.ts linearTaps): first source index and the two 11-bit weights per output index. */
export interface Cv2Taps {
  readonly src: Int32Array;
  readonly w0: Int32Array;
  readonly w1: Int32Array;
}

/** The taps of both axes of a resize (columns clamped at the edges, rows not: cv2.ts). */
export interface Cv2Resize {
  readonly xs: Cv2Taps;
  readonly ys: Cv2Taps;
}

/**
 * preprocess.ts's 8-bit -> normalized float conversion: tensor channel c of a pixel is
 * `lut[c * 256 + byte[order[c]]]`, and `flip` mirrors each row.
 */
export interface PlaneSpec {
  readonly lut: Float32Array;
  readonly order: readonly [number, number, number];
  readonly flip: boolean;
}

/** An interleaved 8-bit image. */
export interface Interleaved8 {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

const wasm = new WasmKernels<Exports>(CV2_WASM);

/** Whether the WebAssembly kernels are in use (for benchmarks and tests). */
export function cv2WasmKernelsOn(): boolean {
  return wasm.get() !== null;
}

/** Turns the WebAssembly kernels off or back on in this thread (benchmarks and tests compare the two). */
export function setCv2WasmKernels(on: boolean): void {
  wasm.set(on);
}

interface Views {
  u8: Uint8Array;
  i32: Int32Array;
  f32: Float32Array;
}

function views(k: Exports): Views {
  const b = k.memory.buffer;
  return { u8: new Uint8Array(b), i32: new Int32Array(b), f32: new Float32Array(b) };
}

/** Output row y -> the byte offset of its interleaved bytes in the module's memory (valid until the next call). */
type RowMaker = (y: number) => number;

/** The blocks taken for the output rows of a call: called once the memory is committed, it fills them and gives the rows. */
type RowBlocks = (v: Views) => RowMaker;

/** The output rows of the same-size "resize": the source rows, copied in one at a time. */
function takeCopyRows(a: Arena, img: Interleaved8): RowBlocks {
  const stride = img.width * img.channels;
  const row = a.take(stride);
  return (v) => (y) => {
    v.u8.set(img.data.subarray(y * stride, (y + 1) * stride), row);
    return row;
  };
}

/**
 * The output rows of the linear resize: each from two horizontally resampled source rows, of which
 * the last two stay (consecutive output rows mostly share them), as cv2.ts caches them.
 */
function takeLinearRows(k: Exports, a: Arena, img: Interleaved8, taps: Cv2Resize): RowBlocks {
  const c = img.channels;
  const stride = img.width * c;
  const outW = taps.xs.src.length;
  const rowLen = outW * c;
  // The right tap of the last pixel reads `c` bytes past the row (weight 0), the vertical pass whole 16-byte groups.
  const srcRow = a.take(stride + c);
  const ofs = a.take(4 * outW);
  const wts = a.take(4 * outW);
  const padded = (rowLen + 15) & ~15;
  const slot0 = a.take(4 * padded);
  const slot1 = a.take(4 * padded);
  const slotAt = (i: number): number => (i === 0 ? slot0 : slot1);
  const out = a.take(padded);
  return (v) => {
    for (let x = 0; x < outW; x++) {
      v.i32[(ofs >> 2) + x] = taps.xs.src[x]! * c;
      v.i32[(wts >> 2) + x] = taps.xs.w0[x]! | (taps.xs.w1[x]! << 16);
    }
    const held = [-1, -1];
    let victim = 0;
    /** The slot holding source row y resampled, computing it into a slot other than `avoid` if needed. */
    const hrow = (y: number, avoid: number): number => {
      if (held[0] === y) return 0;
      if (held[1] === y) return 1;
      if (victim === avoid) victim ^= 1;
      const slot = victim;
      victim ^= 1;
      held[slot] = y;
      v.u8.set(img.data.subarray(y * stride, (y + 1) * stride), srcRow);
      k.hrow(srcRow, ofs, wts, outW, c, slotAt(slot));
      return slot;
    };
    const last = img.height - 1;
    const clamp = (y: number): number => (y < 0 ? 0 : y > last ? last : y);
    return (y) => {
      const s = taps.ys.src[y]!;
      const r0 = hrow(clamp(s), -1);
      const r1 = hrow(clamp(s + 1), r0);
      k.vrow(slotAt(r0), slotAt(r1), taps.ys.w0[y]!, taps.ys.w1[y]!, rowLen, out);
      return out;
    };
  };
}

/**
 * cv2.ts's linear resize of `img` with `taps` into `out` (`[outH, outW, channels]`, interleaved).
 * False when the WebAssembly kernels are off (nothing written).
 */
export function cv2ResizeWasm(img: Interleaved8, taps: Cv2Resize, out: Uint8Array): boolean {
  const k = wasm.get();
  if (k === null) return false;
  const a = new Arena(k.memory, 16);
  const rows = takeLinearRows(k, a, img, taps);
  a.commit();
  const v = views(k);
  const row = rows(v);
  const rowLen = taps.xs.src.length * img.channels;
  for (let y = 0; y < taps.ys.src.length; y++) {
    const p = row(y);
    out.set(v.u8.subarray(p, p + rowLen), y * rowLen);
  }
  return true;
}

/**
 * The 3-channel `img` resized with `taps` (as cv2ResizeWasm; null: kept at its size), then as float
 * planes `[3, outH, outW]` per `planes` (preprocess.ts toNormalizedPlanes): each output row goes from
 * bytes to floats while it is in the module's memory. Null when the WebAssembly kernels are off.
 */
export function cv2PlanesWasm(img: Interleaved8, taps: Cv2Resize | null, planes: PlaneSpec): Float32Array | null {
  if (img.channels !== 3) throw new Error(`cv2PlanesWasm: ${img.channels} channels, not 3`);
  const k = wasm.get();
  if (k === null) return null;
  const outW = taps === null ? img.width : taps.xs.src.length;
  const outH = taps === null ? img.height : taps.ys.src.length;
  const a = new Arena(k.memory, 16);
  const rows = taps === null ? takeCopyRows(a, img) : takeLinearRows(k, a, img, taps);
  const lut = a.take(4 * 3 * 256);
  const floats = a.take(4 * 3 * outW);
  a.commit();
  const v = views(k);
  const row = rows(v);
  v.f32.set(planes.lut.subarray(0, 3 * 256), lut >> 2);
  const plane = outW * outH;
  const out = new Float32Array(3 * plane);
  const [c0, c1, c2] = planes.order;
  const flip = planes.flip ? 1 : 0;
  const q = floats >> 2;
  for (let y = 0; y < outH; y++) {
    k.planes(row(y), c0, c1, c2, outW, lut, floats, floats + 4 * outW, floats + 8 * outW, flip);
    for (let c = 0; c < 3; c++) out.set(v.f32.subarray(q + c * outW, q + (c + 1) * outW), c * plane + y * outW);
  }
  return out;
}
