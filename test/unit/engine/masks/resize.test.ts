import { describe, expect, it } from 'vitest';
import { resizeNearest } from '../../../../src/main/engine/masks/resize';
import { fromHex, randomInt, readGolden, seededRandom, type OpenCvExtraGolden } from './golden';

const opencv = readGolden<OpenCvExtraGolden>('opencv_extra.json');

describe('resizeNearest', () => {
  it.each(opencv.resize.map((r) => [`${r.sw}x${r.sh} -> ${r.dw}x${r.dh}`, r] as const))(
    'matches cv2.resize INTER_NEAREST for %s',
    (_name, r) => {
      expect(resizeNearest(fromHex(r.src), r.sw, r.sh, r.dw, r.dh)).toEqual(fromHex(r.dst));
    },
  );

  it('picks source pixel floor(dst * src / dst_size) in each axis, away from exact pixel boundaries', () => {
    const random = seededRandom(31);
    for (let t = 0; t < 100; t++) {
      const [sw, sh, dw, dh] = [0, 0, 0, 0].map(() => randomInt(random, 1, 30)) as [number, number, number, number];
      const src = Uint8Array.from({ length: sw * sh }, () => randomInt(random, 0, 255));
      const out = resizeNearest(src, sw, sh, dw, dh);
      for (let y = 0; y < dh; y++) {
        for (let x = 0; x < dw; x++) {
          // Where x * sw / dw is a whole number OpenCV's rounded reciprocal may land one lower.
          if ((x * sw) % dw === 0 || (y * sh) % dh === 0) continue;
          const sx = Math.min(Math.floor((x * sw) / dw), sw - 1);
          const sy = Math.min(Math.floor((y * sh) / dh), sh - 1);
          expect(out[y * dw + x]).toBe(src[sy * sw + sx]);
        }
      }
    }
  });

  it('follows OpenCV where its reciprocal scale rounds down: 2 -> 98 columns maps column 49 to source 0, not 1', () => {
    const out = resizeNearest(new Uint8Array([10, 20]), 2, 1, 98, 1);
    expect(out[48]).toBe(10);
    expect(out[49]).toBe(10);
    expect(out[50]).toBe(20);
  });

  it('returns a copy for an unchanged size and refuses bad sizes', () => {
    const src = new Uint8Array([1, 2, 3, 4, 5, 6]);
    expect(resizeNearest(src, 3, 2, 3, 2)).toEqual(src);
    expect(() => resizeNearest(src, 3, 2, 0, 2)).toThrow(/dw is 0/);
    expect(() => resizeNearest(src, 2, 2, 3, 2)).toThrow(/6 pixels, expected 2x2/);
  });
});
