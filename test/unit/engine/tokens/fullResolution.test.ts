import { describe, expect, it } from 'vitest';
import {
  centreCropPadding,
  fullResolutionMap,
  fullResolutionSampler,
  minMaxNormalize,
} from '../../../../src/main/engine/tokens/fullResolution';
import { maxAbsDiff, randomTensor, readSimilarityMap, seededRandom } from './reference';

describe('centreCropPadding (READ pad to the image aspect)', () => {
  it('pads the long side by half the overhang and the short side not at all', () => {
    expect(centreCropPadding({ height: 480, width: 640 }, 12)).toEqual({ top: 0, left: 2 });
    expect(centreCropPadding({ height: 375, width: 500 }, 336)).toEqual({ top: 0, left: 56 });
  });

  it('reproduces READ cropping one cell per side when int(h * (size / h)) falls one short', () => {
    // 376 * (12 / 376) = 11.999… in float64, so READ's pad is (11 - 12) // 2 = -1.
    expect(centreCropPadding({ height: 376, width: 500 }, 12)).toEqual({ top: -1, left: 1 });
    expect(centreCropPadding({ height: 79, width: 100 }, 336)).toEqual({ top: -1, left: 44 });
  });
});

describe('minMaxNormalize', () => {
  it('maps the minimum to 0 and the maximum to 1', () => {
    expect(Array.from(minMaxNormalize(Float32Array.of(2, 4, 6)) ?? [])).toEqual([0, 0.5, 1]);
  });

  it('returns null for a constant map instead of dividing by zero', () => {
    expect(minMaxNormalize(Float32Array.of(3, 3, 3))).toBeNull();
  });
});

describe('fullResolutionMap (READ get_similarity_map)', () => {
  it('leaves the margins outside the centre crop at the pad value', () => {
    // 20x40 image, crop 10: the grid covers columns 10..29 of the image; 0 outside.
    const grid = Float32Array.of(0, 1, 2, 3);
    const map = fullResolutionMap(grid, 2, 2, { height: 20, width: 40 }, { cropSize: 10 });
    for (let y = 0; y < 20; y++) {
      expect(map[y * 40 + 0]).toBe(0);
      expect(map[y * 40 + 8]).toBe(0);
      expect(map[y * 40 + 39]).toBe(0);
    }
    expect(map[19 * 40 + 28]).toBeCloseTo(1, 6); // inside the crop's bottom-right corner: the grid maximum
  });

  it.each([
    [24, 24, 375, 500, 336],
    [24, 24, 640, 427, 336],
    [6, 6, 79, 100, 336],
    [5, 7, 33, 21, 16],
  ])('matches min-max, resize, pad and resize written out for a %ix%i grid on a %ix%i image', (gh, gw, h, w, crop) => {
    const grid = randomTensor(seededRandom(gh * w), gh * gw, -3, 9);
    const map = fullResolutionMap(grid, gh, gw, { height: h, width: w }, { cropSize: crop });
    expect(maxAbsDiff(map, readSimilarityMap(grid, gh, gw, h, w, crop))).toBeLessThan(1e-5);
  });

  it('samples any window with the same values as the whole map', () => {
    const grid = randomTensor(seededRandom(77), 36);
    const image = { height: 50, width: 70 };
    const whole = fullResolutionMap(grid, 6, 6, image, { cropSize: 40 });
    const window = fullResolutionSampler(grid, 6, 6, image, { cropSize: 40 }).window(13, 20, 9, 4);
    for (let j = 0; j < 4; j++) {
      for (let i = 0; i < 9; i++) expect(window[j * 9 + i]).toBe(whole[(20 + j) * 70 + 13 + i]);
    }
  });

  it('keeps raw values and uses the given pad value when asked', () => {
    const grid = Float32Array.of(5, 5, 5, 5);
    const map = fullResolutionMap(grid, 2, 2, { height: 4, width: 8 }, { cropSize: 4, normalize: false, padValue: -1 });
    expect(Array.from(map.subarray(0, 8))).toEqual([-1, -1, 5, 5, 5, 5, -1, -1]);
  });
});
