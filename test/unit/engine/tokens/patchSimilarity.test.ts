import { describe, expect, it } from 'vitest';
import { queryPatchSimilarity } from '../../../../src/shared/pure/patchSimilarity';
import { randomTensor, seededRandom } from './reference';

describe('queryPatchSimilarity', () => {
  it('gives 1 for the query itself, -1 for its opposite and 0 for an orthogonal token', () => {
    const tokens = Float32Array.of(3, 4, -6, -8, 4, -3);
    expect(Array.from(queryPatchSimilarity(tokens, 3, 2, 0, 'cosine'))).toEqual([1, -1, 0]);
  });

  it('takes the absolute value in abs-cosine mode, as ToCo patch token contrast does', () => {
    const tokens = Float32Array.of(3, 4, -6, -8, 4, -3);
    expect(Array.from(queryPatchSimilarity(tokens, 3, 2, 0, 'abs-cosine'))).toEqual([1, 1, 0]);
  });

  it('scores a zero token 0 instead of dividing by zero', () => {
    const tokens = Float32Array.of(1, 2, 0, 0);
    expect(Array.from(queryPatchSimilarity(tokens, 2, 2, 0, 'cosine'))).toEqual([1, 0]);
  });

  it('matches dot / (|a| |b|) computed in a loop on seeded tokens', () => {
    const n = 50;
    const d = 16;
    const tokens = randomTensor(seededRandom(8), n * d);
    const query = 17;
    const out = queryPatchSimilarity(tokens, n, d, query, 'cosine');
    for (let i = 0; i < n; i++) {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let k = 0; k < d; k++) {
        dot += tokens[i * d + k]! * tokens[query * d + k]!;
        na += tokens[i * d + k]! ** 2;
        nb += tokens[query * d + k]! ** 2;
      }
      expect(out[i]).toBeCloseTo(dot / Math.sqrt(na * nb), 6);
    }
  });

  it('rejects a query index outside the tokens', () => {
    expect(() => queryPatchSimilarity(new Float32Array(4), 2, 2, 2, 'cosine')).toThrow(/outside/);
  });
});
