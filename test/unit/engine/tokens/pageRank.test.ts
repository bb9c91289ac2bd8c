import { describe, expect, it } from 'vitest';
import { weightedPageRank } from '../../../../src/main/engine/tokens/pageRank';
import { randomAttention } from './reference';

// Token 0 attends half to itself, half to token 1; token 1 attends only to token 0.
const twoTokens = Float32Array.of(0.5, 0.5, 1, 0);

describe('weightedPageRank (Zero-TPrune WPR)', () => {
  it('propagates importance along received attention: s <- A^T s from a uniform start', () => {
    // s1 = [0.5*0.5 + 1*0.5, 0.5*0.5] = [0.75, 0.25]; s2 = [0.5*0.75 + 0.25, 0.5*0.75] = [0.625, 0.375]
    expect(Array.from(weightedPageRank(twoTokens, 1, 2, { iterations: 0 }))).toEqual([0.5, 0.5]);
    expect(Array.from(weightedPageRank(twoTokens, 1, 2, { iterations: 1 }))).toEqual([0.75, 0.25]);
    expect(Array.from(weightedPageRank(twoTokens, 1, 2, { iterations: 2 }))).toEqual([0.625, 0.375]);
  });

  it('converges to the stationary distribution of the attention graph', () => {
    const s = weightedPageRank(twoTokens, 1, 2, { iterations: 60 });
    expect(s[0]).toBeCloseTo(2 / 3, 6);
    expect(s[1]).toBeCloseTo(1 / 3, 6);
  });

  it('mixes in a uniform teleport when damped', () => {
    // d = 0.5: s1 = 0.5 * [0.75, 0.25] + 0.25 = [0.625, 0.375]
    const s = weightedPageRank(twoTokens, 1, 2, { iterations: 1, damping: 0.5 });
    expect(Array.from(s)).toEqual([0.625, 0.375]);
  });

  it('aggregates heads by root mean square by default and by mean on request', () => {
    // Head 0 is twoTokens; head 1 attends uniformly, so it stays at [0.5, 0.5].
    const attn = Float32Array.of(0.5, 0.5, 1, 0, 0.5, 0.5, 0.5, 0.5);
    const rms = weightedPageRank(attn, 2, 2, { iterations: 1 });
    expect(rms[0]).toBeCloseTo(Math.sqrt((0.75 ** 2 + 0.5 ** 2) / 2), 6);
    expect(rms[1]).toBeCloseTo(Math.sqrt((0.25 ** 2 + 0.5 ** 2) / 2), 6);
    const mean = weightedPageRank(attn, 2, 2, { iterations: 1, aggregate: 'mean' });
    expect(Array.from(mean)).toEqual([0.625, 0.375]);
  });

  it('matches repeated transposed products computed in a loop on seeded attention', () => {
    const heads = 4;
    const t = 30;
    const attn = randomAttention(12, heads, t);
    const iterations = 7;
    const expected = new Float64Array(t);
    for (let h = 0; h < heads; h++) {
      let s = Array.from({ length: t }, () => 1 / t);
      for (let k = 0; k < iterations; k++) {
        s = s.map((_, i) => {
          let sum = 0;
          for (let j = 0; j < t; j++) sum += attn[(h * t + j) * t + i]! * s[j]!;
          return sum;
        });
      }
      s.forEach((v, i) => (expected[i] = expected[i]! + v * v));
    }
    const out = weightedPageRank(attn, heads, t, { iterations });
    expected.forEach((sumSquares, i) => expect(out[i]).toBeCloseTo(Math.sqrt(sumSquares / heads), 6));
  });
});
