import { describe, expect, it } from 'vitest';
import { READ_13B_SASP, similarityToPoints } from '../../../../src/main/engine/tokens/sasp';
import { randomTensor, readContinuous, readPoints, seededRandom } from './reference';

/** A 24x24 map that is 1 on the 2x2 block averaging into 12x12 cell (row, col), 0 elsewhere. */
function peakAtCell(row: number, col: number): Float32Array {
  const sim = new Float32Array(24 * 24);
  for (const [dy, dx] of [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ] as const)
    sim[(2 * row + dy) * 24 + 2 * col + dx] = 1;
  return sim;
}

describe('similarityToPoints (READ SasP)', () => {
  it('puts a known peak first as a positive at its cell centre in the original image', () => {
    // 480x640: 12x12 padded to 12x16 (2 columns each side), 40 px per cell; cell (5, 3) -> column 5.
    const points = similarityToPoints(peakAtCell(5, 3), 24, 24, { height: 480, width: 640 }, { continuous: false });
    expect(points[0]).toEqual({ x: 220, y: 220, label: 1, score: 1 });
    expect(points[1]).toEqual({ x: 100, y: 20, label: 0, score: 0 }); // first inside cell, row 0 column 2
    expect(points).toHaveLength(30);
    expect(points.filter((p) => p.label === 1)).toHaveLength(1);
  });

  it('orders positives by descending score, negatives by ascending score, then neutrals by position', () => {
    // downSample 1 on a 12x12 grid over a square image: no averaging, no padding, 10 px per cell.
    const sim = new Float32Array(144).fill(0.5);
    sim[7] = 0.9;
    sim[3] = 1;
    sim[50] = 0.8; // exactly t_pos in float32: positive
    sim[100] = 0.2; // exactly t_neg in float32: negative
    sim[90] = 0;
    sim[40] = 0.1;
    const points = similarityToPoints(
      sim,
      12,
      12,
      { height: 120, width: 120 },
      {
        downSample: 1,
        maxPoints: 8,
        continuous: false,
      },
    );
    expect(points.map((p) => [p.x, p.y, p.label])).toEqual([
      [35, 5, 1], // index 3
      [75, 5, 1], // index 7
      [25, 45, 1], // index 50
      [65, 75, 0], // index 90
      [45, 35, 0], // index 40
      [45, 85, 0], // index 100
      [5, 5, -1], // index 0, the first neutral
      [15, 5, -1], // index 1
    ]);
  });

  it.each([
    [333, 500],
    [500, 333],
    [376, 500],
    [768, 1024],
  ])('matches READ similarity_map_to_points written out plainly on a seeded map for a %ix%i image', (h, w) => {
    const sim = randomTensor(seededRandom(h + w), 576, -4, 12);
    const points = similarityToPoints(sim, 24, 24, { height: h, width: w }, { continuous: false });
    expect(points).toEqual(readPoints(sim, 24, h, w, 30));
  });

  it('loses the first row of cells when READ pads by -1, as for a 376 px short side', () => {
    // 376 * (12 / 376) truncates to 11: READ crops one cell row off each side (12 -> 10 rows).
    const points = similarityToPoints(peakAtCell(1, 5), 24, 24, { height: 376, width: 500 }, { continuous: false });
    // Cell (1, 5) is padded row 0, column 6; rows are 376 / 10 = 37.6 px, columns 500 / 14 px.
    expect(points[0]).toMatchObject({ x: Math.trunc(Math.fround(6.5 * Math.fround(500 / 14))), y: 18, label: 1 });
  });

  it('refines each point to the exp(-d²)-weighted softmax centroid of the full-resolution map', () => {
    const sim = randomTensor(seededRandom(41), 576, -1, 1);
    const image = { height: 240, width: 320 };
    const discrete = similarityToPoints(sim, 24, 24, image, { continuous: false });
    const refined = similarityToPoints(sim, 24, 24, image);
    const expected = readContinuous(discrete, sim, 24, image.height, image.width);
    expect(refined).toHaveLength(expected.length);
    refined.forEach((p, i) => {
      expect(p.label).toBe(expected[i]!.label);
      expect(p.x).toBeCloseTo(expected[i]!.x, 6);
      expect(p.y).toBeCloseTo(expected[i]!.y, 6);
      expect(Math.abs(p.x - discrete[i]!.x)).toBeLessThan(1);
    });
  });

  it('keeps up to 60 points of the full grid with the READ-13B settings', () => {
    const sim = randomTensor(seededRandom(5), 576);
    const points = similarityToPoints(sim, 24, 24, { height: 336, width: 336 }, READ_13B_SASP);
    expect(points).toHaveLength(60);
    expect(points.every((p) => p.label !== 1 || p.score >= Math.fround(0.6))).toBe(true);
  });

  it('returns no points for a constant map', () => {
    expect(similarityToPoints(new Float32Array(576).fill(2), 24, 24, { height: 100, width: 100 })).toEqual([]);
  });

  it('refuses a grid that is not square', () => {
    expect(() => similarityToPoints(new Float32Array(24 * 12), 24, 12, { height: 100, width: 100 })).toThrow(/square/);
  });
});
