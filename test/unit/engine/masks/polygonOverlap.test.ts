// LISA's RefCOCO loader sums pycocotools' per-polygon masks; pixels covered twice or more are what its
// IoU does not count as the target. polygonsOverlapArea counts them from runs: checked here against
// that rule applied to the decoded masks themselves.
import { describe, expect, it } from 'vitest';
import { decodeMask, polygonsOverlapArea, polygonsToRle } from '../../../../src/main/engine/masks/rle';

const H = 37;
const W = 53;

function twiceOrMore(polygons: number[][]): number {
  const sum = new Uint8Array(W * H);
  for (const p of polygons) {
    const m = decodeMask(polygonsToRle([p], H, W));
    for (let i = 0; i < m.length; i++) sum[i]! += m[i]!;
  }
  return sum.reduce((n, v) => n + (v >= 2 ? 1 : 0), 0);
}

describe('polygonsOverlapArea', () => {
  it('is 0 for one polygon and for polygons that do not overlap', () => {
    expect(polygonsOverlapArea([[2, 2, 10, 2, 10, 9, 2, 9]], H, W)).toBe(0);
    expect(
      polygonsOverlapArea(
        [
          [2, 2, 10, 2, 10, 9, 2, 9],
          [20, 2, 30, 2, 30, 9, 20, 9],
        ],
        H,
        W,
      ),
    ).toBe(0);
  });

  it('counts pixels two or more polygons cover, a triple overlap once, as the summed masks do', () => {
    const cases = [
      [
        [5, 20, 15, 20, 15, 27, 5, 27],
        [10, 18, 20, 18, 20, 25, 10, 25],
      ],
      [
        [3.5, 4.2, 30.7, 4.2, 30.7, 20.9, 3.5, 20.9],
        [10.1, 1, 25.6, 1, 25.6, 30.3, 10.1, 30.3],
        [0, 10, 52, 12, 40, 36, 1, 30],
      ],
      // A triangle inside a rectangle, and a bow tie that crosses itself.
      [
        [1, 1, 40, 1, 40, 30, 1, 30],
        [5, 5, 20, 28, 35, 6],
        [0, 0, 50, 36, 50, 0, 0, 36],
      ],
    ];
    for (const polygons of cases) {
      const expected = twiceOrMore(polygons);
      expect(expected).toBeGreaterThan(0);
      expect(polygonsOverlapArea(polygons, H, W)).toBe(expected);
    }
  });
});
