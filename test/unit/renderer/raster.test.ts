import { describe, expect, it } from 'vitest';
import { colormapLut, lutIndex } from '../../../src/renderer/canvas/raster/colormaps';
import { heatmapToRgba } from '../../../src/renderer/canvas/raster/heatmapToRgba';
import { diffCounts, diffToRgba, DIFF_COLORS } from '../../../src/renderer/canvas/raster/diffToRgba';
import { camToPseudoLabel } from '../../../src/shared/pure/pseudoLabel';
import { queryPatchSimilarity } from '../../../src/shared/pure/patchSimilarity';
import { halfToFloat } from '../../../src/shared/pure/float16';
import { cellAt, decodeHeatmap } from '../../../src/renderer/canvas/raster/heatmapData';
import { tokenSetsToRgba, TOKEN_SET_COLORS } from '../../../src/renderer/canvas/raster/tokenSets';

const entry = (lut: Uint8ClampedArray, i: number): number[] => Array.from(lut.subarray(i * 4, i * 4 + 4));

describe('colormaps equal matplotlib bytes=True', () => {
  // Reference values: matplotlib.colormaps[name](i, bytes=True), which truncates lut * 255.
  it('jet: endpoints and the plateau of green', () => {
    const lut = colormapLut('jet');
    expect(entry(lut, 0)).toEqual([0, 0, 127, 255]);
    expect(entry(lut, 255)).toEqual([127, 0, 0, 255]);
    // i = 100: red rises over [89.25, 168.3], green is 1 on [95.625, 163.2], blue falls over [86.7, 165.75].
    expect(entry(lut, 100)).toEqual([
      Math.floor(((100 - 0.35 * 255) / (0.31 * 255)) * 255),
      255,
      Math.floor((1 - (100 - 0.34 * 255) / (0.31 * 255)) * 255),
      255,
    ]);
    expect(entry(lut, 100)).toEqual([34, 255, 212, 255]);
  });

  it('viridis and magma: first, middle and last entries', () => {
    expect(entry(colormapLut('viridis'), 0)).toEqual([68, 1, 84, 255]);
    expect(entry(colormapLut('viridis'), 128)).toEqual([32, 144, 140, 255]);
    expect(entry(colormapLut('viridis'), 255)).toEqual([253, 231, 36, 255]);
    expect(entry(colormapLut('magma'), 0)).toEqual([0, 0, 3, 255]);
    expect(entry(colormapLut('magma'), 255)).toEqual([251, 252, 191, 255]);
  });

  it('maps normalized values to LUT indices as matplotlib does', () => {
    expect([0, 0.5, 0.999, 1, -0.2, 1.7].map(lutIndex)).toEqual([0, 128, 255, 255, 0, 255]);
  });
});

describe('heatmapToRgba', () => {
  it('normalizes over [min, max], leaves NaN and values under the floor transparent', () => {
    const lut = colormapLut('viridis');
    const rgba = heatmapToRgba(new Float32Array([2, 3, 4, NaN, 1]), lut, { min: 2, max: 4, transparentBelow: 1.5 });
    expect(entry(rgba, 0)).toEqual(entry(lut, 0));
    expect(entry(rgba, 1)).toEqual(entry(lut, 128));
    expect(entry(rgba, 2)).toEqual(entry(lut, 255));
    expect(entry(rgba, 3)).toEqual([0, 0, 0, 0]);
    expect(entry(rgba, 4)).toEqual([0, 0, 0, 0]);
  });
});

describe('diffToRgba', () => {
  it('colours TP, FP (wrong class included) and FN; TN and ignore stay transparent', () => {
    const gt = new Uint8Array([0, 1, 1, 2, 255, 0]);
    const pred = new Uint8Array([0, 1, 0, 1, 3, 2]);
    const rgba = diffToRgba(gt, pred);
    expect(entry(rgba, 0)[3]).toBe(0);
    expect(entry(rgba, 1)).toEqual([...DIFF_COLORS.truePositive]);
    expect(entry(rgba, 2)).toEqual([...DIFF_COLORS.falseNegative]);
    expect(entry(rgba, 3)).toEqual([...DIFF_COLORS.falsePositive]);
    expect(entry(rgba, 4)[3]).toBe(0);
    expect(entry(rgba, 5)).toEqual([...DIFF_COLORS.falsePositive]);
    expect(diffCounts(gt, pred)).toEqual({ tp: 1, fp: 2, fn: 1, tn: 1, ignore: 1 });
  });

  it("leaves a predicted 255 (a three-band CAM run's band) uncoloured and uncounted, as eval leaves it out", () => {
    const rgba = diffToRgba(new Uint8Array([1, 0]), new Uint8Array([255, 255]));
    expect(entry(rgba, 0)[3]).toBe(0);
    expect(entry(rgba, 1)[3]).toBe(0);
    expect(diffCounts(new Uint8Array([1, 0]), new Uint8Array([255, 255]))).toEqual({ tp: 0, fp: 0, fn: 0, tn: 0, ignore: 2 });
  });
});

describe('camToPseudoLabel as the viewer calls it (ToCo cam_to_label)', () => {
  // Two channels over a 2x2 grid, labelled 3 and 7. Worked by hand:
  //   pixel 0: 0.9 vs 0.3 -> channel 0 -> 3;  pixel 1: 0.2 vs 0.8 -> 7;
  //   pixel 2: 0.5 vs 0.5 -> tie, 0.5 <= 0.5 -> background;  pixel 3: 0.6 vs 0.6 -> tie -> first channel -> 3.
  const cam = new Float32Array([0.9, 0.2, 0.5, 0.6, 0.3, 0.8, 0.5, 0.6]);
  it('takes the argmax, first channel on ties, background at or under the threshold', () => {
    expect(Array.from(camToPseudoLabel(cam, 2, 2, 2, { threshold: 0.5, classIds: [3, 7] }))).toEqual([3, 7, 0, 3]);
    expect(Array.from(camToPseudoLabel(cam, 2, 2, 2, { threshold: 0.7, classIds: [3, 7] }))).toEqual([3, 7, 0, 0]);
  });
  it('scores absent classes 0 and defaults labels to channel + 1', () => {
    expect(Array.from(camToPseudoLabel(cam, 2, 2, 2, { threshold: 0.5, present: [false, true] }))).toEqual([0, 2, 0, 2]);
  });
  it('compares the threshold in float32 (0.6 as float32 is above the float32 score 0.6)', () => {
    expect(Array.from(camToPseudoLabel(new Float32Array([0.6]), 1, 1, 1, { threshold: 0.6 }))).toEqual([0]);
  });
});

describe('queryPatchSimilarity as the viewer calls it (ToCo PTC)', () => {
  it('gives the cosine of the clicked token with every token; a zero token scores 0', () => {
    const tokens = new Float32Array([1, 0, 0, 2, 3, 3, 0, 0, -2, 0]);
    const sim = queryPatchSimilarity(tokens, 5, 2, 0, 'cosine');
    expect(sim[0]).toBeCloseTo(1, 6);
    expect(sim[1]).toBeCloseTo(0, 6);
    expect(sim[2]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(sim[3]).toBe(0);
    expect(sim[4]).toBeCloseTo(-1, 6);
    expect(queryPatchSimilarity(tokens, 5, 2, 0, 'abs-cosine')[4]).toBeCloseTo(1, 6);
  });
});

describe('heatmap data', () => {
  it('decodes float16, float32 and uint8 blobs', () => {
    expect([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00].map(halfToFloat)).toEqual([1, -2, 65504, 2 ** -24, Infinity]);
    const f32 = new Uint8Array(new Float32Array([0.25, -3]).buffer);
    expect(Array.from(decodeHeatmap(f32, 'float32', 2))).toEqual([0.25, -3]);
    const f16 = new Uint8Array([0x00, 0x3c, 0x00, 0x38]);
    expect(Array.from(decodeHeatmap(f16, 'float16', 2))).toEqual([1, 0.5]);
    expect(Array.from(decodeHeatmap(new Uint8Array([0, 255]), 'uint8', 2))).toEqual([0, 1]);
    expect(() => decodeHeatmap(new Uint8Array(3), 'float32', 1)).toThrow(/expected 4/);
  });

  it('finds the token cell under an image pixel', () => {
    expect(cellAt(0, 0, 64, 48, 3, 4)).toEqual({ row: 0, col: 0, index: 0 });
    expect(cellAt(63, 47, 64, 48, 3, 4)).toEqual({ row: 2, col: 3, index: 11 });
    expect(cellAt(16, 16, 64, 48, 3, 4)).toEqual({ row: 1, col: 1, index: 5 });
  });

  it('paints HiPrune sets, anchors over buffers over registers', () => {
    const rgba = tokenSetsToRgba(2, 2, { anchors: [0], buffers: [0, 1], registers: [3, 99] });
    expect(entry(rgba, 0)).toEqual([...TOKEN_SET_COLORS.anchor]);
    expect(entry(rgba, 1)).toEqual([...TOKEN_SET_COLORS.buffer]);
    expect(entry(rgba, 2)).toEqual([0, 0, 0, 0]);
    expect(entry(rgba, 3)).toEqual([...TOKEN_SET_COLORS.register]);
  });
});
