import { Unzip, UnzipInflate, type AsyncFlateStreamHandler, type UnzipDecoder } from 'fflate';
import { ApiError } from '../../../shared/api/errors';

/**
 * NumPy .npy / .npz reading and .npy writing, enough for CAMs and heatmaps: the format is a magic
 * string, a version, a little-endian header length and a Python-literal header dict
 * (numpy/lib/format.py, "Format Version 1.0"-"3.0"), then the raw C-order data.
 */
export type NpyDtype = 'float32' | 'float64' | 'uint8' | 'int32' | 'int64';

export interface NpyArray {
  shape: number[];
  dtype: NpyDtype;
  /** The values; int64 arrays come back as float64 (exact below 2^53). */
  data: Float32Array | Float64Array | Uint8Array | Int32Array;
  /** int64 arrays only: the values as stored, for checks that need them exact past 2^53. */
  int64?: BigInt64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const DTYPES: Record<string, { dtype: NpyDtype; bytes: number }> = {
  '<f4': { dtype: 'float32', bytes: 4 },
  '<f8': { dtype: 'float64', bytes: 8 },
  '|u1': { dtype: 'uint8', bytes: 1 },
  '<u1': { dtype: 'uint8', bytes: 1 },
  '<i4': { dtype: 'int32', bytes: 4 },
  '<i8': { dtype: 'int64', bytes: 8 },
};
const SUPPORTED = "float32 '<f4', float64 '<f8', uint8 '|u1', int32 '<i4', int64 '<i8'";

function bad(file: string, why: string, code: 'CORRUPT_FILE' | 'UNSUPPORTED_FORMAT' | 'INVALID_INPUT' = 'CORRUPT_FILE'): ApiError {
  return new ApiError(code, `${file}: ${why}`, { file });
}

/** What a .npy header says: dtype, shape and where the data starts and how long it is. */
export interface NpyHeader {
  shape: number[];
  dtype: NpyDtype;
  dataStart: number;
  dataBytes: number;
}

/** The prefix length needed to read the header, or null when fewer than 12 bytes are at hand. */
function headerEnd(bytes: Uint8Array): number | null {
  if (bytes.length < 12) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return bytes[6] === 1 ? 10 + view.getUint16(8, true) : 12 + view.getUint32(8, true);
}

/**
 * Reads only the header of a .npy file (the file's first bytes suffice), so its size can be
 * checked before the data is read or inflated. `file` names the file in error messages.
 */
export function parseNpyHeader(bytes: Uint8Array, file: string): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw bad(file, 'not a .npy file (no \\x93NUMPY magic)');
  const major = bytes[6] as number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major < 1 || major > 3) throw bad(file, `.npy format version ${major} is not supported (1 to 3 are)`, 'UNSUPPORTED_FORMAT');
  if (major !== 1 && bytes.length < 12) throw bad(file, 'truncated .npy header');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLength > bytes.length) throw bad(file, 'truncated .npy header');
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw bad(file, 'unreadable .npy header (it needs descr, fortran_order and shape)');
  if (fortran === 'True')
    throw bad(file, 'fortran_order arrays are not supported; save a C-order array (np.ascontiguousarray)', 'UNSUPPORTED_FORMAT');
  const type = DTYPES[descr];
  if (type === undefined) {
    // The header is the file's own text: name the dtype only when it is one (e.g. '<f2').
    const shown = /^[<>|=]?[a-zA-Z]\d{0,2}$/.test(descr) ? `dtype '${descr}'` : 'this dtype';
    // '|O': a pickled Python object, e.g. the dict ToCo's and IRN's infer scripts np.save per image.
    const pickled =
      descr === '|O'
        ? "; this is a pickled Python object (np.save of a dict, as ToCo's infer scripts write): save the array itself, or for CAM dicts re-save as .npz (keys, high_res) and use --format toco-cam"
        : '';
    throw bad(file, `${shown} is not supported (${SUPPORTED})${pickled}`, 'UNSUPPORTED_FORMAT');
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((n) => !Number.isInteger(n) || n < 0))
    throw bad(file, /^[\d\s,.+\-eE]{0,80}$/.test(shapeText) ? `bad shape (${shapeText})` : 'bad shape in the .npy header');
  const count = shape.reduce((a, b) => a * b, 1);
  return { shape, dtype: type.dtype, dataStart: start + headerLength, dataBytes: count * type.bytes };
}

/** Parses one .npy file's bytes. `file` names the file in error messages. */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  const { shape, dtype, dataStart, dataBytes: needed } = parseNpyHeader(bytes, file);
  const type = { dtype };
  if (bytes.length - dataStart < needed)
    throw bad(file, `truncated: shape (${shape.join(', ')}) needs ${needed} data bytes, the file has ${bytes.length - dataStart}`);
  // Copy into a fresh buffer: the data offset is not always aligned for a typed-array view.
  // (Uint8Array's slice, never Buffer's: Buffer.slice is a view into the whole file.)
  const raw = Uint8Array.prototype.slice.call(bytes, dataStart, dataStart + needed);
  if (type.dtype === 'int64') {
    const int64 = new BigInt64Array(raw.buffer);
    return { shape, dtype: type.dtype, data: Float64Array.from(int64, (v) => Number(v)), int64 };
  }
  const data =
    type.dtype === 'float32'
      ? new Float32Array(raw.buffer)
      : type.dtype === 'float64'
        ? new Float64Array(raw.buffer)
        : type.dtype === 'uint8'
          ? raw
          : new Int32Array(raw.buffer);
  return { shape, dtype: type.dtype, data };
}

/** A float32 C-order .npy (format 1.0, header padded to 64 bytes as numpy writes it). */
export function writeNpyFloat32(shape: readonly number[], data: Float32Array): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new ApiError('INVALID_INPUT', `npy: ${data.length} values for shape (${shape.join(', ')})`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** Default bound on what an .npz may inflate to, all arrays together. */
export const MAX_NPZ_BYTES = 1 << 30;

export interface NpzOptions {
  /** The most bytes all arrays together may inflate to (default MAX_NPZ_BYTES). */
  maxBytes?: number;
  /** Called with each array's header as soon as it is inflated, before its data; throws to refuse. */
  checkHeader?: (name: string, header: NpyHeader) => void;
}

/** fflate's inflater for zip entries, with a terminate that really stops inflating (it has none). */
class StoppableInflate implements UnzipDecoder {
  static compression = 8;
  ondata: AsyncFlateStreamHandler = () => undefined;
  private readonly inner = new UnzipInflate();
  private stopped = false;
  constructor() {
    this.inner.ondata = (err, data, final) => this.ondata(err, data, final);
  }
  push(data: Uint8Array, final: boolean): void {
    if (!this.stopped) this.inner.push(data, final);
  }
  terminate(): void {
    this.stopped = true;
  }
}

interface EntryState {
  name: string;
  chunks: Uint8Array[];
  got: number;
  done: boolean;
}

/**
 * The arrays of an .npz archive (np.savez or np.savez_compressed), by name without `.npy`. The
 * archive is inflated as a stream and bounded: an entry whose declared size, or whose .npy header
 * (shape x dtype), exceeds what is left of `maxBytes` is refused before its data is inflated, and
 * inflating stops at the end of the data its header declares, so a small zip cannot expand into
 * gigabytes.
 */
export function parseNpz(bytes: Uint8Array, file: string, options: NpzOptions = {}): Map<string, NpyArray> {
  const maxBytes = options.maxBytes ?? MAX_NPZ_BYTES;
  const zipStart = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
  if (!zipStart) throw bad(file, 'not a readable .npz (zip) archive');
  const tooBig = (member: string, size: number): ApiError =>
    bad(member, `inflates to ${size} bytes, more than the ${maxBytes} allowed for ${file}`, 'INVALID_INPUT');
  let failure: unknown = null;
  let used = 0;
  const entries: EntryState[] = [];
  let found = 0; // entries of any name
  const unzip = new Unzip((entry) => {
    found++;
    if (failure !== null || !entry.name.endsWith('.npy')) return;
    const member = `${file}/${entry.name}`;
    if (entry.originalSize !== undefined && entry.originalSize > maxBytes - used) {
      failure = tooBig(member, entry.originalSize);
      return;
    }
    const state: EntryState = { name: entry.name, chunks: [], got: 0, done: false };
    entries.push(state);
    let cap = maxBytes - used;
    let header: NpyHeader | null = null;
    entry.ondata = (err, chunk, final) => {
      if (failure !== null || state.done) return;
      if (err !== null) {
        failure = bad(member, `unreadable zip entry (${err.message})`);
        return;
      }
      state.chunks.push(chunk);
      state.got += chunk.length;
      try {
        if (header === null) {
          const head = state.chunks.length === 1 ? chunk : concat(state.chunks, state.got);
          const end = headerEnd(head);
          if (end !== null && head.length >= end) {
            header = parseNpyHeader(head, member);
            const size = header.dataStart + header.dataBytes;
            if (size > cap) throw tooBig(member, size);
            options.checkHeader?.(entry.name.slice(0, -4), header);
            cap = size; // nothing past the declared data is needed: stop there
          }
        }
        if (state.got > cap) {
          if (header === null) throw tooBig(member, state.got);
          state.done = true;
        }
      } catch (e) {
        failure = e;
      }
      if (final) state.done = true;
      if (state.done) used += Math.min(state.got, cap);
      if (failure !== null || (state.done && !final)) entry.terminate();
    };
    entry.start();
  });
  unzip.register(StoppableInflate);
  try {
    // Fed in small slices: deflate expands at most ~1032:1, so no single step inflates much past
    // the bound before an entry is checked and terminated.
    const step = 16384;
    for (let at = 0; at < bytes.length && failure === null; at += step) {
      unzip.push(bytes.subarray(at, Math.min(bytes.length, at + step)), at + step >= bytes.length);
    }
  } catch (err) {
    failure ??= bad(file, `not a readable .npz (zip) archive: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (failure !== null) throw failure;
  // A local file header (PK 3 4) at the start, yet no entry could be read: damaged, or not a zip at
  // all (an empty archive, as np.savez() writes it, starts with PK 5 6).
  if (found === 0 && bytes[2] === 3)
    throw bad(file, 'not a readable .npz (zip) archive: no entry in it can be read (damaged or truncated)');
  const out = new Map<string, NpyArray>();
  for (const e of entries) {
    if (!e.done) throw bad(`${file}/${e.name}`, 'truncated zip entry');
    out.set(e.name.slice(0, -4), parseNpy(concat(e.chunks, e.got), `${file}/${e.name}`));
  }
  return out;
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Any numeric array -> float32 values (heatmaps are stored as float32). */
export function toFloat32(a: NpyArray): Float32Array {
  return a.data instanceof Float32Array ? a.data : Float32Array.from(a.data);
}
