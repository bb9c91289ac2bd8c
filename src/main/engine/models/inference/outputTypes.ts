// Output tensors as the engine reads them. Adapters work on float32 values; a model that computes
// in float16 or float64 gets its outputs converted here, value by value, as numpy's
// `.astype(np.float32)` would: never its raw bytes relabelled (a float64 buffer read as float32
// is garbage that still argmaxes to a plausible-looking label map).
import type { TensorType, WireTensor } from './protocol';

/** Element types that travel to the engine as they are. */
const CARRIED: readonly TensorType[] = ['float32', 'int64', 'int32', 'bool', 'uint8'];

/** Element types converted to float32 on the way out. */
const CONVERTED = ['float16', 'float64'] as const;

/** Every onnxruntime element type an output may have and still reach the engine (registry.ts checks outputs against it). */
export const READABLE_OUTPUT_TYPES: readonly string[] = [...CARRIED, ...CONVERTED];

/** Output element types an adapter can read as float32 values. */
export const FLOAT_OUTPUT_TYPES: readonly string[] = ['float32', ...CONVERTED];

/** The largest finite float32, 0x7f7fffff. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** The bytes of a view as an ArrayBuffer of their own: the buffer itself when the view covers it (no copy). */
function ownBuffer(data: ArrayBufferView): ArrayBuffer {
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
  return whole ? (data.buffer as ArrayBuffer) : (data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
}

/** IEEE 754 binary16 bits -> its value. Every half value is a float32 value, so this is exact. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1024 + fraction) * 2 ** (exponent - 25);
}

function halfToFloat32(data: ArrayBufferView): Float32Array<ArrayBuffer> {
  // onnxruntime hands float16 out as a Uint16Array (or a Float16Array where the runtime has one):
  // read the bits either way.
  const bits = new Uint16Array(ownBuffer(data));
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfToFloat(bits[i] as number);
  return out;
}

/**
 * float64 -> float32, rounding to nearest (numpy's astype). A finite value beyond float32's range
 * would become Infinity: refused here with its value, not reported later as an Infinity the model
 * never produced. NaN and Infinity stay what they are (the adapters refuse them with their index).
 */
function doubleToFloat32(name: string, data: ArrayBufferView): Float32Array<ArrayBuffer> {
  const values = new Float64Array(ownBuffer(data));
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    out[i] = v;
    if (Number.isFinite(v) && !Number.isFinite(out[i] as number))
      throw new Error(
        `output "${name}" is float64 and holds ${v} at index ${i}, beyond the float32 range (±${FLOAT32_MAX.toPrecision(5)})`,
      );
  }
  return out;
}

/**
 * One output tensor for the engine: float16/float64 converted to float32 values, the carried
 * types as they are, anything else refused naming the output (never passed on as float32).
 */
export function toWireOutput(name: string, type: string, data: ArrayBufferView, dims: readonly number[]): WireTensor {
  if (type === 'float16') return { type: 'float32', dims: [...dims], data: halfToFloat32(data).buffer };
  if (type === 'float64') return { type: 'float32', dims: [...dims], data: doubleToFloat32(name, data).buffer };
  const carried = CARRIED.find((t) => t === type);
  if (carried === undefined)
    throw new Error(`output "${name}" is ${type}: Tessera reads outputs of type ${READABLE_OUTPUT_TYPES.join(', ')}`);
  return { type: carried, dims: [...dims], data: ownBuffer(data) };
}

/**
 * Part of the cache keys of models with a float16/float64 output. Before those outputs were
 * converted to float32 values, adapters read their raw bytes as float32 and the wrong results were
 * cached; the tag keeps every such entry from being served again. Models whose outputs are all
 * carried as they are leave it out, so their keys (and caches) stay as they were.
 */
export const CONVERTED_OUTPUTS_TAG = 'float16/float64 outputs as float32 values';

/** The tag for a registered model's stored output list, or undefined when nothing in it is converted. */
export function convertedOutputsTag(outputs: ReadonlyArray<{ type: string }>): string | undefined {
  return outputs.some((o) => (CONVERTED as readonly string[]).includes(o.type)) ? CONVERTED_OUTPUTS_TAG : undefined;
}
