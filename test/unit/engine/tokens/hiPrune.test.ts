import { describe, expect, it } from 'vitest';
import { hiPruneSets, roundHalfEven } from '../../../../src/main/engine/tokens/hiPrune';
import { randomAttention } from './reference';

/** One head whose every query row is `weights` normalized, so each token's score is its weight share. */
function uniformRows(weights: number[]): Float32Array {
  const t = weights.length;
  const total = weights.reduce((sum, v) => sum + v, 0);
  const attn = new Float32Array(t * t);
  for (let row = 0; row < t; row++) weights.forEach((v, j) => (attn[row * t + j] = v / total));
  return attn;
}

/** CLS weight 1, then the 16 patches of a 4x4 grid with `patch(i)`. */
function grid(patch: (i: number) => number): Float32Array {
  return uniformRows([1, ...Array.from({ length: 16 }, (_, i) => patch(i))]);
}

const deep = grid((i) => i + 1); // later patches win the register slots

describe('hiPruneSets', () => {
  it('anchors on the top object-layer patch, buffers its four neighbours and fills the budget with deep registers', () => {
    const object = grid((i) => (i === 5 ? 10 : 1));
    const sets = hiPruneSets(object, deep, 1, 17, { retention: 10, alpha: 0.5, gridWidth: 4 });
    expect(sets.anchors).toEqual([5]);
    expect(sets.buffers).toEqual([1, 4, 6, 9]);
    expect(sets.registers).toEqual([15, 14, 13, 12, 11]);
    expect(sets.retained).toEqual([1, 4, 5, 6, 9, 11, 12, 13, 14, 15]);
  });

  it('wraps the left neighbour to the previous row as the reference flat index does', () => {
    const object = grid((i) => (i === 4 ? 10 : 1));
    const sets = hiPruneSets(object, deep, 1, 17, { retention: 10, alpha: 0.5, gridWidth: 4 });
    expect(sets.buffers).toEqual([0, 3, 5, 8]);
  });

  it('clamps neighbours to the first patch at the corner', () => {
    const object = grid((i) => (i === 0 ? 10 : 1));
    const sets = hiPruneSets(object, deep, 1, 17, { retention: 10, alpha: 0.5, gridWidth: 4 });
    expect(sets.buffers).toEqual([1, 4]);
    expect(sets.registers).toHaveLength(7);
  });

  it('takes no anchor when retention * alpha / 5 is exactly one half, as Python round does', () => {
    const object = grid((i) => (i === 5 ? 10 : 1));
    const sets = hiPruneSets(object, deep, 1, 17, { retention: 5, alpha: 0.5, gridWidth: 4 });
    expect(sets.anchors).toEqual([]);
    expect(sets.registers).toEqual([15, 14, 13, 12, 11]);
  });

  it('matches anchors, buffers and registers recomputed from seeded attention', () => {
    const heads = 3;
    const side = 8;
    const t = 1 + side * side;
    const objectAttn = randomAttention(31, heads, t);
    const deepAttn = randomAttention(32, heads, t);
    const score = (attn: Float32Array): number[] =>
      Array.from({ length: t - 1 }, (_, j) => {
        let sum = 0;
        for (let h = 0; h < heads; h++) for (let i = 0; i < t; i++) sum += attn[(h * t + i) * t + j + 1]!;
        return sum / (heads * t);
      });
    const objectScore = score(objectAttn);
    const deepScore = score(deepAttn);
    const byScore = (s: number[]) => (a: number, b: number) => s[b]! - s[a]!;
    const anchors = [...objectScore.keys()].sort(byScore(objectScore)).slice(0, 4); // round(20 * 1 / 5)
    const shallow = new Set<number>();
    for (const a of anchors) for (const n of [a, a - 1, a + 1, a - side, a + side]) shallow.add(Math.min(Math.max(n, 0), t - 2));
    const registers = [...deepScore.keys()]
      .filter((i) => !shallow.has(i))
      .sort(byScore(deepScore))
      .slice(0, 20 - shallow.size);

    const sets = hiPruneSets(objectAttn, deepAttn, heads, t, { retention: 20, alpha: 1, gridWidth: side });
    expect(sets.anchors).toEqual(anchors);
    expect(sets.buffers).toEqual([...shallow].filter((i) => !anchors.includes(i)).sort((a, b) => a - b));
    expect(sets.registers).toEqual(registers);
    expect(sets.retained).toHaveLength(20);
  });

  it('refuses a budget larger than the patch count', () => {
    expect(() => hiPruneSets(deep, deep, 1, 17, { retention: 17, gridWidth: 4 })).toThrow(/retention/);
  });
});

describe('roundHalfEven', () => {
  it('rounds halves to the even integer like Python 3 round', () => {
    expect([0.5, 1.5, 2.5, 3.5, 3.84, 2.56, 1.28].map(roundHalfEven)).toEqual([0, 2, 2, 4, 4, 3, 1]);
  });
});
