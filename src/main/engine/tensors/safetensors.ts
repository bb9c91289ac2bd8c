import { ApiError } from '../../../shared/api/errors';
import { halfToFloat } from '../../../shared/pure/float16';

/** One tensor of a .safetensors file, as float32 values. */
export interface SafeTensor {
  shape: number[];
  data: Float32Array;
}

/**
 * Reads a .safetensors file (huggingface/safetensors: u64 LE header length, a JSON header of
 * name -> {dtype, shape, data_offsets}, then the raw little-endian bytes). F32, F16 and BF16
 * tensors become float32; anything else is refused with the file and tensor named.
 */
export function parseSafetensors(bytes: Uint8Array, file: string): Map<string, SafeTensor> {
  const bad = (why: string): ApiError => new ApiError('CORRUPT_FILE', `${file}: ${why}`, { file });
  if (bytes.length < 8) throw bad('too short for a .safetensors file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen <= 0 || 8 + headerLen > bytes.length) throw bad(`header length ${headerLen} does not fit the file (${bytes.length} bytes)`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as typeof header;
  } catch {
    throw bad('header is not valid JSON');
  }
  const base = 8 + headerLen;
  const out = new Map<string, SafeTensor>();
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [start, end] = t.data_offsets;
    if (base + end > bytes.length || start > end) throw bad(`tensor ${name}: data offsets [${start}, ${end}] exceed the file`);
    const raw = bytes.slice(base + start, base + end);
    const n = t.shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (t.dtype === 'F32') data = new Float32Array(raw.buffer, 0, n);
    else if (t.dtype === 'F16') data = Float32Array.from(new Uint16Array(raw.buffer, 0, n), halfToFloat);
    else if (t.dtype === 'BF16')
      data = Float32Array.from(new Uint16Array(raw.buffer, 0, n), (b) => new Float32Array(new Uint32Array([b << 16]).buffer)[0] as number);
    else throw bad(`tensor ${name} has dtype ${t.dtype}; only F32, F16 and BF16 are read`);
    if (data.length !== n) throw bad(`tensor ${name}: ${data.length} values for shape [${t.shape.join(',')}]`);
    out.set(name, { shape: t.shape, data });
  }
  return out;
}
