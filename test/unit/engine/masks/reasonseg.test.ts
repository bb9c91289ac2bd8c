import { describe, expect, it } from 'vitest';
import { rasterizeReasonSeg, type LabelMeShape } from '../../../../src/main/engine/masks/reasonseg';
import { firstDifference, maskFromRows, readGolden, type OpenCvExtraGolden, type RasterCase } from './golden';

const golden = readGolden<{ cases: RasterCase[] }>('reasonseg_raster.json');
const extra = readGolden<OpenCvExtraGolden>('opencv_extra.json');

function count(mask: Uint8Array, value: number): number {
  return mask.reduce((n, v) => n + (v === value ? 1 : 0), 0);
}

describe('rasterizeReasonSeg against OpenCV', () => {
  it.each(golden.cases.map((c, i) => [i, c.h, c.w, c] as const))(
    'reproduces OpenCV golden case %i (%ix%i) pixel for pixel',
    (_i, _h, _w, c) => {
      const mask = rasterizeReasonSeg(c.shapes, c.h, c.w);
      expect(firstDifference(mask, maskFromRows(c.mask_rows, c.w))).toBe(-1);
    },
  );

  it.each(extra.cases.map((c, i) => [i, c.note ?? '', c] as const))(
    'reproduces extra OpenCV 4.6 case %i (%s) pixel for pixel',
    (_i, _note, c) => {
      const mask = rasterizeReasonSeg(c.shapes, c.h, c.w);
      expect(firstDifference(mask, maskFromRows(c.mask_rows, c.w))).toBe(-1);
    },
  );
});

describe('rasterizeReasonSeg rules', () => {
  const square = (x0: number, y0: number, size: number): number[][] => [
    [x0, y0],
    [x0 + size, y0],
    [x0 + size, y0 + size],
    [x0, y0 + size],
  ];

  it('fills a polygon including its boundary', () => {
    const mask = rasterizeReasonSeg([{ label: 'target', points: square(2, 2, 3) }], 8, 8);
    expect(count(mask, 1)).toBe(16);
    expect(mask[2 * 8 + 2]).toBe(1);
    expect(mask[5 * 8 + 5]).toBe(1);
    expect(mask[6 * 8 + 6]).toBe(0);
  });

  it('skips flag shapes, compares labels lower-cased and marks any label containing ignore as 255', () => {
    const shapes: LabelMeShape[] = [
      { label: 'FLAG', points: square(0, 0, 9) },
      { label: 'My_IGNORE_zone', points: square(0, 0, 2) },
      { label: 'Target', points: square(5, 5, 2) },
    ];
    const mask = rasterizeReasonSeg(shapes, 10, 10);
    expect(count(mask, 255)).toBe(9);
    expect(count(mask, 1)).toBe(9);
    expect(count(mask, 0)).toBe(100 - 18);
  });

  it('draws larger polygons first so a smaller one on top keeps its value', () => {
    const small: LabelMeShape = { label: 'ignore', points: square(3, 3, 2) };
    const large: LabelMeShape = { label: 'target', points: square(1, 1, 7) };
    for (const shapes of [
      [small, large],
      [large, small],
    ]) {
      const mask = rasterizeReasonSeg(shapes, 10, 10);
      expect(count(mask, 255)).toBe(9);
      expect(count(mask, 1)).toBe(64 - 9);
    }
  });

  it('draws the later of two equal-area polygons first, so the earlier one ends on top', () => {
    const a: LabelMeShape = { label: 'target', points: square(1, 1, 4) };
    const b: LabelMeShape = { label: 'ignore', points: square(3, 3, 4) };
    expect(rasterizeReasonSeg([a, b], 10, 10)[4 * 10 + 4]).toBe(1);
    expect(rasterizeReasonSeg([b, a], 10, 10)[4 * 10 + 4]).toBe(255);
  });

  it('truncates point coordinates toward zero like numpy int32', () => {
    const exact = rasterizeReasonSeg([{ label: 'target', points: square(0, 0, 3) }], 6, 6);
    const fractional = rasterizeReasonSeg(
      [
        {
          label: 'target',
          points: [
            [-0.9, 0.99],
            [3.9, -0.5],
            [3.2, 3.7],
            [0.5, 3.999],
          ],
        },
      ],
      6,
      6,
    );
    expect(fractional).toEqual(exact);
  });

  it('ignores shapes without points and refuses malformed points and sizes', () => {
    expect(count(rasterizeReasonSeg([{ label: 'target', points: [] }], 4, 4), 0)).toBe(16);
    expect(() => rasterizeReasonSeg([{ label: 'target', points: [[1, 2, 3]] }], 4, 4)).toThrow(/shape 0: point 0/);
    expect(() => rasterizeReasonSeg([{ label: 't', points: [[1, Number.NaN]] }], 4, 4)).toThrow(/not a finite/);
    expect(() => rasterizeReasonSeg([], 0, 4)).toThrow(/0x4/);
  });
});
