import { describe, expect, it } from 'vitest';
import {
  accumulateConfusion,
  perClassCounts,
  semanticScores,
  semanticScoresFromConfusion,
  type SemanticScores,
} from '../../../../src/main/engine/metrics';
import { expectClose, naiveCounts, naiveSemantic, randomClassSubset, randomLabelMap, testRandom, type NaiveSemantic } from './naive';

function expectAgrees(actual: SemanticScores, expected: NaiveSemantic): void {
  expectClose(actual.miou, expected.miou, 'miou');
  expectClose(actual.miou_gt_classes, expected.miou_gt_classes, 'miou_gt_classes');
  expectClose(actual.pixel_acc, expected.pixel_acc, 'pixel_acc');
  expectClose(actual.mean_acc, expected.mean_acc, 'mean_acc');
  expectClose(actual.fwiou, expected.fwiou, 'fwiou');
  expect(actual.per_class.map((row) => row.id)).toEqual(expected.iou.map((_, c) => c));
  actual.per_class.forEach((row, c) => {
    expectClose(row.iou, expected.iou[c]!, `iou[${c}]`);
    expectClose(row.acc, expected.acc[c]!, `acc[${c}]`);
  });
}

/** Scores of a dataset given as label maps, through the confusion matrix. */
function scoreMaps(gts: Uint8Array[], preds: Uint8Array[], numClasses: number): SemanticScores {
  const matrix = new Float64Array(numClasses * numClasses);
  gts.forEach((gt, k) => accumulateConfusion(matrix, numClasses, gt, preds[k]!));
  return semanticScoresFromConfusion(matrix, numClasses);
}

describe('semanticScores', () => {
  it.each([1, 2, 3, 4, 5])('agrees with a per-pixel re-computation on random label maps (seed %i)', (seed) => {
    const C = 21;
    const random = testRandom(seed);
    const gts: Uint8Array[] = [];
    const preds: Uint8Array[] = [];
    for (let k = 0; k < 8; k++) {
      gts.push(randomLabelMap(random, 1500, randomClassSubset(random, C), 0.05));
      preds.push(randomLabelMap(random, 1500, randomClassSubset(random, C), 0));
    }
    const expected = naiveSemantic(naiveCounts(gts, preds, C));
    expectAgrees(scoreMaps(gts, preds, C), expected);
  });

  it('gives the same scores from summed per-image counts as from the confusion matrix', () => {
    const C = 6;
    const random = testRandom(99);
    const gts = [0, 1, 2].map(() => randomLabelMap(random, 800, [0, 1, 2, 4], 0.1));
    const preds = [0, 1, 2].map(() => randomLabelMap(random, 800, [0, 1, 3, 4], 0));
    const tp = new Float64Array(C);
    const fp = new Float64Array(C);
    const fn = new Float64Array(C);
    const gtPixels = new Float64Array(C);
    gts.forEach((gt, k) => {
      const counts = perClassCounts(gt, preds[k]!, C);
      for (let c = 0; c < C; c++) {
        tp[c] = tp[c]! + counts.tp[c]!;
        fp[c] = fp[c]! + counts.fp[c]!;
        fn[c] = fn[c]! + counts.fn[c]!;
        gtPixels[c] = gtPixels[c]! + counts.gtPixels[c]!;
      }
    });
    expect(semanticScores(tp, fp, fn, gtPixels)).toEqual(scoreMaps(gts, preds, C));
  });

  it('leaves classes absent from both GT and prediction out of every mean, with null IoU and accuracy', () => {
    // C = 4; classes 2 and 3 appear nowhere. GT [0,0,1,1], pred [0,1,1,1].
    const scores = scoreMaps([Uint8Array.of(0, 0, 1, 1)], [Uint8Array.of(0, 1, 1, 1)], 4);
    // IoU_0 = 1/(1+0+1) = 1/2, IoU_1 = 2/(2+1+0) = 2/3.
    expect(scores.per_class).toEqual([
      { id: 0, iou: 1 / 2, acc: 1 / 2 },
      { id: 1, iou: 2 / 3, acc: 1 },
      { id: 2, iou: null, acc: null },
      { id: 3, iou: null, acc: null },
    ]);
    expectClose(scores.miou, (1 / 2 + 2 / 3) / 2, 'miou');
    expectClose(scores.miou_gt_classes, (1 / 2 + 2 / 3) / 2, 'miou_gt_classes');
    expectClose(scores.mean_acc, (1 / 2 + 1) / 2, 'mean_acc');
  });

  it('counts a class predicted but absent from GT in miou (IoU 0) but not in miou_gt_classes', () => {
    // GT [0,0,0,1,1,1], pred [0,0,2,1,1,2]: class 2 is only predicted.
    const scores = scoreMaps([Uint8Array.of(0, 0, 0, 1, 1, 1)], [Uint8Array.of(0, 0, 2, 1, 1, 2)], 3);
    // IoU_0 = 2/3, IoU_1 = 2/3, IoU_2 = 0/(0+2+0) = 0.
    expect(scores.per_class.map((row) => row.iou)).toEqual([2 / 3, 2 / 3, 0]);
    expectClose(scores.miou, (2 / 3 + 2 / 3 + 0) / 3, 'miou'); // 4/9, mmseg
    expectClose(scores.miou_gt_classes, (2 / 3 + 2 / 3) / 2, 'miou_gt_classes'); // 2/3, ToCo
    expect(scores.per_class[2]!.acc).toBeNull();
    expectClose(scores.pixel_acc, 4 / 6, 'pixel_acc');
    expectClose(scores.mean_acc, (2 / 3 + 2 / 3) / 2, 'mean_acc');
  });

  it('weights fwiou by each class share of the non-ignored GT pixels', () => {
    // GT [0,0,0,1,255], pred [0,0,1,1,0]: 4 scored pixels, GT shares 3/4 and 1/4.
    const scores = scoreMaps([Uint8Array.of(0, 0, 0, 1, 255)], [Uint8Array.of(0, 0, 1, 1, 0)], 2);
    // IoU_0 = 2/3, IoU_1 = 1/2; fwiou = 3/4 * 2/3 + 1/4 * 1/2 = 5/8.
    expectClose(scores.fwiou, 5 / 8, 'fwiou');
    expectClose(scores.pixel_acc, 3 / 4, 'pixel_acc');
  });

  it('reports every score as null, never NaN, when all pixels are ignored', () => {
    const scores = scoreMaps([new Uint8Array(20).fill(255)], [new Uint8Array(20).fill(1)], 3);
    expect(scores).toEqual({
      miou: null,
      miou_gt_classes: null,
      pixel_acc: null,
      mean_acc: null,
      fwiou: null,
      per_class: [0, 1, 2].map((id) => ({ id, iou: null, acc: null })),
    });
  });

  it('refuses per-class count arrays of different lengths', () => {
    expect(() => semanticScores(new Float64Array(3), new Float64Array(3), new Float64Array(2), new Float64Array(3))).toThrow(RangeError);
  });
});
