import { describe, expect, it } from 'vitest';
import { fillPolygon } from '../../../src/renderer/canvas/tools/raster/polygon';
import { floodFill } from '../../../src/renderer/canvas/tools/raster/floodFill';
import type { Point, RegionMask } from '../../../src/renderer/canvas/tools/raster/regionMask';

/** The region drawn over the whole image, one string per row: '#' in, '.' out. */
function render(r: RegionMask | null, width: number, height: number): string[] {
  const rows: string[] = [];
  for (let y = 0; y < height; y++) {
    let row = '';
    for (let x = 0; x < width; x++) {
      const inside = r !== null && x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h && r.mask[(y - r.y) * r.w + (x - r.x)] === 1;
      row += inside ? '#' : '.';
    }
    rows.push(row);
  }
  return rows;
}

const poly = (...xy: number[]): Point[] =>
  Array.from({ length: xy.length / 2 }, (_, i) => ({ x: xy[2 * i] as number, y: xy[2 * i + 1] as number }));

const ones = (r: RegionMask | null): number => (r === null ? 0 : r.mask.reduce((a, b) => a + b, 0));

const circle = (n: number, cx: number, cy: number, radius: number): Point[] =>
  Array.from({ length: n }, (_, i) => ({
    x: cx + radius * Math.cos((2 * Math.PI * i) / n),
    y: cy + radius * Math.sin((2 * Math.PI * i) / n),
  }));

/** Independent reference: even-odd ray cast from the pixel centre (x + 0.5, y + 0.5). */
function insideEvenOdd(points: readonly Point[], px: number, py: number): boolean {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const a = points[i] as Point;
    const b = points[j] as Point;
    if (a.y > py !== b.y > py && px < ((b.x - a.x) * (py - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

describe('fillPolygon (polygon tool)', () => {
  // Expected rows were produced by the scanline fill before the degenerate-edge and bounds changes:
  // ordinary polygons must keep every pixel, including centres that fall exactly on edges or vertices.
  const W = 12;
  const H = 10;
  it.each([
    [
      'triangle',
      poly(1.2, 0.7, 10.6, 3.1, 4.3, 9.8),
      [
        '............',
        '.###........',
        '..######....',
        '..########..',
        '..#######...',
        '...#####....',
        '...####.....',
        '....##......',
        '....##......',
        '....#.......',
      ],
    ],
    [
      'triangle with vertices on pixel centres',
      poly(0.5, 0.5, 9.5, 3.5, 3.5, 9.5),
      [
        '............',
        '.##.........',
        '.#####......',
        '.########...',
        '..######....',
        '..#####.....',
        '..####......',
        '...##.......',
        '...#........',
        '............',
      ],
    ],
    [
      'concave',
      poly(0, 0, 12, 0, 12, 9, 8, 9, 6, 3.5, 4, 9, 0, 9),
      [
        '############',
        '############',
        '############',
        '############',
        '############',
        '#####..#####',
        '#####..#####',
        '#####..#####',
        '####....####',
        '............',
      ],
    ],
    [
      'self-intersecting bow-tie',
      poly(0, 0, 10, 8, 10, 0, 0, 8),
      [
        '#........#..',
        '##......##..',
        '###....###..',
        '####..####..',
        '####..####..',
        '###....###..',
        '##......##..',
        '#........#..',
        '............',
        '............',
      ],
    ],
    [
      'self-intersecting star (even-odd hole)',
      poly(6, 0, 8, 11, 0, 4, 12, 4, 4, 11),
      [
        '............',
        '............',
        '............',
        '.....##.....',
        '.####..####.',
        '..###..###..',
        '...##..##...',
        '....#..#....',
        '....#..#....',
        '....####....',
      ],
    ],
    [
      'clipped to the image',
      poly(-3, 2, 9, -4, 15, 7, 2.5, 12),
      [
        '###########.',
        '############',
        '############',
        '############',
        '############',
        '############',
        '############',
        '############',
        '.##########.',
        '.########...',
      ],
    ],
  ])('fills the same pixels as before: %s', (_name, points, expected) => {
    expect(render(fillPolygon(points, W, H), W, H)).toEqual(expected);
  });

  it('agrees with an even-odd point-in-polygon test at pixel centres on random polygons', () => {
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let t = 0; t < 200; t++) {
      const points = Array.from({ length: 3 + Math.floor(random() * 10) }, () => ({ x: random() * 40 - 5, y: random() * 30 - 5 }));
      const got = render(fillPolygon(points, 32, 24), 32, 24);
      const want = Array.from({ length: 24 }, (_, y) =>
        Array.from({ length: 32 }, (_, x) => (insideEvenOdd(points, x + 0.5, y + 0.5) ? '#' : '.')).join(''),
      );
      expect(got).toEqual(want);
    }
  });

  it('fills nothing for a zero-area (collinear) polygon', () => {
    // Before: floating-point rounding of the two crossings of the diagonal filled (3,3) (27,27) (42,42) (43,43).
    expect(fillPolygon(poly(0, 0, 50, 50, 100, 100), 200, 200)).toBeNull();
    expect(fillPolygon(poly(100, 100, 0, 0, 50, 50), 200, 200)).toBeNull();
    expect(fillPolygon(poly(5, 5, 60, 33, 5, 5, 60, 33), 200, 200)).toBeNull();
    expect(fillPolygon(poly(0.5, 0.5, 20.5, 40.5, 6.5, 12.5, 30.5, 60.5), 200, 200)).toBeNull();
  });

  it('a spike drawn out and back inside a polygon changes no pixel', () => {
    const square = poly(0, 0, 16, 0, 16, 16, 0, 16);
    const spiked = poly(0, 0, 11, 11, 0, 0, 16, 0, 16, 16, 0, 16);
    // Before: the spike's two crossings rounded apart and dropped pixel (3, 3).
    expect(render(fillPolygon(spiked, 16, 16), 16, 16)).toEqual(render(fillPolygon(square, 16, 16), 16, 16));
    expect(ones(fillPolygon(spiked, 16, 16))).toBe(256);
  });

  it('handles 2e5 and 1e6 vertices (bounds without spreading into Math.min)', () => {
    for (const n of [200_000, 1_000_000]) {
      const r = fillPolygon(circle(n, 400, 300, 200), 8000, 6000);
      expect(r && { x: r.x, y: r.y, w: r.w, h: r.h }).toEqual({ x: 200, y: 100, w: 400, h: 400 });
      expect(ones(r)).toBe(125676);
    }
  });

  it('clips huge coordinates to the image', () => {
    const r = fillPolygon(poly(-1e12, -1e12, 1e12, -1e12, 1e12, 1e12, -1e12, 1e12), 64, 48);
    expect(r && { x: r.x, y: r.y, w: r.w, h: r.h }).toEqual({ x: 0, y: 0, w: 64, h: 48 });
    expect(ones(r)).toBe(64 * 48);
    expect(fillPolygon(poly(-1e300, -1e300, 1e300, -1e300, 1e300, 1e300, -1e300, 1e300), 64, 48)?.w).toBe(64);
    expect(fillPolygon(poly(-50, -50, -10, -50, -10, -10), 64, 48)).toBeNull();
  });

  it('returns null for fewer than 3 vertices or a non-finite vertex', () => {
    expect(fillPolygon(poly(0, 0, 10, 10), 20, 20)).toBeNull();
    expect(fillPolygon(poly(0, 0, NaN, 10, 10, 0), 20, 20)).toBeNull();
    expect(fillPolygon(poly(1, 1, Infinity, 10, 10, 1), 20, 20)).toBeNull();
    expect(fillPolygon(poly(1, -Infinity, 5, Infinity, 10, 1), 20, 20)).toBeNull();
  });
});

describe('floodFill (fill and copy tools)', () => {
  // 0 0 1 1
  // 0 1 1 0
  // 0 0 0 0
  const labels = new Uint8Array([0, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0]);

  it('returns the 4-connected region of the clicked label over its bounding box', () => {
    expect(render(floodFill(labels, 4, 3, 2.7, 0.2), 4, 3)).toEqual(['..##', '.##.', '....']);
    expect(render(floodFill(labels, 4, 3, 3, 1), 4, 3)).toEqual(['##..', '#..#', '####']);
    expect(floodFill(labels, 4, 3, 2, 1)).toEqual({ x: 1, y: 0, w: 3, h: 2, mask: new Uint8Array([0, 1, 1, 1, 1, 0]) });
  });

  it('returns null (nothing painted) outside the image or at a non-finite point', () => {
    for (const [x, y] of [
      [-1, 0],
      [4, 0],
      [0, 3],
      [NaN, 1],
      [1, NaN],
      [Infinity, 1],
      [-Infinity, 1],
      [1, Infinity],
      [1, -Infinity],
    ] as const)
      expect(floodFill(labels, 4, 3, x, y)).toBeNull();
  });
});
