import { describe, expect, it } from 'vitest';
import {
  bilinearResize,
  bilinearResizeAbove,
  bilinearResizeArgmax,
  bilinearTaps,
  fma32,
} from '../../../../src/main/engine/tokens/interpolate';
import { maxAbsDiff, randomTensor, referenceResize, seededRandom } from './reference';

describe('bilinearResize (torch F.interpolate, bilinear, align_corners=False)', () => {
  it('upsamples 2x2 to 4x4 to the values worked out by hand from torch formula', () => {
    // Per axis: src = 0.5 * dst - 0.25 -> [0 (clamped), 0.25, 0.75, 1.25 (upper index clamped)].
    const out = bilinearResize(Float32Array.of(1, 2, 3, 4), 1, 2, 2, 4, 4);
    expect(Array.from(out)).toEqual([1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4]);
  });

  it('upsamples 1x3 to 1x5 with source coordinates 0, 0.4, 1, 1.6 and 2 (clamped from 2.2), in float32 as torch', () => {
    // torch's scale is float32(3/5) = 0.6000000238..., so the coordinates are 0.40000004, 1.0000001 and
    // 1.6000001. torch 1.13 sums a one-channel map in double (its channels-last kernel) and a
    // multi-channel one with float32 fmas: 16 in the first, 16.000002 in the second.
    const row = Float32Array.of(0, 10, 20);
    expect(Array.from(bilinearResize(row, 1, 1, 3, 1, 5))).toEqual([0, 4.000000476837158, 10.000000953674316, 16, 20]);
    const three = bilinearResize(Float32Array.of(...row, ...row, ...row), 3, 1, 3, 1, 5);
    expect(Array.from(three.subarray(0, 5))).toEqual([0, 4.000000476837158, 10.000000953674316, 16.000001907348633, 20]);
  });

  it('halving a side averages each 2x2 block exactly', () => {
    const src = Float32Array.from({ length: 16 }, (_, i) => i * i);
    const out = bilinearResize(src, 1, 4, 4, 2, 2);
    const block = (r: number, c: number): number =>
      (src[r * 4 + c]! + src[r * 4 + c + 1]! + src[(r + 1) * 4 + c]! + src[(r + 1) * 4 + c + 1]!) / 4;
    expect(Array.from(out)).toEqual([block(0, 0), block(0, 2), block(2, 0), block(2, 2)]);
  });

  it('returns the input unchanged when the size does not change', () => {
    const src = randomTensor(seededRandom(3), 2 * 5 * 7);
    expect(Array.from(bilinearResize(src, 2, 5, 7, 5, 7))).toEqual(Array.from(src));
  });

  it.each([
    [3, 6, 5, 17, 11],
    [2, 28, 28, 448, 448],
    [1, 13, 9, 4, 5],
    [2, 7, 11, 10, 3],
  ])('matches the per-pixel formula on a seeded %i-channel %ix%i -> %ix%i tensor', (channels, sh, sw, dh, dw) => {
    const src = randomTensor(seededRandom(sh * 100 + dw), channels * sh * sw, -5, 5);
    const out = bilinearResize(src, channels, sh, sw, dh, dw);
    expect(maxAbsDiff(out, referenceResize(src, channels, sh, sw, dh, dw))).toBeLessThan(1e-5);
  });

  it('clamps source indices at both edges when shrinking', () => {
    const taps = bilinearTaps(5, 2);
    // scale 2.5: src = 2.5 * (dst + 0.5) - 0.5 -> 0.75 and 3.25.
    expect(Array.from(taps.lo)).toEqual([0, 3]);
    expect(Array.from(taps.hi)).toEqual([1, 4]);
    expect(Array.from(taps.wHi)).toEqual([0.75, 0.25]);
  });

  it('rejects a tensor whose length does not match its shape', () => {
    expect(() => bilinearResize(new Float32Array(5), 1, 2, 2, 4, 4)).toThrow(/expected 4/);
  });
});

describe('bilinearResizeAbove (resize + threshold without the resized plane)', () => {
  const sizes: Array<[number, number, number, number]> = [
    [1, 1, 1, 1],
    [1, 1, 7, 5],
    [4, 4, 4, 4],
    [5, 7, 11, 3],
    [32, 24, 33, 23],
    [30, 40, 61, 79],
    [64, 64, 13, 9],
    [16, 48, 480, 160],
  ];
  it.each(sizes)('equals bilinearResize then > threshold for %ix%i -> %ix%i, thresholds on exact resized values', (sh, sw, dh, dw) => {
    const rand = seededRandom(sh * 1000 + dw);
    const src = randomTensor(rand, sh * sw);
    const full = bilinearResize(src, 1, sh, sw, dh, dw);
    // Thresholds equal to values the resize produced (ties must stay 0), between them, and outside.
    const thresholds = [full[0]!, full[full.length >> 1]!, full[full.length - 1]!, 0.3, -10, 10];
    for (const t of thresholds) {
      const expected = Uint8Array.from(full, (v) => (v > t ? 1 : 0));
      expect(Array.from(bilinearResizeAbove(src, sh, sw, dh, dw, t))).toEqual(Array.from(expected));
    }
  });

  it('rejects a plane whose length does not match its shape', () => {
    expect(() => bilinearResizeAbove(new Float32Array(5), 2, 3, 4, 4, 0.5)).toThrow();
  });
});

describe('bilinearResizeArgmax (resize + argmax without the resized tensor)', () => {
  /** The reference: bilinearResize, then the first channel with the largest float32 value. */
  function reference(src: Float32Array, c: number, sh: number, sw: number, dh: number, dw: number): number[] {
    const full = bilinearResize(src, c, sh, sw, dh, dw);
    const plane = dh * dw;
    return Array.from({ length: plane }, (_, i) => {
      let best = 0;
      for (let k = 1; k < c; k++) if (full[k * plane + i]! > full[best * plane + i]!) best = k;
      return best;
    });
  }
  it.each([
    [1, 4, 4, 9, 7],
    [3, 5, 7, 11, 3],
    [21, 16, 12, 75, 50],
    [4, 30, 40, 17, 23],
    [2, 8, 8, 8, 8],
  ])('equals bilinearResize then argmax for %i channels %ix%i -> %ix%i', (c, sh, sw, dh, dw) => {
    const src = randomTensor(seededRandom(c * 31 + sh), c * sh * sw);
    expect(Array.from(bilinearResizeArgmax(src, c, sh, sw, dh, dw))).toEqual(reference(src, c, sh, sw, dh, dw));
  });
  it('keeps the first channel on exact ties, as torch.argmax', () => {
    // Channels 0 and 2 identical, channel 1 lower: every pixel is a tie between 0 and 2.
    const a = randomTensor(seededRandom(5), 6 * 5);
    const src = new Float32Array(3 * 30);
    src.set(a, 0);
    src.set(
      a.map((v) => v - 1),
      30,
    );
    src.set(a, 60);
    expect(Array.from(bilinearResizeArgmax(src, 3, 6, 5, 13, 9)).every((l) => l === 0)).toBe(true);
  });
});

describe('fma32 (float32 fused multiply-add, rounded once)', () => {
  const ulp = 2 ** -23;
  it('is the float32 rounding of a*b + c', () => {
    expect(fma32(3, 0.5, 0.25)).toBe(1.75);
    expect(fma32(0.1, 0.2, 0.3)).toBe(Math.fround(0.1 * 0.2 + 0.3));
    expect(fma32(-0, 1, -0)).toBe(-0);
    expect(fma32(Infinity, 0.5, 1)).toBe(Infinity);
    expect(fma32(Infinity, 0, 1)).toBeNaN();
  });

  it('rounds once where the double a*b + c lands halfway between two float32 values', () => {
    // a*b = 2^-24 (1 + 2^-23)(1 - 2^-23) = 2^-24 - 2^-70, just under half an ulp of c: the double sum
    // rounds up to the halfway point, whose tie then goes to the even neighbour c + ulp.
    const c = Math.fround((2 ** 23 + 4623965) * ulp);
    expect(Math.fround((1 + ulp) * (2 ** -24 * (1 - ulp)) + c)).toBe(c + ulp);
    expect(fma32(1 + ulp, 2 ** -24 * (1 - ulp), c)).toBe(c);
    // a*b = -(2^-24 - 2^-68): the double sum rounds down to the halfway point below d, the tie to d - ulp.
    const d = Math.fround((2 ** 23 + 3750157) * ulp);
    expect(Math.fround(-(1 + 2 * ulp) * (2 ** -24 * (1 - 2 * ulp)) + d)).toBe(d - ulp);
    expect(fma32(-(1 + 2 * ulp), 2 ** -24 * (1 - 2 * ulp), d)).toBe(d);
  });
});
