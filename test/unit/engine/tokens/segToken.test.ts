import { describe, expect, it } from 'vitest';
import { segSimilarity } from '../../../../src/main/engine/tokens/segToken';
import { randomTensor, seededRandom } from './reference';

describe('segSimilarity (READ compute_similarity_map)', () => {
  it('is the plain dot product, so longer image states score higher than a cosine would', () => {
    const image = Float32Array.of(1, 0, 10, 0, 0, 2);
    const seg = Float32Array.of(3, 4);
    expect(Array.from(segSimilarity(image, 3, 2, seg))).toEqual([3, 30, 8]);
  });

  it('matches a loop over the channels on seeded hidden states', () => {
    const g = 576;
    const c = 64;
    const random = seededRandom(2);
    const image = randomTensor(random, g * c);
    const seg = randomTensor(random, c);
    const out = segSimilarity(image, g, c, seg);
    for (let i = 0; i < g; i++) {
      let sum = 0;
      for (let k = 0; k < c; k++) sum += image[i * c + k]! * seg[k]!;
      expect(out[i]).toBeCloseTo(sum, 5);
    }
  });

  it('rejects a <SEG> state of the wrong width', () => {
    expect(() => segSimilarity(new Float32Array(6), 3, 2, new Float32Array(3))).toThrow(/SEG/);
  });
});
