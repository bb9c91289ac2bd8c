import { describe, expect, it } from 'vitest';
import { clsAttentionMap, tokenImportance } from '../../../../src/main/engine/tokens/attention';
import { randomAttention } from './reference';

// Two heads, three tokens (CLS + 2 patches); rows are queries.
const attn = Float32Array.of(
  0.5,
  0.25,
  0.25,
  0.1,
  0.6,
  0.3,
  0.2,
  0.2,
  0.6, // head 0
  0.2,
  0.7,
  0.1,
  0.3,
  0.3,
  0.4,
  0.0,
  0.5,
  0.5, // head 1
);

describe('clsAttentionMap', () => {
  it('averages the CLS row over heads and drops the prefix tokens', () => {
    const map = clsAttentionMap(attn, 2, 3, 1);
    expect(map[0]).toBeCloseTo((0.25 + 0.7) / 2, 6);
    expect(map[1]).toBeCloseTo((0.25 + 0.1) / 2, 6);
  });

  it('matches a head-mean of row 0 on seeded attention with register tokens', () => {
    const heads = 3;
    const t = 12;
    const prefix = 3;
    const a = randomAttention(4, heads, t);
    const map = clsAttentionMap(a, heads, t, prefix);
    expect(map.length).toBe(t - prefix);
    for (let j = prefix; j < t; j++) {
      let sum = 0;
      for (let h = 0; h < heads; h++) sum += a[h * t * t + j]!;
      expect(map[j - prefix]).toBeCloseTo(sum / heads, 6);
    }
  });
});

describe('tokenImportance (HiPrune global attention)', () => {
  it('averages the attention each token receives over heads and query rows', () => {
    const score = tokenImportance(attn, 2, 3);
    expect(score[0]).toBeCloseTo((0.5 + 0.1 + 0.2 + 0.2 + 0.3 + 0) / 6, 6);
    expect(score[1]).toBeCloseTo((0.25 + 0.6 + 0.2 + 0.7 + 0.3 + 0.5) / 6, 6);
    expect(score[2]).toBeCloseTo((0.25 + 0.3 + 0.6 + 0.1 + 0.4 + 0.5) / 6, 6);
  });

  it('sums to 1 over tokens when every row does', () => {
    const score = tokenImportance(randomAttention(9, 4, 20), 4, 20);
    expect(score.reduce((sum, v) => sum + v, 0)).toBeCloseTo(1, 5);
  });
});
