import { describe, expect, it } from 'vitest';
import { fillPoly, polylinesClosed, type Canvas } from '../../../../src/main/engine/masks/cvDraw';
import { rasterizeReasonSeg } from '../../../../src/main/engine/masks/reasonseg';
import { denseFillPoly, densePolylinesClosed } from './denseCvDraw';
import { firstDifference, randomInt, seededRandom } from './golden';

/**
 * OpenCV's FillEdgeCollection walks every row from the topmost vertex, so a LabelMe point at
 * y = -1e9 meant a billion rows. Rows above the image are now skipped; the result must equal the
 * row-by-row walk exactly.
 */
describe('fillPoly skips the rows above the image', () => {
  function draw(fill: typeof fillPoly, outline: typeof polylinesClosed, xs: Int32Array, ys: Int32Array, h: number, w: number): Uint8Array {
    const canvas: Canvas = { data: new Uint8Array(h * w), width: w, height: h };
    outline(canvas, xs, ys, 1);
    fill(canvas, xs, ys, 2);
    return canvas.data;
  }

  it('equals the row-by-row walk on random polygons reaching above, below and beside the image', () => {
    const random = seededRandom(4242);
    for (let c = 0; c < 3000; c++) {
      const h = randomInt(random, 1, 30);
      const w = randomInt(random, 1, 30);
      const n = randomInt(random, 3, 9);
      const xs = new Int32Array(n);
      const ys = new Int32Array(n);
      for (let j = 0; j < n; j++) {
        xs[j] = random() < 0.3 ? randomInt(random, -3000, 3000) : randomInt(random, -w, 2 * w);
        ys[j] = random() < 0.3 ? randomInt(random, -3000, 3000) : randomInt(random, -h, 2 * h);
        if (j > 0 && random() < 0.1) ys[j] = ys[j - 1] as number; // horizontal edges
      }
      const expected = draw(denseFillPoly, densePolylinesClosed, xs, ys, h, w);
      const actual = draw(fillPoly, polylinesClosed, xs, ys, h, w);
      if (firstDifference(actual, expected) !== -1) expect({ xs, ys, h, w, actual }).toEqual({ xs, ys, h, w, actual: expected });
    }
  });

  it('rasterizes ReasonSeg shapes with points at ±1e9 as the same shape with near points', () => {
    const h = 480;
    const w = 640;
    const square = (r: number): number[][] => [
      [-r, -r],
      [r, -r],
      [r, r],
      [-r, r],
    ];
    const whole = rasterizeReasonSeg([{ label: 'target', points: square(1e9) }], h, w);
    expect(whole.every((v) => v === 1)).toBe(true);
    // A slope-1 diagonal through the image, its far ends 1e9 away, against the same line from 1e4.
    const diagonal = (r: number): number[][] => [
      [-r, -r],
      [r, r],
      [-r, r],
    ];
    const far = rasterizeReasonSeg([{ label: 'target', points: diagonal(1e9) }], h, w);
    const near = rasterizeReasonSeg([{ label: 'target', points: diagonal(1e4) }], h, w);
    expect(firstDifference(far, near)).toBe(-1);
    expect(far[10 * w + 5]).toBe(1);
    expect(far[5 * w + 10]).toBe(0);
  });

  it('refuses points outside the int32 range LISA casts them to', () => {
    expect(() =>
      rasterizeReasonSeg(
        [
          {
            label: 't',
            points: [
              [0, 0],
              [3e9, 0],
              [0, 5],
            ],
          },
        ],
        8,
        8,
      ),
    ).toThrow(/shape 0: point 1 \[3000000000, 0\] is outside the int32 range/);
  });
});
