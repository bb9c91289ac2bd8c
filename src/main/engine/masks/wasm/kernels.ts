/**
 * The WebAssembly SIMD kernel of rowFlips.wat behind a plain function: where a row-major image
 * changes down its columns (rleCodec.ts), 16 pixels a step. It writes the flips into the module's
 * memory and returns a view of them there, so the caller buckets them without a copy. Results are
 * the JavaScript's: rowFlipsWasm.test.ts compares the two. `TESSERA_WASM=0` turns it off.
 */
import { ROW_FLIPS_WASM } from './rowFlipsWasm';
import { Arena, WasmKernels, type WasmMemory } from '../../wasm/module';

interface Exports {
  memory: WasmMemory;
  flips(img: number, width: number, area: number, exact: number, limit: number, out: number): number;
}

const wasm = new WasmKernels<Exports>(ROW_FLIPS_WASM);

/** Turns the kernel off or back on in this thread (benchmarks and tests compare the two). */
export function setRowFlipsWasm(on: boolean): void {
  wasm.set(on);
}

/**
 * rleCodec.ts rowFlipsExact (`exact`) or rowFlipsNonzero of the `area` pixels of `image`: the flips
 * (a view into the module's memory, valid until the next call in this thread), -1 past `limit`, or
 * null when the kernel is off.
 */
export function rowFlipsWasm(image: Uint8Array, width: number, area: number, exact: boolean, limit: number): Uint32Array | -1 | null {
  const k = wasm.get();
  if (k === null) return null;
  const a = new Arena(k.memory);
  const img = a.take(area);
  const out = a.take(4 * (limit + 32));
  a.commit();
  new Uint8Array(k.memory.buffer, img, area).set(image.subarray(0, area));
  const t = k.flips(img, width, area, exact ? 1 : 0, limit, out);
  return t < 0 ? -1 : new Uint32Array(k.memory.buffer, out, t);
}
