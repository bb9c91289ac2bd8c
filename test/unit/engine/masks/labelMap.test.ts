import { describe, expect, it } from 'vitest';
import { labelMapToRles, paintLabelMap } from '../../../../src/main/engine/masks/labelMap';
import { decodeMask, encodeMask, rleArea, rleBbox } from '../../../../src/main/engine/masks/rle';
import { firstDifference, randomInt, seededRandom } from './golden';

/** Random label map: blobs of a few classes on background, some 255 (ignore) pixels. */
function randomLabels(random: () => number, height: number, width: number): Uint8Array {
  const labels = new Uint8Array(height * width);
  const classes = [0, randomInt(random, 1, 20), randomInt(random, 1, 20), 255];
  const noisy = random() < 0.3;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const blob = Math.floor((x * 3) / Math.max(width, 1)) + Math.floor((y * 2) / Math.max(height, 1));
      labels[y * width + x] = noisy ? (classes[randomInt(random, 0, 3)] as number) : (classes[blob % 4] as number);
    }
  }
  return labels;
}

describe('labelMapToRles', () => {
  it('gives one RLE per value present, 0 and 255 included, sorted by class index', () => {
    const labels = new Uint8Array([255, 3, 3, 0, 255, 7]);
    const parts = labelMapToRles(labels, 2, 3);
    expect(parts.map((p) => p.classIdx)).toEqual([0, 3, 7, 255]);
    expect(parts.map((p) => p.area)).toEqual([1, 2, 1, 2]);
  });

  it('equals encoding each class mask separately, with the same area and bbox as pycocotools would give', () => {
    const random = seededRandom(5);
    for (let t = 0; t < 150; t++) {
      const h = randomInt(random, 1, 30);
      const w = randomInt(random, 1, 30);
      const labels = randomLabels(random, h, w);
      const parts = labelMapToRles(labels, h, w);
      const present = [...new Set(labels)].sort((a, b) => a - b);
      expect(parts.map((p) => p.classIdx)).toEqual(present);
      for (const part of parts) {
        const own = encodeMask(
          labels.map((v) => (v === part.classIdx ? 1 : 0)),
          h,
          w,
        );
        expect(part.rle).toEqual(own);
        expect(part.area).toBe(rleArea(own));
        expect(part.bbox).toEqual(rleBbox(own));
      }
    }
  });

  it('returns nothing for an empty image and refuses a buffer of the wrong length', () => {
    expect(labelMapToRles(new Uint8Array(0), 0, 4)).toEqual([]);
    expect(() => labelMapToRles(new Uint8Array(5), 2, 3)).toThrow(/5 pixels, expected 2x3/);
  });
});

describe('paintLabelMap', () => {
  it('round-trips labelMapToRles on random label maps of random sizes', () => {
    const random = seededRandom(9);
    const sizes: Array<[number, number]> = [
      [1, 1],
      [1, 9],
      [9, 1],
      [375, 500],
    ];
    for (let t = 0; t < 100; t++) sizes.push([randomInt(random, 1, 40), randomInt(random, 1, 40)]);
    for (const [h, w] of sizes) {
      const labels = randomLabels(random, h, w);
      const parts = labelMapToRles(labels, h, w);
      expect(firstDifference(paintLabelMap(parts, h, w), labels)).toBe(-1);
    }
  });

  it('lets later parts overwrite earlier ones and fills the rest with the background value', () => {
    const a = encodeMask(new Uint8Array([1, 1, 0, 0]), 2, 2);
    const b = encodeMask(new Uint8Array([0, 1, 1, 0]), 2, 2);
    expect(
      paintLabelMap(
        [
          { classIdx: 4, rle: a },
          { classIdx: 9, rle: b },
        ],
        2,
        2,
      ),
    ).toEqual(new Uint8Array([4, 9, 9, 0]));
    expect(
      paintLabelMap(
        [
          { classIdx: 9, rle: b },
          { classIdx: 4, rle: a },
        ],
        2,
        2,
        255,
      ),
    ).toEqual(new Uint8Array([4, 4, 9, 255]));
  });

  it('paints exactly the pixels decodeMask reports as foreground', () => {
    const mask = new Uint8Array([0, 1, 1, 0, 1, 0]);
    const painted = paintLabelMap([{ classIdx: 200, rle: encodeMask(mask, 3, 2) }], 3, 2);
    expect(painted).toEqual(decodeMask(encodeMask(mask, 3, 2)).map((v) => v * 200));
  });

  it('refuses a part whose size differs from the image and class indices outside 0..255', () => {
    const rle = encodeMask(new Uint8Array(6), 2, 3);
    expect(() => paintLabelMap([{ classIdx: 1, rle }], 3, 2)).toThrow(/part 0 \(class 1\): RLE size 2x3 differs from 3x2/);
    expect(() => paintLabelMap([{ classIdx: 256, rle }], 2, 3)).toThrow(/class index is 256/);
    expect(() => paintLabelMap([], 2, 3, -1)).toThrow(/fill is -1/);
  });
});
