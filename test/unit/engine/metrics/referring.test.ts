import { describe, expect, it } from 'vitest';
import { referringPair, referringScores } from '../../../../src/main/engine/metrics';
import { expectClose, naivePair, randomLabelMap, testRandom } from './naive';

describe('referringPair', () => {
  it('agrees with a per-pixel count of foreground intersection and union, GT 255 dropped', () => {
    const random = testRandom(21);
    for (let k = 0; k < 20; k++) {
      const gt = randomLabelMap(random, 700, [0, 1], 0.1);
      const pred = randomLabelMap(random, 700, [0, 1, 255], 0);
      expect(referringPair(gt, pred)).toEqual(naivePair(gt, pred));
    }
  });

  it('ignores predicted foreground where the GT is 255', () => {
    expect(referringPair(Uint8Array.of(255, 255, 1, 0), Uint8Array.of(1, 1, 1, 0))).toEqual({
      intersection: 1,
      union: 1,
    });
  });

  it('gives zero intersection and union for an empty target and an empty prediction', () => {
    expect(referringPair(new Uint8Array(9), new Uint8Array(9))).toEqual({ intersection: 0, union: 0 });
  });

  it('refuses masks of different sizes', () => {
    expect(() => referringPair(new Uint8Array(3), new Uint8Array(4))).toThrow(RangeError);
  });
});

describe('referringScores', () => {
  it('agrees with giou, ciou and precision written out on random pairs', () => {
    const random = testRandom(5);
    const pairs = Array.from({ length: 200 }, () => {
      const union = Math.floor(random() * 50);
      return { intersection: Math.floor(random() * (union + 1)), union };
    });
    const ious = pairs.map((p) => (p.union === 0 ? 1 : p.intersection / p.union));
    const sumI = pairs.reduce((s, p) => s + p.intersection, 0);
    const sumU = pairs.reduce((s, p) => s + p.union, 0);
    const scores = referringScores(pairs);
    expect(scores.pairs).toBe(200);
    expectClose(scores.giou, ious.reduce((s, v) => s + v, 0) / ious.length, 'giou');
    expectClose(scores.ciou, sumI / sumU, 'ciou');
    for (const t of ['0.5', '0.6', '0.7', '0.8', '0.9'] as const) {
      expectClose(scores.precision[t], ious.filter((v) => v >= Number(t)).length / ious.length, `precision@${t}`);
    }
  });

  it('scores an empty prediction on an empty target as IoU 1.0', () => {
    const scores = referringScores([{ intersection: 0, union: 0 }]);
    expect(scores.giou).toBe(1);
    expect(scores.precision).toEqual({ '0.5': 1, '0.6': 1, '0.7': 1, '0.8': 1, '0.9': 1 });
  });

  it('reports ciou as null when every pair is empty on empty, where LISA would print 0', () => {
    const scores = referringScores([
      { intersection: 0, union: 0 },
      { intersection: 0, union: 0 },
    ]);
    expect(scores).toMatchObject({ giou: 1, ciou: null, pairs: 2 });
  });

  it('lets empty pairs count in giou but add nothing to ciou', () => {
    const scores = referringScores([
      { intersection: 0, union: 0 },
      { intersection: 1, union: 4 },
    ]);
    expect(scores.giou).toBe((1 + 1 / 4) / 2);
    expect(scores.ciou).toBe(1 / 4);
  });

  it('counts a pair whose IoU equals a threshold as reaching it', () => {
    const scores = referringScores([
      { intersection: 1, union: 2 },
      { intersection: 7, union: 10 },
    ]);
    expect(scores.precision).toEqual({ '0.5': 1, '0.6': 0.5, '0.7': 0.5, '0.8': 0, '0.9': 0 });
  });

  it('returns null scores and zero pairs for an empty list', () => {
    expect(referringScores([])).toEqual({
      giou: null,
      ciou: null,
      pairs: 0,
      precision: { '0.5': null, '0.6': null, '0.7': null, '0.8': null, '0.9': null },
    });
  });

  it('refuses a pair whose intersection exceeds its union', () => {
    expect(() => referringScores([{ intersection: 3, union: 2 }])).toThrow(/pair 0/);
  });
});
