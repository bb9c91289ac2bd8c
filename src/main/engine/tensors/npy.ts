import { unzipSync } from 'fflate';
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

function bad(file: string, why: string, code: 'CORRUPT_FILE' | 'UNSUPPORTED_FORMAT' = 'CORRUPT_FILE'): ApiError {
  return new ApiError(code, `${file}: ${why}`, { file });
}

/** Parses one .npy file's bytes. `file` names the file in error messages. */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw bad(file, 'not a .npy file (no \\x93NUMPY magic)');
  const major = bytes[6] as number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (major < 1 || major > 3) throw bad(file, `.npy format version ${major} is not supported (1 to 3 are)`, 'UNSUPPORTED_FORMAT');
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
    throw bad(file, `${shown} is not supported (${SUPPORTED})`, 'UNSUPPORTED_FORMAT');
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((n) => !Number.isInteger(n) || n < 0))
    throw bad(file, /^[\d\s,.+\-eE]{0,80}$/.test(shapeText) ? `bad shape (${shapeText})` : 'bad shape in the .npy header');
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLength;
  const needed = count * type.bytes;
  if (bytes.length - dataStart < needed)
    throw bad(file, `truncated: shape (${shape.join(', ')}) needs ${needed} data bytes, the file has ${bytes.length - dataStart}`);
  // Copy into a fresh buffer: the data offset is not always aligned for a typed-array view.
  // (Uint8Array's slice, never Buffer's: Buffer.slice is a view into the whole file.)
  const raw = Uint8Array.prototype.slice.call(bytes, dataStart, dataStart + needed);
  const data =
    type.dtype === 'float32'
      ? new Float32Array(raw.buffer)
      : type.dtype === 'float64'
        ? new Float64Array(raw.buffer)
        : type.dtype === 'uint8'
          ? raw
          : type.dtype === 'int32'
            ? new Int32Array(raw.buffer)
            : Float64Array.from(new BigInt64Array(raw.buffer), (v) => Number(v));
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

/** The arrays of an .npz archive (np.savez or np.savez_compressed), by name without `.npy`. */
export function parseNpz(bytes: Uint8Array, file: string): Map<string, NpyArray> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (err) {
    throw bad(file, `not a readable .npz (zip) archive: ${err instanceof Error ? err.message : String(err)}`);
  }
  const out = new Map<string, NpyArray>();
  for (const [name, data] of Object.entries(entries)) {
    if (!name.endsWith('.npy')) continue;
    out.set(name.slice(0, -4), parseNpy(data, `${file}/${name}`));
  }
  return out;
}

/** Any numeric array -> float32 values (heatmaps are stored as float32). */
export function toFloat32(a: NpyArray): Float32Array {
  return a.data instanceof Float32Array ? a.data : Float32Array.from(a.data);
}
