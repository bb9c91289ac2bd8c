/**
 * What the engine's WebAssembly kernels share (tokens/wasm: torch's bilinear resize and ToCo's
 * fusion; models/resample/wasm: OpenCV's linear resize): a module instantiated once per thread from
 * its base64 bytes, which `TESSERA_WASM=0` or a toggle turns off (the JavaScript kernels then
 * compute the same values), and a bump allocator over its one growing memory.
 */

/** The WebAssembly API used here (the engine's TypeScript libraries do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** A module's exports, instantiated on first use in this thread; null while off or where WebAssembly SIMD is missing. */
export class WasmKernels<E extends { memory: WasmMemory }> {
  private instance: E | null | undefined;
  private enabled = process.env['TESSERA_WASM'] !== '0';

  constructor(private readonly base64: string) {}

  get(): E | null {
    if (!this.enabled) return null;
    if (this.instance === undefined) {
      try {
        const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
        if (api === undefined) throw new Error('no WebAssembly');
        this.instance = new api.Instance(new api.Module(Buffer.from(this.base64, 'base64')), {}).exports as E;
      } catch {
        // No WebAssembly SIMD here: the JavaScript kernels compute the same values.
        this.instance = null;
      }
    }
    return this.instance;
  }

  /** Turns the kernels off or back on in this thread (benchmarks and tests compare the two ways). */
  set(on: boolean): void {
    this.enabled = on;
  }
}

/**
 * A bump allocator over a module's memory for one call: 16-byte aligned blocks, each followed by
 * `spare` bytes a kernel may read or write past its end, grown as needed.
 */
export class Arena {
  private used = 0;
  constructor(
    private readonly memory: WasmMemory,
    private readonly spare = 0,
  ) {}

  /** Reserves `bytes` (and the spare bytes after them) and returns the block's byte offset. */
  take(bytes: number): number {
    const at = this.used;
    this.used += (bytes + this.spare + 15) & ~15;
    return at;
  }

  /** Grows the memory to hold every block taken; views made before this are stale after it. */
  commit(): void {
    const need = this.used - this.memory.buffer.byteLength;
    if (need > 0) this.memory.grow(Math.ceil(need / 65536));
  }
}
