import { describe, expect, it } from 'vitest';
import { polygonRuns } from '../../../../src/main/engine/masks/polygon';
import { polygonsToRle, rleArea } from '../../../../src/main/engine/masks/rle';
import { densePolygonRuns } from './densePolygon';
import { randomInt, seededRandom } from './golden';

/**
 * rleFrPoly walks every upsampled boundary point, so a vertex at 1e9 meant billions of steps.
 * The clipped walk visits only the pairs over the image; it must equal the dense walk exactly,
 * for polygons partly or wholly outside the image, negative coordinates (C truncation toward
 * zero), steep edges, repeated vertices and all.
 */
describe('polygon rasterization clipped to the image', () => {
  it('equals the dense rleFrPoly walk on random polygons partly outside the image', () => {
    const random = seededRandom(20240610);
    const coordinate = (extent: number): number => {
      const kind = randomInt(random, 0, 5);
      if (kind === 0) return randomInt(random, -2, extent + 2); // integers at the border
      if (kind === 1) return (random() - 0.5) * 6 * extent; // well outside, negative too
      if (kind === 2) return (random() - 0.5) * 2000; // far outside
      if (kind === 3) return Math.round(random() * extent * 2) / 2 - 0.5; // half-pixel values
      return random() * extent;
    };
    for (let c = 0; c < 3000; c++) {
      const h = randomInt(random, 1, 24);
      const w = randomInt(random, 1, 24);
      const k = randomInt(random, 3, 9);
      const xy: number[] = [];
      for (let j = 0; j < k; j++) {
        if (j > 0 && random() < 0.1)
          xy.push(xy[xy.length - 2] as number, xy[xy.length - 1] as number); // repeated vertex
        else xy.push(coordinate(w), coordinate(h));
      }
      const dense = Array.from(densePolygonRuns(xy, h, w));
      const clipped = Array.from(polygonRuns(xy, h, w));
      if (clipped.join() !== dense.join()) expect({ h, w, xy, clipped }).toEqual({ h, w, xy, clipped: dense });
    }
  });

  it('equals the dense walk for long steep edges whose column changes once every many rows', () => {
    const random = seededRandom(7);
    for (let c = 0; c < 300; c++) {
      const w = randomInt(random, 2, 30);
      const h = randomInt(random, 2, 30);
      const top = -random() * 20000;
      const bottom = h + random() * 20000;
      const xy = [random() * w * 1.4 - 0.2 * w, top, random() * w * 1.4 - 0.2 * w, bottom, (random() - 0.5) * 3 * w, bottom + 3];
      expect(Array.from(polygonRuns(xy, h, w))).toEqual(Array.from(densePolygonRuns(xy, h, w)));
    }
  });

  it('rasterizes polygons with vertices at ±1e9 as the same shape with near vertices (bounded by the image)', () => {
    const h = 480;
    const w = 640;
    // Axis-aligned square around the image: every pixel.
    const square = (r: number): number[] => [-r, -r, r, -r, r, r, -r, r];
    const whole = polygonsToRle([square(1e9)], h, w);
    expect(rleArea(whole)).toBe(h * w);
    expect(whole).toEqual(polygonsToRle([square(1e4)], h, w));
    // Slope-1 diagonals keep their exact rasterization whatever their length.
    const triangle = (r: number): number[] => [-r, -r, r, r, -r, r];
    expect(Array.from(polygonRuns(triangle(1e9), h, w))).toEqual(Array.from(densePolygonRuns(triangle(1e4), h, w)));
    expect(Array.from(polygonRuns([3, -1e9, 4, 1e9, -1e9, 0], h, w)).length).toBeGreaterThan(1);
    // A polygon far away covers nothing.
    expect(rleArea(polygonsToRle([[1e9, 1e9, 1e9 + 10, 1e9, 1e9, -1e9]], h, w))).toBe(0);
  });

  it('refuses coordinates beyond ±1e12 and non-finite ones', () => {
    expect(() => polygonRuns([0, 0, 1e13, 0, 0, 5], 10, 10)).toThrow(/polygon coordinate 10000000000000 is outside ±1000000000000/);
    expect(() => polygonRuns([0, 0, Number.NaN, 0, 0, 5], 10, 10)).toThrow(/polygon coordinate NaN/);
  });
});
