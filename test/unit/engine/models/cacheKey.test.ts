import { describe, expect, it } from 'vitest';
import { canonicalJson, manifestFingerprint, outputCacheKey, type OutputCacheKeyParts } from '../../../../src/main/engine/models/cacheKey';
import { ModelManifest } from '../../../../src/shared/domain';

const manifest = ModelManifest.parse({
  name: 'det',
  kind: 'probability-map',
  files: { model: 'det.onnx' },
  input: {
    tensor: 'x',
    policy: 'keep-aspect',
    size: 960,
    multiple: 32,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    range: '0-1',
    channel_order: 'BGR',
  },
  outputs: { probability: 'sigmoid_0.tmp_0' },
  params: { threshold: 0.3 },
});

const base: OutputCacheKeyParts = {
  fileHashes: { model: 'a'.repeat(64) },
  manifest: manifestFingerprint(manifest),
  companions: [{ name: 'sam', fileHashes: { model: 'b'.repeat(64), encoder: 'c'.repeat(64) }, manifest: { kind: 'prompt-decoder' } }],
  adapterVersion: 2,
  decoding: 'pil-rgb-no-icc:v2:raw',
  preprocessing: 2,
  imageSha: 'd'.repeat(64),
  query: 'the cat',
  groundTruth: new Uint8Array([0, 1, 1, 0]),
};

function withManifest(change: (m: Record<string, unknown>) => void): OutputCacheKeyParts {
  const m = structuredClone(manifestFingerprint(manifest)) as Record<string, unknown>;
  change(m);
  return { ...base, manifest: m };
}

const input = (m: Record<string, unknown>): Record<string, unknown> => m['input'] as Record<string, unknown>;

describe('output cache key', () => {
  const key = outputCacheKey(base);

  it('is stable and ignores key order', () => {
    expect(outputCacheKey({ ...base })).toBe(key);
    const reordered = Object.fromEntries(Object.entries(manifestFingerprint(manifest) as Record<string, unknown>).reverse());
    expect(outputCacheKey({ ...base, manifest: reordered })).toBe(key);
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
  });

  // One case per field that can change an output: each must miss the cache.
  const changes: Array<[string, OutputCacheKeyParts]> = [
    ['model file', { ...base, fileHashes: { model: 'e'.repeat(64) } }],
    ['another file of the manifest (encoder)', { ...base, fileHashes: { ...base.fileHashes, encoder: 'f'.repeat(64) } }],
    ['input.channel_order', withManifest((m) => (input(m)['channel_order'] = 'RGB'))],
    ['input.range', withManifest((m) => (input(m)['range'] = 255))],
    ['input.mean', withManifest((m) => (input(m)['mean'] = [0.5, 0.5, 0.5]))],
    ['input.std', withManifest((m) => (input(m)['std'] = [0.5, 0.5, 0.5]))],
    ['input.policy', withManifest((m) => (input(m)['policy'] = 'resize'))],
    ['input.size', withManifest((m) => (input(m)['size'] = [736, 736]))],
    ['input.multiple', withManifest((m) => (input(m)['multiple'] = 16))],
    ['input.tensor', withManifest((m) => (input(m)['tensor'] = 'image'))],
    ['input.interpolation', withManifest((m) => (input(m)['interpolation'] = 'cv2-linear'))],
    ['outputs', withManifest((m) => (m['outputs'] = { probability: 'other' }))],
    ['classes', withManifest((m) => (m['classes'] = { names: ['bg', 'text'], background: 0 }))],
    ['params', withManifest((m) => (m['params'] = { threshold: 0.5 }))],
    ['kind', withManifest((m) => (m['kind'] = 'semantic-seg'))],
    ['companion file', { ...base, companions: [{ ...base.companions[0]!, fileHashes: { model: '0'.repeat(64) } }] }],
    ['companion manifest', { ...base, companions: [{ ...base.companions[0]!, manifest: { kind: 'prompt-decoder', params: { x: 1 } } }] }],
    ['companion set', { ...base, companions: [] }],
    ['adapter version', { ...base, adapterVersion: 3 }],
    ['decoding rules / pixel grid', { ...base, decoding: 'pil-rgb-no-icc:v2:oriented' }],
    ['preprocessing version', { ...base, preprocessing: 3 }],
    ['image', { ...base, imageSha: '1'.repeat(64) }],
    ['query', { ...base, query: 'the dog' }],
    ['no query', { ...base, query: null }],
    ['ground truth', { ...base, groundTruth: new Uint8Array([0, 1, 0, 0]) }],
    ['no ground truth', { ...base, groundTruth: null }],
    ['CUDA allowed TF32 (TESSERA_CUDA_TF32=1)', { ...base, cudaTf32: true }],
  ];
  it.each(changes)('misses when %s changes', (_, parts) => {
    expect(outputCacheKey(parts)).not.toBe(key);
  });

  it('is the key it was when TF32 is off (the default): an absent cudaTf32 adds nothing', () => {
    expect(outputCacheKey({ ...base, cudaTf32: undefined })).toBe(key);
  });

  it('does not depend on the name, description, toy flag or file paths of a manifest', () => {
    const renamed = ModelManifest.parse({
      ...manifest,
      name: 'other',
      description: 'x',
      toy: true,
      files: { model: '/elsewhere/det.onnx' },
    });
    expect(outputCacheKey({ ...base, manifest: manifestFingerprint(renamed) })).toBe(key);
  });
});
