import { describe, expect, it } from 'vitest';
import { decodeMask, encodeMask } from '../../../src/main/engine/masks';
import { decodeRleInBox, paintBox, planRegionChanges, spliceRunsInBox } from '../../../src/main/engine/annotations/regionEdit';
import { countsToString, stringToCounts } from '../../../src/main/engine/masks';

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function blobs(rand: () => number, w: number, h: number): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let k = 0; k < 4; k++) {
    const cx = rand() * w;
    const cy = rand() * h;
    const r = 1 + rand() * 8;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (Math.hypot(x - cx, y - cy) < r) m[y * w + x] = 1;
  }
  return m;
}

describe('engine edit core', () => {
  it('decodes exactly the box of an RLE (against a full decode, cropped)', () => {
    const rand = prng(7);
    for (let trial = 0; trial < 50; trial++) {
      const w = 5 + Math.floor(rand() * 30);
      const h = 5 + Math.floor(rand() * 30);
      const mask = blobs(rand, w, h);
      const rle = encodeMask(mask, h, w);
      const full = decodeMask(rle);
      const bw = 1 + Math.floor(rand() * w);
      const bh = 1 + Math.floor(rand() * h);
      const box = { x: Math.floor(rand() * (w - bw + 1)), y: Math.floor(rand() * (h - bh + 1)), w: bw, h: bh };
      const expected: number[] = [];
      for (let y = box.y; y < box.y + bh; y++) for (let x = box.x; x < box.x + bw; x++) expected.push(full[y * w + x] as number);
      expect([...decodeRleInBox(rle, box)]).toEqual(expected);
    }
  });

  it('splices a box into the runs exactly as encoding the whole edited mask would (same RLE string)', () => {
    const rand = prng(11);
    for (let trial = 0; trial < 200; trial++) {
      const w = 1 + Math.floor(rand() * 25);
      const h = 1 + Math.floor(rand() * 25);
      const mask = trial % 5 === 0 ? new Uint8Array(w * h).fill(trial % 10 === 0 ? 1 : 0) : blobs(rand, w, h);
      const bw = 1 + Math.floor(rand() * w);
      const bh = 1 + Math.floor(rand() * h);
      const box = { x: Math.floor(rand() * (w - bw + 1)), y: Math.floor(rand() * (h - bh + 1)), w: bw, h: bh };
      const fill = rand();
      const want = Uint8Array.from({ length: bw * bh }, () => (fill < 0.2 ? 0 : fill > 0.8 ? 1 : rand() < 0.5 ? 1 : 0));
      const edited = mask.slice();
      for (let y = 0; y < bh; y++) for (let x = 0; x < bw; x++) edited[(box.y + y) * w + box.x + x] = want[y * bw + x] as number;
      const runs = spliceRunsInBox(stringToCounts(encodeMask(mask, h, w).counts), h, w, box, want);
      expect(countsToString(runs), `trial ${trial}`).toBe(encodeMask(edited, h, w).counts);
    }
  });

  it('plans new versions only for regions whose pixels change, and a new region for a new class', () => {
    const w = 6;
    const h = 4;
    const one = new Uint8Array(w * h);
    one.fill(1, 0, 3); // row 0, x 0..2
    const two = new Uint8Array(w * h);
    two.fill(1, 3 * w + 3, 3 * w + 6); // row 3, x 3..5
    const regions = [
      { annotationId: 10, classIdx: 1, rle: encodeMask(one, h, w) },
      { annotationId: 11, classIdx: 2, rle: encodeMask(two, h, w) },
    ];
    const box = { x: 1, y: 0, w: 2, h: 2 };
    expect([...paintBox(regions, box)]).toEqual([1, 1, 0, 0]);
    // Class 1 loses (2,0), class 4 appears at (1,1) and (2,1)... class 2 is untouched.
    const changes = planRegionChanges(regions, h, w, box, Uint8Array.from([1, 0, 4, 4]));
    expect(changes.map((c) => [c.annotationId, c.classIdx, c.area])).toEqual([
      [10, 1, 2],
      [null, 4, 2],
    ]);
    expect([...decodeMask(changes[0]!.rle)].slice(0, w)).toEqual([1, 1, 0, 0, 0, 0]);
    expect([...decodeMask(changes[1]!.rle)].slice(w, 2 * w)).toEqual([0, 1, 1, 0, 0, 0]);
  });
});
