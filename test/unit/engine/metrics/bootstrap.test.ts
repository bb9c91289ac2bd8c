import { describe, expect, it } from 'vitest';
import {
  mulberry32,
  pairedBootstrap,
  pairedDifferences,
  perClassCounts,
  scoresOfSum,
  semanticDifferenceStatistic,
  type ClassCounts,
} from '../../../../src/main/engine/metrics';
import { expectClose, naiveCounts, naiveSemantic, randomLabelMap, testRandom } from './naive';

const C = 5;

/** Two runs over the same images: B predicts each pixel right more often than A. */
function twoRuns(seed: number, images: number): { gts: Uint8Array[]; a: Uint8Array[]; b: Uint8Array[] } {
  const random = testRandom(seed);
  const gts = Array.from({ length: images }, () => randomLabelMap(random, 400, [0, 1, 2, 3, 4], 0.05));
  const noisy = (gt: Uint8Array, keep: number): Uint8Array => gt.map((g) => (random() < keep && g !== 255 ? g : Math.floor(random() * C)));
  return { gts, a: gts.map((gt) => noisy(gt, 0.5)), b: gts.map((gt) => noisy(gt, 0.7)) };
}

function countsOf(gts: Uint8Array[], preds: Uint8Array[]): ClassCounts[] {
  return gts.map((gt, k) => perClassCounts(gt, preds[k]!, C));
}

describe('pairedBootstrap', () => {
  const { gts, a, b } = twoRuns(8, 40);
  const countsA = countsOf(gts, a);
  const countsB = countsOf(gts, b);
  const statistic = semanticDifferenceStatistic(countsA, countsB, (s) => s.miou);

  it('gives the same interval for the same seed and a different one for another seed', () => {
    const first = pairedBootstrap(countsA, countsB, statistic, { samples: 300, seed: 42 });
    const again = pairedBootstrap(countsA, countsB, statistic, { samples: 300, seed: 42 });
    const other = pairedBootstrap(countsA, countsB, statistic, { samples: 300, seed: 43 });
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    expect(other.estimate).toBe(first.estimate);
  });

  it('estimates the mIoU difference of the whole dataset and brackets it with its 95% interval', () => {
    const interval = pairedBootstrap(countsA, countsB, statistic, { samples: 500, seed: 1 });
    const expected = naiveSemantic(naiveCounts(gts, b, C)).miou! - naiveSemantic(naiveCounts(gts, a, C)).miou!;
    expectClose(interval.estimate, expected, 'estimate');
    expect(interval.low).toBeLessThanOrEqual(interval.estimate);
    expect(interval.high).toBeGreaterThanOrEqual(interval.estimate);
    expect(interval.low).toBeGreaterThan(0); // B is clearly better on these runs
  });

  it('collapses the interval to the difference when every resample gives the same value', () => {
    const interval = pairedBootstrap([1, 2, 3], [1.5, 2.5, 3.5], () => 0.5, { seed: 3 });
    expect(interval).toEqual({ low: 0.5, high: 0.5, estimate: 0.5 });
  });

  it('takes the 2.5th and 97.5th percentiles of the replicates with linear interpolation', () => {
    // The statistic returns 0, 1, 2, ... in call order; the first call is the estimate.
    let calls = 0;
    const interval = pairedBootstrap([0], [0], () => calls++, { samples: 101, seed: 0 });
    // Replicates 1..101 sorted; positions 0.025*100 = 2.5 and 97.5 -> 3.5 and 98.5.
    expect(interval).toEqual({ low: 3.5, high: 98.5, estimate: 0 });
  });

  it('resamples images with replacement, as a pair for both runs', () => {
    const seen: number[][] = [];
    pairedBootstrap([0, 0, 0, 0], [0, 0, 0, 0], (indices) => (seen.push(Array.from(indices)), 0), {
      samples: 50,
      seed: 9,
    });
    expect(seen[0]).toEqual([0, 1, 2, 3]);
    const resamples = seen.slice(1);
    expect(resamples.every((r) => r.length === 4 && r.every((i) => i >= 0 && i < 4))).toBe(true);
    expect(resamples.some((r) => new Set(r).size < 4)).toBe(true);
  });

  it('refuses runs of different lengths, no images, and a non-finite statistic', () => {
    expect(() => pairedBootstrap([1], [1, 2], () => 0, { seed: 1 })).toThrow(RangeError);
    expect(() => pairedBootstrap([], [], () => 0, { seed: 1 })).toThrow(RangeError);
    expect(() => pairedBootstrap([1], [1], () => Number.NaN, { seed: 1 })).toThrow(/estimate/);
  });
});

describe('semanticDifferenceStatistic', () => {
  it('counts an image drawn twice twice, like scoring a dataset that holds it twice', () => {
    const { gts, a } = twoRuns(4, 3);
    const counts = countsOf(gts, a);
    const doubled = naiveSemantic(naiveCounts([gts[0]!, gts[0]!, gts[2]!], [a[0]!, a[0]!, a[2]!], C));
    expectClose(scoresOfSum(counts, Uint32Array.of(0, 0, 2)).miou, doubled.miou, 'miou');
  });
});

describe('pairedDifferences', () => {
  it('counts per-image wins, ties and losses of B against A and their mean difference', () => {
    const random = testRandom(12);
    const a = Array.from({ length: 60 }, () => Math.round(random() * 10) / 10);
    const b = a.map((v, i) => (i % 3 === 0 ? v : Math.round(random() * 10) / 10));
    const diffs = a.map((v, i) => b[i]! - v);
    const result = pairedDifferences(a, b);
    expect(result.wins).toBe(diffs.filter((d) => d > 0).length);
    expect(result.losses).toBe(diffs.filter((d) => d < 0).length);
    expect(result.ties).toBe(diffs.filter((d) => d === 0).length);
    expectClose(result.meanDiff, diffs.reduce((s, d) => s + d, 0) / diffs.length, 'meanDiff');
  });

  it('treats differences within the tie tolerance as ties', () => {
    expect(pairedDifferences([0.5, 0.5, 0.5], [0.505, 0.6, 0.3], 0.01)).toMatchObject({ wins: 1, ties: 1, losses: 1 });
  });

  it('returns a null mean difference for no images and refuses unpaired lists', () => {
    expect(pairedDifferences([], [])).toEqual({ wins: 0, ties: 0, losses: 0, meanDiff: null });
    expect(() => pairedDifferences([1], [])).toThrow(RangeError);
  });
});

describe('mulberry32', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const first = mulberry32(2024);
    const second = mulberry32(2024);
    const values = Array.from({ length: 1000 }, () => first());
    expect(Array.from({ length: 1000 }, () => second())).toEqual(values);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
  });
});
