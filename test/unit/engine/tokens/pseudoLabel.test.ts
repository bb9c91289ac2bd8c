import { describe, expect, it } from 'vitest';
import { camToPseudoLabel, camToPseudoLabelThreeBand, presentClassesFromLogits } from '../../../../src/shared/pure/pseudoLabel';
import { randomTensor, seededRandom } from './reference';

// Two foreground channels over four pixels.
const cam = Float32Array.of(
  0.9,
  0.2,
  0.6,
  0.5, // channel 0 (label 1)
  0.1,
  0.3,
  0.7,
  0.4, // channel 1 (label 2)
);

describe('camToPseudoLabel (ToCo cam_to_label)', () => {
  it('labels the best present class and leaves background where the best score is at most the threshold', () => {
    const label = camToPseudoLabel(cam, 2, 1, 4, { present: [true, true], threshold: 0.5 });
    expect(Array.from(label)).toEqual([1, 0, 2, 0]);
  });

  it('never labels an absent class', () => {
    const label = camToPseudoLabel(cam, 2, 1, 4, { present: [true, false], threshold: 0.5 });
    expect(Array.from(label)).toEqual([1, 0, 1, 0]);
  });

  it('maps channels to the given class ids', () => {
    const label = camToPseudoLabel(cam, 2, 1, 4, { present: [true, true], threshold: 0.5, classIds: [15, 7] });
    expect(Array.from(label)).toEqual([15, 0, 7, 0]);
  });

  it('compares against the threshold rounded to float32, as torch does', () => {
    const atThreshold = Float32Array.of(Math.fround(0.45));
    expect(camToPseudoLabel(atThreshold, 1, 1, 1, { present: [true], threshold: 0.45 })[0]).toBe(0);
  });

  it('gives ties to the first channel', () => {
    const tie = Float32Array.of(0.8, 0.8);
    expect(camToPseudoLabel(tie, 2, 1, 1, { present: [true, true], threshold: 0.5 })[0]).toBe(1);
  });

  it('matches a plain masked argmax on a seeded CAM', () => {
    const channels = 5;
    const size = 6 * 7;
    const random = seededRandom(21);
    const values = randomTensor(random, channels * size, 0, 1);
    const present = [true, false, true, true, false];
    const label = camToPseudoLabel(values, channels, 6, 7, { present, threshold: 0.45 });
    for (let i = 0; i < size; i++) {
      let best = -Infinity;
      let bestChannel = -1;
      for (let c = 0; c < channels; c++) {
        const v = present[c] ? values[c * size + i]! : 0;
        if (v > best) {
          best = v;
          bestChannel = c;
        }
      }
      expect(label[i]).toBe(best <= Math.fround(0.45) ? 0 : bestChannel + 1);
    }
  });

  it('rejects a presence list of the wrong length', () => {
    expect(() => camToPseudoLabel(cam, 2, 1, 4, { present: [true], threshold: 0.5 })).toThrow(/present/);
  });
});

describe('camToPseudoLabelThreeBand (ToCo cam_to_label with ignore_mid)', () => {
  it('keeps the class above high, ignores (low, high] and makes background of at most low', () => {
    const scores = Float32Array.of(0.8, 0.7, 0.5, 0.3, 0.25, 0.1);
    const label = camToPseudoLabelThreeBand(scores, 1, 1, 6, { present: [true] });
    expect(Array.from(label)).toEqual([1, 255, 255, 255, 0, 0]);
  });

  it('applies the background threshold first, which matters only above high', () => {
    const scores = Float32Array.of(0.8, 0.95);
    const label = camToPseudoLabelThreeBand(scores, 1, 1, 2, { present: [true], background: 0.9 });
    expect(Array.from(label)).toEqual([0, 1]);
  });

  it('uses the requested ignore index', () => {
    const label = camToPseudoLabelThreeBand(Float32Array.of(0.5), 1, 1, 1, { present: [true], ignoreIndex: 254 });
    expect(label[0]).toBe(254);
  });
});

describe('presentClassesFromLogits', () => {
  it('treats a class as present when its logit is positive', () => {
    expect(presentClassesFromLogits(Float32Array.of(0.1, 0, -2, 3))).toEqual([true, false, false, true]);
  });
});
