import { describe, expect, it } from 'vitest';
import {
  CONVERTED_OUTPUTS_TAG,
  convertedOutputsTag,
  halfToFloat,
  toWireOutput,
} from '../../../../src/main/engine/models/inference/outputTypes';
import { outputCacheKey, type OutputCacheKeyParts } from '../../../../src/main/engine/models/cacheKey';
import { inferenceFailureReason } from '../../../../src/main/engine/models/inference/InferenceClient';

function floats(buffer: ArrayBuffer): number[] {
  return Array.from(new Float32Array(buffer));
}

describe('output element types', () => {
  it('decodes float16 bit patterns exactly (normals, subnormals, signed zero, infinities, NaN)', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x3555)).toBe(0.333251953125);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0400)).toBe(2 ** -14);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });

  it('hands float16 and float64 outputs over as float32 values, float64 rounded to nearest', () => {
    const half = toWireOutput('logits', 'float16', Uint16Array.from([0x3c00, 0x3555, 0xfbff]), [3]);
    expect(half).toMatchObject({ type: 'float32', dims: [3] });
    expect(floats(half.data)).toEqual([1, 0.333251953125, -65504]);
    const values = [1 / 3, -2.5, 1e-40, 3.4028235e38, NaN, -Infinity];
    const double = toWireOutput('logits', 'float64', Float64Array.from(values), [2, 3]);
    expect(double).toMatchObject({ type: 'float32', dims: [2, 3] });
    expect(floats(double.data)).toEqual(values.map((v) => Math.fround(v)));
  });

  it('refuses a finite float64 value beyond the float32 range, naming output, value and index', () => {
    expect(() => toWireOutput('logits', 'float64', Float64Array.from([0, 1e39]), [2])).toThrow(
      'output "logits" is float64 and holds 1e+39 at index 1, beyond the float32 range (±3.4028e+38)',
    );
  });

  it('never passes another element type on as float32', () => {
    expect(toWireOutput('n', 'int64', BigInt64Array.from([1n, -2n]), [2]).type).toBe('int64');
    expect(() => toWireOutput('text', 'string', Uint8Array.from([1]), [1])).toThrow(
      'output "text" is string: Tessera reads outputs of type float32, int64, int32, bool, uint8, float16, float64',
    );
    expect(() => toWireOutput('q', 'int8', Int8Array.from([1]), [1])).toThrow(/^output "q" is int8: /);
  });

  it('copies only a view on part of a larger buffer', () => {
    const whole = Float32Array.from([1, 2, 3]);
    expect(toWireOutput('x', 'float32', whole, [3]).data).toBe(whole.buffer);
    const part = new Float32Array(whole.buffer, 4, 2);
    expect(floats(toWireOutput('x', 'float32', part, [2]).data)).toEqual([2, 3]);
  });
});

describe('inference failure lines', () => {
  it('says how much an allocation asked for and which node, not the allocator C++ signature', () => {
    // What onnxruntime 1.29 says for a graph that expands to [1,4,100000,100000] float32.
    const message =
      "Non-zero status code returned while running Expand node. Name:'Expand_2' Status Message: /onnxruntime_src/onnxruntime/core/framework/bfc_arena.cc:359 void* onnxruntime::BFCArena::AllocateRawInternal(size_t, bool, onnxruntime::Stream*) Failed to allocate memory for requested buffer of size 160000000000\n";
    expect(inferenceFailureReason(message)).toBe(
      "out of memory: onnxruntime could not allocate 160.0 GB for Expand node 'Expand_2' (an output or intermediate tensor this large: check the model's shapes and input.size)",
    );
  });

  it('keeps any other message, on one line', () => {
    expect(inferenceFailureReason('Got invalid dimensions for input: image\n index: 1 Got: 5 Expected: 3\n')).toBe(
      'Got invalid dimensions for input: image; index: 1 Got: 5 Expected: 3',
    );
  });
});

describe('cache keys of models with converted outputs', () => {
  const parts: OutputCacheKeyParts = {
    fileHashes: { model: 'ab'.repeat(32) },
    manifest: { kind: 'semantic-seg' },
    companions: [],
    adapterVersion: 2,
    decoding: 'pil-rgb-no-icc:v2:orientation=1',
    preprocessing: 2,
    imageSha: 'cd'.repeat(32),
    query: null,
    groundTruth: null,
  };

  it('leaves the keys of float32 models as they were, and gives float16/float64 models new ones', () => {
    expect(convertedOutputsTag([{ type: 'float32' }, { type: 'int64' }])).toBeUndefined();
    expect(outputCacheKey({ ...parts, outputConversion: convertedOutputsTag([{ type: 'float32' }]) })).toBe(outputCacheKey(parts));
    for (const type of ['float16', 'float64']) {
      const tag = convertedOutputsTag([{ type: 'float32' }, { type }]);
      expect(tag).toBe(CONVERTED_OUTPUTS_TAG);
      // The results cached before the conversion (raw bytes read as float32) are never served again.
      expect(outputCacheKey({ ...parts, outputConversion: tag })).not.toBe(outputCacheKey(parts));
    }
  });
});
