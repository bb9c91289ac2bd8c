import { describe, expect, it } from 'vitest';
import { fillPoly, polylinesClosed, type Canvas } from '../../../../src/main/engine/masks/cvDraw';
import { filledArea, rasterizeReasonSeg, type LabelMeShape } from '../../../../src/main/engine/masks/reasonseg';
import { mulberry32 as random } from '../../../../src/main/engine/metrics/prng';

/**
 * LISA's per-shape "filled area" is counted within the shape's box clipped to the image, on one
 * shared scratch mask, instead of on a fresh full-image mask per shape (6000 shapes on 3000x2000
 * took 33 s). These tests hold it to the full-canvas reference, bit for bit.
 */

/** The area as it was computed before: the polygon alone on a fresh full-size mask, every pixel summed. */
function fullCanvasArea(xs: Int32Array, ys: Int32Array, height: number, width: number): number {
  const canvas: Canvas = { data: new Uint8Array(height * width), width, height };
  polylinesClosed(canvas, xs, ys, 1);
  fillPoly(canvas, xs, ys, 1);
  return canvas.data.reduce((n, v) => n + v, 0);
}

/** A random polygon, often partly (sometimes wholly) outside the image, sometimes far outside or degenerate. */
function randomShape(rnd: () => number, width: number, height: number): { xs: Int32Array; ys: Int32Array } {
  const kind = rnd();
  const n = kind < 0.05 ? 1 : kind < 0.1 ? 2 : 3 + Math.floor(rnd() * 10);
  const spread = rnd() < 0.1 ? 1e6 : 1;
  const cx = (rnd() * 2 - 0.5) * width;
  const cy = (rnd() * 2 - 0.5) * height;
  const r = (0.05 + rnd()) * Math.max(width, height) * spread;
  const xs = new Int32Array(n);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = Math.trunc(cx + (rnd() * 2 - 1) * r);
    ys[i] = Math.trunc(cy + (rnd() * 2 - 1) * r);
  }
  if (kind > 0.95) ys.fill(ys[0] as number); // collinear: a flat polygon
  return { xs, ys };
}

/** rasterizeReasonSeg as it was: areas on fresh full-size masks, then the same drawing order. */
function referenceRaster(shapes: LabelMeShape[], height: number, width: number): Uint8Array {
  const polygons = shapes
    .filter((s) => s.label.toLowerCase() !== 'flag' && s.points.length > 0)
    .map((s) => {
      const xs = Int32Array.from(s.points, (p) => Math.trunc(p[0] as number));
      const ys = Int32Array.from(s.points, (p) => Math.trunc(p[1] as number));
      const value = s.label.toLowerCase().includes('ignore') ? 255 : 1;
      return { xs, ys, value, area: fullCanvasArea(xs, ys, height, width) };
    });
  const order = polygons.map((_, i) => i).sort((a, b) => (polygons[a]?.area ?? 0) - (polygons[b]?.area ?? 0));
  order.reverse();
  const canvas: Canvas = { data: new Uint8Array(height * width), width, height };
  for (const i of order) {
    const p = polygons[i];
    if (p === undefined) continue;
    polylinesClosed(canvas, p.xs, p.ys, p.value);
    fillPoly(canvas, p.xs, p.ys, p.value);
  }
  return canvas.data;
}

describe('filledArea, counted within the clipped bounding box', () => {
  it('equals the full-canvas count on 3000 random shapes, many partly or wholly outside the image, and leaves the scratch mask empty', () => {
    const rnd = random(20240607);
    for (let t = 0; t < 3000; t++) {
      const width = 1 + Math.floor(rnd() * 70);
      const height = 1 + Math.floor(rnd() * 50);
      const scratch: Canvas = { data: new Uint8Array(width * height), width, height };
      const { xs, ys } = randomShape(rnd, width, height);
      const expected = fullCanvasArea(xs, ys, height, width);
      const got = filledArea(xs, ys, scratch);
      if (got !== expected)
        throw new Error(`case ${t}: ${width}x${height} xs=[${xs.join(',')}] ys=[${ys.join(',')}]: ${got} != ${expected}`);
      expect(scratch.data.every((v) => v === 0)).toBe(true);
    }
  });

  it('rasterizeReasonSeg is bit-exact with the full-canvas reference on random shape sets', () => {
    const rnd = random(7);
    for (let t = 0; t < 200; t++) {
      const width = 1 + Math.floor(rnd() * 80);
      const height = 1 + Math.floor(rnd() * 60);
      const shapes: LabelMeShape[] = Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => {
        const { xs, ys } = randomShape(rnd, width, height);
        const label = rnd() < 0.25 ? 'ignore' : 'target';
        return { label, points: Array.from(xs, (x, i) => [x + rnd() * 0.99, (ys[i] as number) + rnd() * 0.99]) };
      });
      expect(Buffer.from(rasterizeReasonSeg(shapes, height, width)).equals(Buffer.from(referenceRaster(shapes, height, width)))).toBe(true);
    }
  });

  // Work bounded by each shape's box, not the image (33 s for these before; no timing is asserted:
  // the suite's timeout is the guard against that coming back).
  it('6000 small shapes on a 3000x2000 image: each counted in its own box', () => {
    const shapes: LabelMeShape[] = Array.from({ length: 6000 }, (_, i) => {
      const x = (i % 1000) * 3;
      const y = Math.floor(i / 1000) * 10;
      return {
        label: 'target',
        points: [
          [x, y],
          [x + 2, y],
          [x, y + 2],
        ],
      };
    });
    const mask = rasterizeReasonSeg(shapes, 2000, 3000);
    expect(mask.reduce((n, v) => n + v, 0)).toBe(6000 * 6); // each triangle: 3 + 2 + 1 pixels
  });
});
