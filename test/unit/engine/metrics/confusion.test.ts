import { describe, expect, it } from 'vitest';
import { accumulateConfusion, countsFromConfusion, perClassCounts } from '../../../../src/main/engine/metrics';
import { naiveCounts, naiveMatrix, randomClassSubset, randomLabelMap, testRandom } from './naive';

const C = 21;

function randomImages(seed: number, count: number, pixels: number): { gts: Uint8Array[]; preds: Uint8Array[] } {
  const random = testRandom(seed);
  const gts: Uint8Array[] = [];
  const preds: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    gts.push(randomLabelMap(random, pixels, randomClassSubset(random, C), 0.1));
    preds.push(randomLabelMap(random, pixels, randomClassSubset(random, C), 0));
  }
  return { gts, preds };
}

describe('accumulateConfusion', () => {
  it('counts every non-ignored pixel in row GT, column prediction, summed over images', () => {
    const { gts, preds } = randomImages(7, 12, 997);
    const matrix = new Float64Array(C * C);
    gts.forEach((gt, k) => accumulateConfusion(matrix, C, gt, preds[k]!));
    const expected = naiveMatrix(gts, preds, C);
    expect(Array.from(matrix)).toEqual(expected.flat());
  });

  it('skips pixels whose ground truth is 255, whatever they predict', () => {
    const matrix = new Float64Array(4);
    accumulateConfusion(matrix, 2, Uint8Array.of(255, 255, 1, 0), Uint8Array.of(1, 0, 1, 1));
    expect(Array.from(matrix)).toEqual([0, 1, 0, 1]);
  });

  it('leaves the matrix at zero for an all-ignore image', () => {
    const matrix = new Float64Array(9);
    accumulateConfusion(matrix, 3, new Uint8Array(50).fill(255), new Uint8Array(50).fill(2));
    expect(Array.from(matrix)).toEqual(new Array<number>(9).fill(0));
  });

  it('throws a RangeError naming a prediction value outside [0, C)', () => {
    const matrix = new Float64Array(C * C);
    const gt = new Uint8Array(10);
    const pred = new Uint8Array(10);
    pred[6] = 21;
    expect(() => accumulateConfusion(matrix, C, gt, pred)).toThrow(RangeError);
    expect(() => accumulateConfusion(matrix, C, gt, pred)).toThrow(/prediction value 21 at pixel 6/);
  });

  it('rejects an out-of-range prediction even where the ground truth is 255', () => {
    const matrix = new Float64Array(C * C);
    expect(() => accumulateConfusion(matrix, C, Uint8Array.of(0, 255), Uint8Array.of(0, 255))).toThrow(/prediction value 255 at pixel 1/);
  });

  it('names the first bad pixel wherever it falls, including the last pixel of an odd-length map', () => {
    const matrix = new Float64Array(C * C);
    expect(() => accumulateConfusion(matrix, C, Uint8Array.of(0, 0, 0), Uint8Array.of(0, 0, 30))).toThrow(/prediction value 30 at pixel 2/);
    expect(() => accumulateConfusion(matrix, C, Uint8Array.of(0, 0, 99), Uint8Array.of(0, 0, 0))).toThrow(
      /ground-truth value 99 at pixel 2/,
    );
    expect(() => accumulateConfusion(matrix, C, Uint8Array.of(50, 0), Uint8Array.of(0, 60))).toThrow(/ground-truth value 50 at pixel 0/);
  });

  it('leaves the matrix unchanged when an image is rejected', () => {
    const matrix = new Float64Array(4).fill(7);
    expect(() => accumulateConfusion(matrix, 2, Uint8Array.of(0, 1, 1, 0, 1), Uint8Array.of(0, 1, 1, 0, 2))).toThrow(RangeError);
    expect(Array.from(matrix)).toEqual([7, 7, 7, 7]);
  });

  it('throws a RangeError naming a ground-truth value that is neither a class nor 255', () => {
    const matrix = new Float64Array(C * C);
    expect(() => accumulateConfusion(matrix, C, Uint8Array.of(3, 40), Uint8Array.of(3, 3))).toThrow(/ground-truth value 40 at pixel 1/);
  });

  it('refuses maps of different sizes and a matrix of the wrong size', () => {
    expect(() => accumulateConfusion(new Float64Array(C * C), C, new Uint8Array(4), new Uint8Array(5))).toThrow(RangeError);
    expect(() => accumulateConfusion(new Float64Array(10), C, new Uint8Array(4), new Uint8Array(4))).toThrow(RangeError);
    expect(() => accumulateConfusion(new Float64Array(0), 0, new Uint8Array(0), new Uint8Array(0))).toThrow(RangeError);
  });
});

describe('perClassCounts', () => {
  it('gives one image TP, FP, FN and GT pixels per class equal to a per-pixel count', () => {
    const { gts, preds } = randomImages(11, 1, 4001);
    const counts = perClassCounts(gts[0]!, preds[0]!, C);
    const expected = naiveCounts(gts, preds, C);
    expect(Array.from(counts.tp)).toEqual(expected.tp);
    expect(Array.from(counts.fp)).toEqual(expected.fp);
    expect(Array.from(counts.fn)).toEqual(expected.fn);
    expect(Array.from(counts.gtPixels)).toEqual(expected.gt);
  });

  it('sums over images to the counts of the dataset confusion matrix, so a subset score is a SUM', () => {
    const { gts, preds } = randomImages(12, 9, 523);
    const summed = {
      tp: new Array<number>(C).fill(0),
      fp: new Array<number>(C).fill(0),
      fn: new Array<number>(C).fill(0),
    };
    const matrix = new Float64Array(C * C);
    gts.forEach((gt, k) => {
      const counts = perClassCounts(gt, preds[k]!, C);
      for (let c = 0; c < C; c++) {
        summed.tp[c]! += counts.tp[c]!;
        summed.fp[c]! += counts.fp[c]!;
        summed.fn[c]! += counts.fn[c]!;
      }
      accumulateConfusion(matrix, C, gt, preds[k]!);
    });
    const whole = countsFromConfusion(matrix, C);
    expect(Array.from(whole.tp)).toEqual(summed.tp);
    expect(Array.from(whole.fp)).toEqual(summed.fp);
    expect(Array.from(whole.fn)).toEqual(summed.fn);
  });
});
