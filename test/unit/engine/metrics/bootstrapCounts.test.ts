/**
 * The bootstrap's fast path (draws tallied per image, `byCounts` sums over packed counts, bulk
 * mulberry32 draws) against a plain reference written here: mulberry32 as a closure called per draw,
 * an index list per replicate, per-class sums in draw order, mIoU class by class, numpy's linear
 * percentile. Intervals must be equal bit for bit (toBe), not close: researchers replicate them.
 */
import { describe, expect, it } from 'vitest';
import { pairedBootstrap, type BootstrapInterval } from '../../../../src/main/engine/metrics/bootstrap';
import { perClassCounts, type ClassCounts } from '../../../../src/main/engine/metrics/confusion';
import {
  cumulativeIouDifferenceStatistic,
  meanDifferenceStatistic,
  semanticDifferenceStatistic,
} from '../../../../src/main/engine/metrics/datasetStatistic';
import { Mulberry32, mulberry32 } from '../../../../src/main/engine/metrics/prng';
import { randomClassSubset, randomLabelMap, testRandom } from './naive';

/** mulberry32 as it was written before the bulk draws (the tester's Python replica does the same). */
function referenceMulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** mmseg mIoU of summed counts: nanmean over the classes with a non-empty union, class order. */
function referenceMiou(tp: number[], fp: number[], fn: number[]): number | null {
  let sum = 0;
  let count = 0;
  for (let c = 0; c < tp.length; c++) {
    const union = tp[c]! + fp[c]! + fn[c]!;
    if (union > 0) {
      sum += tp[c]! / union;
      count++;
    }
  }
  return count > 0 ? sum / count : null;
}

/** Σ over the drawn images in draw order, then mIoU. */
function referenceSemantic(a: readonly ClassCounts[], b: readonly ClassCounts[]): (indices: ArrayLike<number>) => number {
  const miou = (run: readonly ClassCounts[], indices: ArrayLike<number>): number | null => {
    const C = run[0]!.tp.length;
    const [tp, fp, fn] = [0, 1, 2].map(() => new Array<number>(C).fill(0)) as [number[], number[], number[]];
    for (let k = 0; k < indices.length; k++) {
      const image = run[indices[k]!]!;
      for (let c = 0; c < C; c++) {
        tp[c] = tp[c]! + image.tp[c]!;
        fp[c] = fp[c]! + image.fp[c]!;
        fn[c] = fn[c]! + image.fn[c]!;
      }
    }
    return referenceMiou(tp, fp, fn);
  };
  return (indices) => {
    const ma = miou(a, indices);
    const mb = miou(b, indices);
    return ma === null || mb === null ? Number.NaN : mb - ma;
  };
}

function referenceReferring(a: readonly number[], b: readonly number[]): (indices: ArrayLike<number>) => number {
  const mean = (values: readonly number[], indices: ArrayLike<number>): number => {
    let sum = 0;
    for (let k = 0; k < indices.length; k++) sum += values[indices[k]!]!;
    return sum / indices.length;
  };
  return (indices) => mean(b, indices) - mean(a, indices);
}

function referenceBootstrap(
  n: number,
  statistic: (indices: ArrayLike<number>) => number,
  samples: number,
  seed: number,
): BootstrapInterval {
  const estimate = statistic(Array.from({ length: n }, (_, i) => i));
  const random = referenceMulberry32(seed);
  const replicates: number[] = [];
  for (let r = 0; r < samples; r++) {
    const indices: number[] = [];
    for (let i = 0; i < n; i++) indices.push(Math.floor(random() * n));
    const value = statistic(indices);
    if (!Number.isFinite(value)) throw new RangeError(`replicate ${r} is ${value}`);
    replicates.push(value);
  }
  replicates.sort((x, y) => x - y);
  const at = (q: number): number => {
    const position = q * (samples - 1);
    const below = Math.floor(position);
    const low = replicates[below]!;
    return low + (position - below) * (replicates[Math.min(below + 1, samples - 1)]! - low);
  };
  return { low: at(0.025), high: at(0.975), estimate };
}

function expectIdentical(actual: BootstrapInterval, expected: BootstrapInterval): void {
  expect(actual.low).toBe(expected.low);
  expect(actual.high).toBe(expected.high);
  expect(actual.estimate).toBe(expected.estimate);
}

function zeros(C: number): ClassCounts {
  return { tp: new Float64Array(C), fp: new Float64Array(C), fn: new Float64Array(C), gtPixels: new Float64Array(C) };
}

/**
 * Two runs over `images` images of C classes: label maps with ignore (255) pixels over a random class
 * subset (so classes repeat across images and some are absent from most), a run predicting a class
 * absent from the image now and then, an image with a scorable class or two in one run only, and
 * every `big`-th image with counts near 2^31 (still exact in the sums).
 */
function twoRuns(seed: number, images: number, C: number, big = 0): { a: ClassCounts[]; b: ClassCounts[] } {
  const random = testRandom(seed);
  const a: ClassCounts[] = [];
  const b: ClassCounts[] = [];
  for (let i = 0; i < images; i++) {
    if (big > 0 && i % big === 0) {
      const counts = (): ClassCounts => {
        const x = zeros(C);
        const c = Math.floor(random() * C);
        x.tp[c] = 2 ** 31 - 1001 - Math.floor(random() * 1000);
        x.fn[c] = Math.floor(random() * 1000);
        x.gtPixels[c] = x.tp[c]! + x.fn[c]!;
        x.fp[(c + 1) % C] = 2 ** 30 + Math.floor(random() * 1000);
        return x;
      };
      a.push(counts());
      b.push(counts());
      continue;
    }
    const classes = randomClassSubset(random, C);
    const gt = randomLabelMap(random, 64 + Math.floor(random() * 200), classes, 0.1);
    const predict = (keep: number): Uint8Array =>
      gt.map((g) =>
        g !== 255 && random() < keep ? g : random() < 0.8 ? classes[Math.floor(random() * classes.length)]! : Math.floor(random() * C),
      );
    a.push(perClassCounts(gt, predict(0.6), C));
    b.push(perClassCounts(gt, predict(0.7), C));
  }
  return { a, b };
}

const SEEDS = [1, 7, 42, 2024, 0xffffffff, -5];

describe('pairedBootstrap with byCounts', () => {
  for (const [images, C, big] of [
    [1, 3, 0],
    [2, 2, 0],
    [17, 5, 0],
    [60, 21, 7],
    [250, 21, 0],
  ] as const) {
    it(`gives the reference interval bit for bit: ${images} images, ${C} classes${big > 0 ? ', some counts near 2^31' : ''}`, () => {
      const { a, b } = twoRuns(images * 31 + C, images, C, big);
      const statistic = semanticDifferenceStatistic(a, b, (s) => s.miou);
      expect(statistic.byCounts).toBeDefined();
      for (const seed of SEEDS) {
        const samples = images >= 250 ? 200 : 501;
        expectIdentical(
          pairedBootstrap(a, b, statistic, { seed, samples }),
          referenceBootstrap(images, referenceSemantic(a, b), samples, seed),
        );
      }
    });
  }

  it('gives every replicate of the index form: byCounts of the tallies equals the statistic of the indices', () => {
    const { a, b } = twoRuns(5, 40, 21, 9);
    const statistic = semanticDifferenceStatistic(a, b, (s) => s.miou);
    const pixelAcc = semanticDifferenceStatistic(a, b, (s) => s.pixel_acc);
    const fwiou = semanticDifferenceStatistic(a, b, (s) => s.fwiou);
    const random = referenceMulberry32(99);
    for (let r = 0; r < 300; r++) {
      const indices = Uint32Array.from({ length: 40 }, () => Math.floor(random() * 40));
      const counts = new Float64Array(40);
      for (const i of indices) counts[i]! += 1;
      for (const s of [statistic, pixelAcc, fwiou]) expect(s.byCounts!(counts)).toBe(s(indices));
    }
  });

  it('keeps a class absent from every image, or present in one run only, out of the mean as the reference does', () => {
    const C = 6;
    const image = (tp: number[], fp: number[], fn: number[]): ClassCounts => ({
      tp: Float64Array.from(tp),
      fp: Float64Array.from(fp),
      fn: Float64Array.from(fn),
      gtPixels: Float64Array.from(tp.map((t, c) => t + fn[c]!)),
    });
    // Class 5 never appears; class 4 only as a false positive of B; class 3 in GT of image 2 only.
    const a = [
      image([9, 0, 3, 0, 0, 0], [1, 2, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0]),
      image([4, 4, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [2, 0, 0, 0, 0, 0]),
      image([1, 0, 0, 5, 0, 0], [0, 0, 0, 1, 0, 0], [0, 0, 0, 2, 0, 0]),
    ];
    const b = [
      image([10, 0, 3, 0, 0, 0], [0, 1, 0, 0, 3, 0], [0, 1, 0, 0, 0, 0]),
      image([5, 4, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]),
      image([1, 0, 0, 7, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]),
    ];
    expect(C).toBe(a[0]!.tp.length);
    const statistic = semanticDifferenceStatistic(a, b, (s) => s.miou);
    expect(statistic.byCounts).toBeDefined();
    for (const seed of SEEDS) {
      expectIdentical(pairedBootstrap(a, b, statistic, { seed, samples: 999 }), referenceBootstrap(3, referenceSemantic(a, b), 999, seed));
    }
  });

  it('throws at the same replicate as the reference when a resample has no scorable pixels', () => {
    const C = 3;
    const { a, b } = twoRuns(3, 4, C);
    // Two images entirely ignore (all counts 0): a resample of only those has no mIoU.
    const [ga, gb] = [
      [zeros(C), zeros(C), a[0]!],
      [zeros(C), zeros(C), b[0]!],
    ];
    const message = (f: () => unknown): string => {
      try {
        f();
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    const ours = message(() =>
      pairedBootstrap(
        ga,
        gb,
        semanticDifferenceStatistic(ga, gb, (s) => s.miou),
        { seed: 3, samples: 200 },
      ),
    );
    const reference = message(() => referenceBootstrap(3, referenceSemantic(ga, gb), 200, 3));
    expect(reference).toMatch(/^replicate \d+ is NaN$/);
    expect(ours).toContain(`for ${reference.replace(' is NaN', '')};`);
  });

  it('falls back to the index form, still the reference interval, for counts that are not exact integers or too large', () => {
    const { a, b } = twoRuns(11, 30, 5);
    const halves = a.map((c) => ({ ...c, tp: c.tp.map((x) => x + 0.5) }));
    const huge = a.map((c) => ({ ...c, fp: c.fp.map((x) => x * 2 ** 31) }));
    const negative = a.map((c, i) => (i === 3 ? { ...c, fn: c.fn.map((x) => -x) } : c));
    for (const runA of [halves, huge, negative]) {
      const statistic = semanticDifferenceStatistic(runA, b, (s) => s.miou);
      expect(statistic.byCounts).toBeUndefined();
      for (const seed of [1, 2024]) {
        expectIdentical(
          pairedBootstrap(runA, b, statistic, { seed, samples: 300 }),
          referenceBootstrap(30, referenceSemantic(runA, b), 300, seed),
        );
      }
    }
  });
});

describe('meanDifferenceStatistic (LISA gIoU)', () => {
  it('gives the reference interval bit for bit: sums in draw order', () => {
    for (const images of [1, 5, 333]) {
      const random = testRandom(images);
      const a = Array.from({ length: images }, () => random());
      const b = a.map((x) => (random() < 0.2 ? 1 : Math.min(1, x + 0.2 * (random() - 0.4))));
      for (const seed of SEEDS) {
        expectIdentical(
          pairedBootstrap(a, b, meanDifferenceStatistic(a, b), { seed, samples: 401 }),
          referenceBootstrap(images, referenceReferring(a, b), 401, seed),
        );
      }
    }
  });
});

describe('Mulberry32 bulk draws', () => {
  it('draw the values of the per-call generator, in order, across calls', () => {
    for (const seed of SEEDS) {
      for (const n of [1, 3, 1000, 100_003]) {
        const reference = referenceMulberry32(seed);
        const closure = mulberry32(seed);
        const generator = new Mulberry32(seed);
        for (let round = 0; round < 3; round++) {
          const expected = Uint32Array.from({ length: 257 }, () => Math.floor(reference() * n));
          const indices = new Uint32Array(257);
          // Alternate the three ways of drawing; the state carries over between them.
          if (round === 0) generator.drawIndices(indices, n);
          else if (round === 1) indices.forEach((_, i) => (indices[i] = Math.floor(generator.next() * n)));
          else {
            const counts = new Float64Array(n);
            generator.tallyDraws(counts, n, 257);
            const tally = new Float64Array(n);
            for (const i of expected) tally[i]! += 1;
            expect(counts).toEqual(tally);
            indices.set(expected);
          }
          expect(indices).toEqual(expected);
        }
        const fresh = referenceMulberry32(seed);
        for (let k = 0; k < 50; k++) expect(closure()).toBe(fresh());
      }
    }
  });
});

describe('cIoU difference statistic (LISA ΣI / ΣU), tallied and listed', () => {
  const pairs = (random: () => number, n: number, big: number) =>
    Array.from({ length: n }, () => {
      const union = Math.floor(random() * big);
      return { intersection: Math.floor(random() * (union + 1)), union };
    });
  const split = (ps: Array<{ intersection: number; union: number }>) => ({
    intersection: ps.map((p) => p.intersection),
    union: ps.map((p) => p.union),
  });

  it('gives the index form bit for bit from per-pair draw counts, and the plain ratio of sums', () => {
    const random = testRandom(99);
    for (const big of [50, 1_000_000, 2 ** 40]) {
      const a = pairs(random, 37, big);
      const b = pairs(random, 37, big);
      const statistic = cumulativeIouDifferenceStatistic(split(a), split(b));
      const next = referenceMulberry32(5);
      for (let r = 0; r < 200; r++) {
        const indices = Uint32Array.from({ length: 37 }, () => Math.floor(next() * 37));
        const counts = new Float64Array(37);
        for (const i of indices) counts[i]! += 1;
        let [ia, ua, ib, ub] = [0, 0, 0, 0];
        for (const i of indices) {
          ia += a[i]!.intersection;
          ua += a[i]!.union;
          ib += b[i]!.intersection;
          ub += b[i]!.union;
        }
        const reference = ib / ub - ia / ua;
        expect(statistic(indices)).toBe(reference);
        expect(statistic.byCounts!(counts)).toBe(reference);
      }
    }
  });

  it('refuses a draw with no union in a run (cIoU 0/0), and counts it cannot sum exactly', () => {
    const statistic = cumulativeIouDifferenceStatistic({ intersection: [0, 3], union: [0, 4] }, { intersection: [1, 3], union: [2, 4] });
    expect(() => statistic(Uint32Array.from([0, 0]))).toThrow(/empty target and an empty prediction in a run/);
    expect(() => statistic.byCounts!(Float64Array.from([2, 0]))).toThrow(/empty target and an empty prediction in a run/);
    expect(statistic(Uint32Array.from([1, 0]))).toBe(4 / 6 - 3 / 4);
    expect(() => cumulativeIouDifferenceStatistic({ intersection: [0.5], union: [1] }, { intersection: [0], union: [1] })).toThrow(
      /not a pixel count/,
    );
    expect(() =>
      cumulativeIouDifferenceStatistic({ intersection: [0, 0], union: [2 ** 52, 1] }, { intersection: [0, 0], union: [1, 1] }),
    ).toThrow(/too many to resample exactly/);
    expect(() => cumulativeIouDifferenceStatistic({ intersection: [0], union: [1] }, { intersection: [0, 0], union: [1, 1] })).toThrow(
      /paired/,
    );
  });
});
