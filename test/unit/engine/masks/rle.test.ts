import { describe, expect, it } from 'vitest';
import {
  countsToString,
  decodeMask,
  encodeMask,
  mergeRles,
  polygonsToRle,
  rleArea,
  rleBbox,
  rleFromUncompressed,
  rleIou,
  stringToCounts,
  type Rle,
} from '../../../../src/main/engine/masks/rle';
import {
  firstDifference,
  naiveRuns,
  randomInt,
  randomMask,
  readGolden,
  seededRandom,
  type CocoExtraGolden,
  type CocoGolden,
} from './golden';

const coco = readGolden<CocoGolden>('coco_rle.json');
const extra = readGolden<CocoExtraGolden>('coco_rle_extra.json');

/** Column-major runs -> row-major mask, written as a plain loop for comparison. */
function maskFromRuns(runs: number[], height: number, width: number): Uint8Array {
  const mask = new Uint8Array(height * width);
  let pos = 0;
  runs.forEach((n, j) => {
    for (let t = 0; t < n; t++, pos++) {
      if (j % 2 === 1) mask[(pos % height) * width + Math.floor(pos / height)] = 1;
    }
  });
  return mask;
}

describe('pycocotools golden masks', () => {
  it.each(coco.masks.map((m) => [`${m.h}x${m.w} ${m.kind}`, m] as const))('reproduces runs, counts, area and bbox of %s', (_name, m) => {
    const rle: Rle = { size: [m.h, m.w], counts: m.counts };
    expect(Array.from(stringToCounts(m.counts))).toEqual(m.runs);
    expect(countsToString(m.runs)).toBe(m.counts);
    const mask = decodeMask(rle);
    expect(firstDifference(mask, maskFromRuns(m.runs, m.h, m.w))).toBe(-1);
    expect(encodeMask(mask, m.h, m.w)).toEqual(rle);
    expect(rleArea(rle)).toBe(m.area);
    expect(rleBbox(rle)).toEqual(m.bbox);
  });

  it.each(extra.masks.map((m) => [`${m.h}x${m.w} ${m.note}`, m] as const))(
    'reproduces counts, area and bbox (quirks included) of extra mask %s',
    (_name, m) => {
      const rle: Rle = { size: [m.h, m.w], counts: m.counts };
      expect(Array.from(stringToCounts(m.counts))).toEqual(m.runs);
      expect(encodeMask(maskFromRuns(m.runs, m.h, m.w), m.h, m.w).counts).toBe(m.counts);
      expect(rleArea(rle)).toBe(m.area);
      expect(rleBbox(rle)).toEqual(m.bbox);
    },
  );
});

describe('pycocotools golden polygons', () => {
  it.each(coco.polygons.map((p, i) => [i, p] as const))('rasterizes polygon case %i exactly as frPyObjects + merge', (_i, p) => {
    const rle = polygonsToRle(p.polygons, p.h, p.w);
    expect(rle).toEqual({ size: [p.h, p.w], counts: p.counts });
    expect(rleArea(rle)).toBe(p.area);
  });

  it.each(extra.polygons.map((p, i) => [i, p.note, p] as const))('rasterizes extra polygon case %i (%s) exactly', (_i, _note, p) => {
    const rle = polygonsToRle(p.polygons, p.h, p.w);
    expect(rle.counts).toBe(p.counts);
    expect(rleArea(rle)).toBe(p.area);
  });

  it('refuses inputs that pycocotools frPyObjects refuses', () => {
    expect(() => polygonsToRle([], 10, 10)).toThrow(/no polygons/);
    expect(() => polygonsToRle([[1, 2, 3, 4]], 10, 10)).toThrow(/first polygon has 4 numbers/);
    expect(() => polygonsToRle([[1, 2]], 10, 10)).toThrow(/first polygon/);
  });
});

describe('pycocotools golden merge and iou', () => {
  it.each(extra.merges.map((m, i) => [i, m.intersect ? 'intersection' : 'union', m] as const))(
    'merges extra case %i (%s) exactly as rleMerge',
    (_i, _kind, m) => {
      const rles = m.rles.map((counts): Rle => ({ size: [m.h, m.w], counts }));
      expect(mergeRles(rles, m.intersect)).toEqual({ size: [m.h, m.w], counts: m.counts });
    },
  );

  it.each(coco.iou.map((c, i) => [i, c] as const))('computes the iou matrix of case %i exactly as mask.iou', (_i, c) => {
    const dt = c.dt.map((counts): Rle => ({ size: [c.h, c.w], counts }));
    const gt = c.gt.map((counts): Rle => ({ size: [c.h, c.w], counts }));
    expect(
      rleIou(
        dt,
        gt,
        c.iscrowd.map((v) => v === 1),
      ),
    ).toEqual(c.iou);
  });

  it.each(extra.iou.map((c, i) => [i, c] as const))('computes the extra iou matrix %i (crowd, empty, size mismatch) exactly', (_i, c) => {
    expect(
      rleIou(
        c.dt,
        c.gt,
        c.iscrowd.map((v) => v === 1),
      ),
    ).toEqual(c.iou);
  });

  it('gives an empty matrix when there are no detections or no ground truths, like pycocotools', () => {
    const r = encodeMask(new Uint8Array([1, 0, 1, 0]), 2, 2);
    expect(rleIou([], [r], [false])).toEqual([]);
    expect(rleIou([r], [], [])).toEqual([]);
  });

  it('refuses an iscrowd list that does not match the ground truths', () => {
    const r = encodeMask(new Uint8Array([1, 0, 1, 0]), 2, 2);
    expect(() => rleIou([r], [r], [])).toThrow(/iscrowd/);
  });

  it('merges no RLEs into an empty 0x0 RLE and refuses RLEs of different sizes', () => {
    expect(mergeRles([])).toEqual({ size: [0, 0], counts: '' });
    const a = encodeMask(new Uint8Array(6), 2, 3);
    const b = encodeMask(new Uint8Array(6), 3, 2);
    expect(() => mergeRles([a, b])).toThrow(/size 3x2/);
  });
});

describe('uncompressed (iscrowd) RLE', () => {
  it.each(extra.uncompressed.map((u, i) => [i, u] as const))('compresses extra case %i exactly as frPyObjects', (_i, u) => {
    expect(rleFromUncompressed(u)).toEqual({ size: u.size, counts: u.compressed });
  });

  it('refuses negative or fractional counts', () => {
    expect(() => rleFromUncompressed({ size: [1, 3], counts: [1, -1, 3] })).toThrow(/count 1/);
    expect(() => rleFromUncompressed({ size: [1, 3], counts: [1.5, 1.5] })).toThrow(/count 0/);
  });
});

describe('counts string codec', () => {
  it('applies the delta against the count two back only from the fourth count on', () => {
    // Counts 0..2 are written as they are (count 2 is not 5 - 5 = 0); count 3 as 9 - 6 = 3.
    expect(countsToString([5, 6, 5, 9])).toBe('5653');
    expect(Array.from(stringToCounts('5653'))).toEqual([5, 6, 5, 9]);
  });

  it('round-trips random run lists, large and negative deltas included', () => {
    const random = seededRandom(11);
    for (let trial = 0; trial < 500; trial++) {
      const n = randomInt(random, 0, 40);
      const scale = [1, 40, 5000, 2 ** 20, 2 ** 31, 2 ** 32 - 1][randomInt(random, 0, 5)] as number;
      const runs = Array.from({ length: n }, () => randomInt(random, 0, scale));
      expect(Array.from(stringToCounts(countsToString(runs)))).toEqual(runs);
    }
  });

  it('refuses characters outside the alphabet and strings that end inside a count', () => {
    expect(() => stringToCounts('01p')).toThrow(/character "p" at 2/);
    expect(() => stringToCounts('0 ')).toThrow(/character/);
    expect(() => stringToCounts('0P')).toThrow(/ends inside a count/);
  });

  it('refuses a count that runs on past 7 characters or decodes outside 0..2^32-1 as malformed (it decoded to 0 pixels)', () => {
    expect(() => stringToCounts('1' + '`'.repeat(20) + '0')).toThrow(
      'RLE counts string is malformed: count 2 (from character 1) goes on past 7 characters, the most a COCO count takes',
    );
    expect(() => stringToCounts('oooooooooooo0')).toThrow(/^RLE counts string is malformed: count 1 \(from character 0\) goes on past 7/);
    // 7 chars, the top one's bits beyond 2^32: 16660316688.
    expect(() => stringToCounts('``````?')).toThrow(
      'RLE counts string is malformed: count 1 (from character 0) decodes to 16660316688, not a run length (0 to 2^32-1)',
    );
    // A negative first count (pycocotools' (uint) cast made it 4294967295).
    expect(() => stringToCounts('O')).toThrow(
      'RLE counts string is malformed: count 1 (from character 0) decodes to -1, not a run length (0 to 2^32-1)',
    );
    // The largest count still reads.
    expect(Array.from(stringToCounts(countsToString([2 ** 32 - 1])))).toEqual([2 ** 32 - 1]);
  });
});

describe('encode and decode', () => {
  it('round-trips random masks of random sizes, nonzero meaning foreground', () => {
    const random = seededRandom(7);
    const sizes: Array<[number, number]> = [
      [1, 1],
      [1, 17],
      [17, 1],
      [0, 5],
      [5, 0],
    ];
    for (let t = 0; t < 200; t++) sizes.push([randomInt(random, 1, 40), randomInt(random, 1, 40)]);
    for (const [h, w] of sizes) {
      const mask = randomMask(random, h, w);
      const rle = encodeMask(mask, h, w);
      expect(rle.size).toEqual([h, w]);
      expect(Array.from(stringToCounts(rle.counts))).toEqual(naiveRuns(mask, h, w));
      expect(decodeMask(rle)).toEqual(mask.map((v) => (v !== 0 ? 1 : 0)));
      expect(rleArea(rle)).toBe(mask.reduce((s, v) => s + (v !== 0 ? 1 : 0), 0));
    }
  });

  it('encodes all-zero and all-one masks as a single run', () => {
    expect(encodeMask(new Uint8Array(12), 3, 4).counts).toBe(countsToString([12]));
    expect(encodeMask(new Uint8Array(12).fill(1), 3, 4).counts).toBe(countsToString([0, 12]));
  });

  it('refuses a mask whose length does not match its size', () => {
    expect(() => encodeMask(new Uint8Array(5), 2, 3)).toThrow(/5 pixels, expected 2x3/);
  });

  it('refuses counts that run past the image, and leaves a short RLE zero-padded like pycocotools', () => {
    expect(() => decodeMask({ size: [2, 2], counts: countsToString([1, 4]) })).toThrow(/cover 5 pixels/);
    expect(decodeMask({ size: [2, 2], counts: countsToString([1, 1]) })).toEqual(new Uint8Array([0, 0, 1, 0]));
  });

  it('merges random masks into their pixelwise union and intersection', () => {
    const random = seededRandom(3);
    for (let t = 0; t < 100; t++) {
      const h = randomInt(random, 1, 20);
      const w = randomInt(random, 1, 20);
      const masks = Array.from({ length: randomInt(random, 2, 4) }, () => randomMask(random, h, w));
      const rles = masks.map((m) => encodeMask(m, h, w));
      const union = masks.reduce((acc, m) => acc.map((v, i) => (v || m[i] ? 1 : 0)), new Uint8Array(h * w));
      const inter = masks.reduce((acc, m) => acc.map((v, i) => (v && m[i] ? 1 : 0)), new Uint8Array(h * w).fill(1));
      expect(decodeMask(mergeRles(rles))).toEqual(union);
      expect(decodeMask(mergeRles(rles, true))).toEqual(inter);
    }
  });
});
