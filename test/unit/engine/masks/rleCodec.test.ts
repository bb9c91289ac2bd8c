import { describe, expect, it } from 'vitest';
import { labelMapToRles } from '../../../../src/main/engine/masks/labelMap';
import { decodeMask, encodeMask } from '../../../../src/main/engine/masks/rle';
import { decodeRunsInto, encodeRuns } from '../../../../src/main/engine/masks/runs';
import { firstDifference, randomInt, seededRandom } from './golden';

/*
 * Property tests of the row-difference codec (masks/rleCodec.ts) against straightforward
 * references written here, one pixel at a time in column-major order as pycocotools does.
 */

/** Column-major runs of (mask != 0), starting with a run of zeros. */
function referenceRuns(mask: Uint8Array, height: number, width: number): number[] {
  const runs: number[] = [];
  let value = 0;
  let count = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const v = mask[y * width + x] !== 0 ? 1 : 0;
      if (v !== value) {
        runs.push(count);
        count = 0;
        value = v;
      }
      count++;
    }
  }
  runs.push(count);
  return runs;
}

/** maskApi.c rleToString, one count at a time. */
function referenceString(runs: number[]): string {
  let s = '';
  runs.forEach((run, i) => {
    let x = i > 2 ? run - (runs[i - 2] as number) : run;
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5;
      more = (c & 0x10) !== 0 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  });
  return s;
}

/** Runs painted pixel by pixel: `value` where a run of ones covers, `out` untouched elsewhere. */
function referencePaint(runs: ArrayLike<number>, height: number, width: number, out: Uint8Array, value: number): void {
  let pos = 0;
  for (let j = 0; j < runs.length; j++) {
    const n = runs[j] as number;
    for (let t = 0; t < n && pos < height * width; t++, pos++) {
      if (j % 2 === 1) out[(pos % height) * width + Math.floor(pos / height)] = value;
    }
  }
}

type Texture = 'empty' | 'full' | 'noise' | 'sparse' | 'hstripes' | 'vstripes' | 'diagonal' | 'shapes' | 'checker';
const TEXTURES: Texture[] = ['empty', 'full', 'noise', 'sparse', 'hstripes', 'vstripes', 'diagonal', 'shapes', 'checker'];

/** A mask of the given texture; foreground values are any of 1..255. */
function textured(random: () => number, height: number, width: number, texture: Texture): Uint8Array {
  const mask = new Uint8Array(height * width);
  const fg = (): number => (random() < 0.5 ? 1 : randomInt(random, 1, 255));
  const p = random();
  const period = randomInt(random, 1, 9);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let on = false;
      if (texture === 'full') on = true;
      else if (texture === 'noise') on = random() < p;
      else if (texture === 'sparse') on = random() < 0.02;
      else if (texture === 'hstripes') on = Math.floor(y / period) % 2 === 0;
      else if (texture === 'vstripes') on = Math.floor(x / period) % 2 === 0;
      else if (texture === 'diagonal') on = (x + y) % (period + 1) < (period + 1) / 2;
      else if (texture === 'checker') on = (x + y) % 2 === 0;
      if (on) mask[y * width + x] = fg();
    }
  }
  if (texture === 'shapes') {
    for (let r = randomInt(random, 1, 5); r > 0; r--) {
      const cx = random() * width;
      const cy = random() * height;
      const rx = 0.5 + random() * width * 0.5;
      const ry = 0.5 + random() * height * 0.5;
      const v = fg();
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1) mask[y * width + x] = v;
      }
    }
  }
  return mask;
}

/** The same bytes at an odd byte offset inside a larger buffer (exercises unaligned reads). */
function atOffset(mask: Uint8Array, offset: number): Uint8Array {
  const buffer = new Uint8Array(mask.length + offset + 7).fill(0xaa);
  buffer.set(mask, offset);
  return buffer.subarray(offset, offset + mask.length);
}

function randomSize(random: () => number): [number, number] {
  const pick = randomInt(random, 0, 9);
  if (pick === 0) return [1, randomInt(random, 1, 300)];
  if (pick === 1) return [randomInt(random, 1, 300), 1];
  if (pick === 2) return [randomInt(random, 0, 3), randomInt(random, 0, 3)];
  if (pick === 3) return [randomInt(random, 2, 40), randomInt(random, 14, 18)]; // around the 16-byte step
  if (pick === 4) return [randomInt(random, 60, 140), randomInt(random, 60, 140)];
  return [randomInt(random, 1, 48), randomInt(random, 1, 48)];
}

describe('row-difference codec equals the per-pixel reference', () => {
  it('encodes random masks (1xN, Nx1, empty, full, noise, stripes, shapes) to the reference runs and string', () => {
    const random = seededRandom(1207);
    for (let trial = 0; trial < 1500; trial++) {
      const [h, w] = randomSize(random);
      const texture = TEXTURES[trial % TEXTURES.length] as Texture;
      const plain = textured(random, h, w, texture);
      const mask = trial % 3 === 0 ? atOffset(plain, randomInt(random, 1, 7)) : plain;
      const runs = referenceRuns(plain, h, w);
      const label = `${h}x${w} ${texture} trial ${trial}`;
      expect(Array.from(encodeRuns(mask, h, w)), label).toEqual(runs);
      expect(encodeMask(mask, h, w).counts, label).toBe(referenceString(runs));
    }
  });

  it('encodes VOC-sized masks of every texture, landscape and portrait, to the reference runs', () => {
    const random = seededRandom(2012);
    for (const [h, w] of [
      [375, 500],
      [500, 375],
      [333, 257],
    ] as const) {
      for (const texture of TEXTURES) {
        const mask = textured(random, h, w, texture);
        expect(firstDifference(encodeRuns(mask, h, w), referenceRuns(mask, h, w)), `${h}x${w} ${texture}`).toBe(-1);
      }
    }
  });

  it('decodes to the reference mask, and paints only the foreground over existing content', () => {
    const random = seededRandom(99);
    for (let trial = 0; trial < 1500; trial++) {
      const [h, w] = randomSize(random);
      const texture = TEXTURES[trial % TEXTURES.length] as Texture;
      const mask = textured(random, h, w, texture);
      const runs = referenceRuns(mask, h, w);
      const label = `${h}x${w} ${texture} trial ${trial}`;
      const expected = mask.map((v) => (v !== 0 ? 1 : 0));
      expect(firstDifference(decodeMask({ size: [h, w], counts: referenceString(runs) }), expected), label).toBe(-1);

      const background = Uint8Array.from({ length: h * w }, () => randomInt(random, 0, 255));
      const value = randomInt(random, 0, 255);
      const ours = background.slice();
      const reference = background.slice();
      decodeRunsInto(runs, h, w, ours, value);
      referencePaint(runs, h, w, reference, value);
      expect(firstDifference(ours, reference), label).toBe(-1);
    }
  });

  it('decodes runs with empty runs inside and runs that stop short of the image', () => {
    const random = seededRandom(5);
    for (let trial = 0; trial < 1000; trial++) {
      const [h, w] = randomSize(random);
      const area = h * w;
      // Random runs, zero-length ones included, cut so that they cover at most the image.
      const runs: number[] = [];
      let total = 0;
      const target = random() < 0.3 ? randomInt(random, 0, area) : area;
      while (total < target) {
        const n = Math.min(target - total, random() < 0.2 ? 0 : randomInt(random, 1, Math.max(1, Math.ceil(area / 6))));
        runs.push(n);
        total += n;
      }
      if (random() < 0.2) runs.push(0);
      const value = randomInt(random, 1, 255);
      const ours = new Uint8Array(area).fill(7);
      const reference = new Uint8Array(area).fill(7);
      decodeRunsInto(runs, h, w, ours, value);
      referencePaint(runs, h, w, reference, value);
      expect(firstDifference(ours, reference), `${h}x${w} runs ${runs.join(',')}`).toBe(-1);
    }
  });

  it('splits random label maps into per-class RLEs equal to the reference runs of each class', () => {
    const random = seededRandom(21);
    for (let trial = 0; trial < 400; trial++) {
      const [h, w] =
        trial < 6
          ? ([
              [375, 500],
              [500, 375],
              [1, 200],
              [200, 1],
              [17, 33],
              [64, 64],
            ][trial] as [number, number])
          : randomSize(random);
      // Several textures layered with different class values, 0 and 255 included.
      const labels = new Uint8Array(h * w);
      for (let layer = randomInt(random, 1, 4); layer > 0; layer--) {
        const texture = TEXTURES[randomInt(random, 0, TEXTURES.length - 1)] as Texture;
        const cls = [0, 255, randomInt(random, 1, 20)][randomInt(random, 0, 2)] as number;
        textured(random, h, w, texture).forEach((v, i) => {
          if (v !== 0) labels[i] = cls;
        });
      }
      const input = trial % 2 === 0 ? atOffset(labels, randomInt(random, 1, 7)) : labels;
      const parts = labelMapToRles(input, h, w);
      const present = [...new Set(labels)].sort((a, b) => a - b);
      expect(parts.map((p) => p.classIdx)).toEqual(h * w === 0 ? [] : present);
      for (const part of parts) {
        const runs = referenceRuns(
          labels.map((v) => (v === part.classIdx ? 1 : 0)),
          h,
          w,
        );
        expect(part.rle.counts, `${h}x${w} class ${part.classIdx} trial ${trial}`).toBe(referenceString(runs));
      }
    }
  });
});
