import { describe, expect, it } from 'vitest';
import {
  accumulateConfusion,
  camThresholdSweep,
  defaultCamThresholds,
  pseudoLabelFromCam,
  type CamItem,
} from '../../../../src/main/engine/metrics';
import { semanticScoresFromConfusion } from '../../../../src/main/engine/metrics/semantic';
import { expectClose, naiveCounts, naivePseudoLabel, naiveSemantic, randomClassSubset, randomLabelMap, testRandom } from './naive';

/** The float32 next to fround(x), one step up (+1) or down (-1). */
function float32Step(x: number, direction: 1 | -1): number {
  const f = new Float32Array([x]);
  const bits = new Int32Array(f.buffer);
  if (f[0] === 0) return direction * 1e-45;
  bits[0] = bits[0]! + (f[0]! > 0 ? direction : -direction);
  return f[0]!;
}

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

  it('refuses a NaN threshold (no pixel could be compared with it)', () => {
    expect(() => camThresholdSweep([], 21, [0.1, NaN])).toThrow('threshold 1 of the sweep is NaN');
  });

  it('refuses a key outside the class range', () => {
    const item = { cam: Float32Array.of(0.7), keys: [30], gt: Uint8Array.of(1), height: 1, width: 1 };
    expect(() => camThresholdSweep([item], 21)).toThrow(/key 30/);
  });

  it('counts exactly what a pseudo label per threshold counts: ties at the thresholds, unsorted and repeated thresholds, no channels, infinities', () => {
    const random = testRandom(29);
    const numClasses = 21;
    for (let round = 0; round < 12; round++) {
      const thresholds =
        round % 3 === 0
          ? defaultCamThresholds()
          : Array.from(
              { length: 1 + Math.floor(random() * 9) },
              () => [0, 0.05, 0.3, 0.5, 0.7, 0.95, 1, -0.5, 1e-40, 0.1234567][Math.floor(random() * 10)]!,
            );
      const items = Array.from({ length: 4 }, () => {
        const height = 1 + Math.floor(random() * 9);
        const width = 1 + Math.floor(random() * 9);
        const item =
          round % 4 === 3 && random() < 0.5
            ? { ...randomCamItem(random, numClasses, height, width), keys: [], cam: new Float32Array(0) }
            : randomCamItem(random, numClasses, height, width);
        // Scores exactly at a threshold (as float32), one float32 step either side of it, infinities,
        // zeros of both signs, negatives and subnormals.
        for (let i = 0; i < item.cam.length; i++) {
          const r = random();
          const t = thresholds[Math.floor(random() * thresholds.length)]!;
          if (r < 0.25) item.cam[i] = t;
          else if (r < 0.4) item.cam[i] = float32Step(t, random() < 0.5 ? 1 : -1);
          else if (r < 0.43) item.cam[i] = random() < 0.5 ? Infinity : -Infinity;
          else if (r < 0.46) item.cam[i] = [0, -0, -0.25, 1e-45, -1e-45, 3.4e38][Math.floor(random() * 6)]!;
        }
        return item;
      });
      // The way before: a pseudo label and a confusion matrix per threshold.
      const expected = thresholds.map((t) => {
        const matrix = new Float64Array(numClasses * numClasses);
        for (const item of items)
          accumulateConfusion(matrix, numClasses, item.gt, pseudoLabelFromCam(item.cam, item.keys, item.height, item.width, t));
        return semanticScoresFromConfusion(matrix, numClasses).miou_gt_classes;
      });
      const sweep = camThresholdSweep(items, numClasses, thresholds);
      expect(sweep.thresholds).toEqual(thresholds);
      expect(sweep.miou).toEqual(expected); // the same counts, so the same doubles
    }
  });

  it('names a ground-truth value outside the classes and its pixel', () => {
    const item = { cam: Float32Array.of(0.7, 0.2, 0.4), keys: [1], gt: Uint8Array.of(1, 255, 7), height: 1, width: 3 };
    expect(() => camThresholdSweep([item], 3)).toThrow(
      'ground-truth value 7 at pixel 2 is neither a class in [0, 3) nor the ignore value 255',
    );
  });

  it('names the channel, class and pixel of a NaN score, in the first channel or a later one', () => {
    const gt = Uint8Array.of(0, 0, 0);
    const first = { cam: Float32Array.of(0.1, NaN, 0.2, 0.3, 0.3, 0.3), keys: [2, 5], gt, height: 1, width: 3 };
    expect(() => camThresholdSweep([first], 6)).toThrow('CAM channel 0 (class 2) has NaN at pixel 1');
    const later = { cam: Float32Array.of(0.1, 0.9, 0.2, 0.3, 0.3, NaN), keys: [2, 5], gt, height: 1, width: 3 };
    expect(() => camThresholdSweep([later], 6)).toThrow('CAM channel 1 (class 5) has NaN at pixel 2');
  });

  it('gives the same counts with more thresholds than its lookup table holds (binary search for every pixel)', () => {
    const random = testRandom(41);
    const thresholds = Array.from({ length: 300 }, (_, i) => i / 299);
    const items = Array.from({ length: 3 }, () => randomCamItem(random, 21, 7, 9));
    const expected = thresholds.map((t) => {
      const matrix = new Float64Array(21 * 21);
      for (const item of items)
        accumulateConfusion(matrix, 21, item.gt, pseudoLabelFromCam(item.cam, item.keys, item.height, item.width, t));
      return semanticScoresFromConfusion(matrix, 21).miou_gt_classes;
    });
    expect(camThresholdSweep(items, 21, thresholds).miou).toEqual(expected);
  });
});
