import { describe, expect, it } from 'vitest';
import { camThresholdSweep, defaultCamThresholds, pseudoLabelFromCam, type CamItem } from '../../../../src/main/engine/metrics';
import { expectClose, naiveCounts, naivePseudoLabel, naiveSemantic, randomClassSubset, randomLabelMap, testRandom } from './naive';

function randomCamItem(random: () => number, numClasses: number, height: number, width: number): CamItem {
  const keys = randomClassSubset(random, numClasses).filter((c) => c !== 0);
  const cam = Float32Array.from({ length: keys.length * height * width }, () => random());
  const gt = randomLabelMap(random, height * width, [0, ...keys], 0.05);
  return { cam, keys, gt, height, width };
}

describe('defaultCamThresholds', () => {
  it('is 0.00 to 0.95 in steps of 0.05, each exactly the decimal it names', () => {
    const expected = [
      '0',
      '0.05',
      '0.1',
      '0.15',
      '0.2',
      '0.25',
      '0.3',
      '0.35',
      '0.4',
      '0.45',
      '0.5',
      '0.55',
      '0.6',
      '0.65',
      '0.7',
      '0.75',
      '0.8',
      '0.85',
      '0.9',
      '0.95',
    ];
    expect(defaultCamThresholds().map(String)).toEqual(expected);
  });
});

describe('pseudoLabelFromCam', () => {
  it('agrees with a per-pixel argmax and background threshold on random CAMs', () => {
    const random = testRandom(3);
    for (let k = 0; k < 5; k++) {
      const item = randomCamItem(random, 21, 13, 17);
      for (const t of [0, 0.3, 0.55, 0.95]) {
        expect(pseudoLabelFromCam(item.cam, item.keys, 13, 17, t)).toEqual(naivePseudoLabel(item.cam, item.keys, 13 * 17, t));
      }
    }
  });

  it('labels background where the highest score is at or below the threshold, else the argmax class', () => {
    // Two channels (classes 5 and 9) over 4 pixels.
    const cam = Float32Array.of(0.2, 0.6, 0.3, 0.4, /* class 9 */ 0.1, 0.7, 0.5, 0.4);
    expect(Array.from(pseudoLabelFromCam(cam, [5, 9], 2, 2, 0.4))).toEqual([0, 9, 9, 0]);
  });

  it('gives ties to the first channel, as torch.max and np.argmax do', () => {
    const cam = Float32Array.of(0.8, 0.8);
    expect(Array.from(pseudoLabelFromCam(cam, [3, 4], 1, 1, 0.5))).toEqual([3]);
  });

  it('compares in float32 like torch, so a score of exactly float32(0.05) is background at 0.05', () => {
    const cam = Float32Array.of(0.05); // stored as 0.0500000007..., above the double 0.05
    expect(Array.from(pseudoLabelFromCam(cam, [1], 1, 1, 0.05))).toEqual([0]);
  });

  it('labels everything background when no class is present', () => {
    expect(Array.from(pseudoLabelFromCam(new Float32Array(0), [], 2, 3, 0))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('refuses a CAM whose size does not match its keys and shape, and a background key', () => {
    expect(() => pseudoLabelFromCam(new Float32Array(5), [1], 2, 2, 0.5)).toThrow(/expected 1 classes x 2 x 2/);
    expect(() => pseudoLabelFromCam(new Float32Array(4), [0], 2, 2, 0.5)).toThrow(/key 0/);
  });
});

describe('camThresholdSweep', () => {
  it('agrees at every threshold with the GT-class mIoU of naive pseudo labels', () => {
    const random = testRandom(17);
    const items = Array.from({ length: 6 }, () => randomCamItem(random, 21, 9, 11));
    const sweep = camThresholdSweep(items, 21);
    expect(sweep.thresholds).toEqual(defaultCamThresholds());
    sweep.thresholds.forEach((t, i) => {
      const labels = items.map((item) => naivePseudoLabel(item.cam, item.keys, item.height * item.width, t));
      const expected = naiveSemantic(
        naiveCounts(
          items.map((item) => item.gt),
          labels,
          21,
        ),
      ).miou_gt_classes;
      expectClose(sweep.miou[i]!, expected, `miou at ${t}`);
    });
  });

  it('picks the threshold that separates a constructed object from its background', () => {
    // Object pixels score 0.5..0.9, background 0.0..0.45: only t = 0.45 labels both perfectly
    // (0.45 <= 0.45 is background, 0.5 > 0.45 is object); at 0.5 the 0.5 pixel turns background.
    const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.3, 0.2, 0.1, 0];
    const gt = Uint8Array.of(1, 1, 1, 1, 1, 0, 0, 0, 0, 0);
    const sweep = camThresholdSweep([{ cam: Float32Array.from(scores), keys: [1], gt, height: 1, width: 10 }], 2);
    expect(sweep.best).toEqual({ threshold: 0.45, miou: 1 });
    expect(sweep.miou.filter((m) => m === 1)).toHaveLength(1);
    // At 0.5: class 0 IoU 5/6, class 1 IoU 4/5.
    expectClose(sweep.miou[10]!, (5 / 6 + 4 / 5) / 2, 'miou at 0.5');
  });

  it('uses the thresholds it is given', () => {
    const item = { cam: Float32Array.of(0.7, 0.2), keys: [1], gt: Uint8Array.of(1, 0), height: 1, width: 2 };
    const sweep = camThresholdSweep([item], 2, [0.1, 0.5, 0.8]);
    expect(sweep.thresholds).toEqual([0.1, 0.5, 0.8]);
    expect(sweep.miou).toEqual([(0 + 1 / 2) / 2, 1, 1 / 2 / 2]);
    expect(sweep.best).toEqual({ threshold: 0.5, miou: 1 });
  });

  it('reports null mIoU and no best threshold when nothing can be scored', () => {
    const sweep = camThresholdSweep([], 21);
    expect(sweep.miou.every((m) => m === null)).toBe(true);
    expect(sweep.best).toEqual({ threshold: null, miou: null });
  });

  it('refuses a key outside the class range', () => {
    const item = { cam: Float32Array.of(0.7), keys: [30], gt: Uint8Array.of(1), height: 1, width: 1 };
    expect(() => camThresholdSweep([item], 21)).toThrow(/key 30/);
  });
});
