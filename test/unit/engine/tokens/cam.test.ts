import { describe, expect, it } from 'vitest';
import { fuseCamScales, normalizeCamPerClass, scaledInputSize } from '../../../../src/main/engine/tokens/cam';
import { bilinearResize, planeResizer } from '../../../../src/main/engine/tokens/interpolate';
import { setWasmKernels } from '../../../../src/main/engine/tokens/wasm/kernels';
import { maxAbsDiff, randomTensor, referenceResize, seededRandom } from './reference';

describe('fuseCamScales (ToCo multi_scale_cam2)', () => {
  it('flips the flipped CAM back, keeps the larger of the pair, clamps negatives and sums the scales', () => {
    // One channel, 1x2, already at the output size, so no interpolation is involved.
    const fused = fuseCamScales(
      [
        // unflip([2, -3]) = [-3, 2]; max with [-1, 0.5] = [-1, 2]; ReLU -> [0, 2]
        { cam: Float32Array.of(-1, 0.5), flipped: Float32Array.of(2, -3), channels: 1, h: 1, w: 2 },
        // unflip([0.25, 1]) = [1, 0.25]; max with [3, -4] = [3, 0.25]
        { cam: Float32Array.of(3, -4), flipped: Float32Array.of(0.25, 1), channels: 1, h: 1, w: 2 },
      ],
      1,
      2,
    );
    expect(Array.from(fused)).toEqual([3, 2.25]);
  });

  it('matches resize-then-unflip, max, ReLU and sum computed pixel by pixel on seeded scales', () => {
    const random = seededRandom(11);
    const channels = 3;
    const outH = 24;
    const outW = 20;
    const scales = [
      { h: 6, w: 5 },
      { h: 3, w: 3 },
      { h: 9, w: 8 },
    ].map(({ h, w }) => ({
      cam: randomTensor(random, channels * h * w, -2, 3),
      flipped: randomTensor(random, channels * h * w, -2, 3),
      channels,
      h,
      w,
    }));
    const expected = new Float64Array(channels * outH * outW);
    for (const s of scales) {
      const direct = referenceResize(s.cam, channels, s.h, s.w, outH, outW);
      const mirrored = referenceResize(s.flipped, channels, s.h, s.w, outH, outW);
      for (let c = 0; c < channels; c++) {
        for (let y = 0; y < outH; y++) {
          for (let x = 0; x < outW; x++) {
            const i = (c * outH + y) * outW + x;
            const j = (c * outH + y) * outW + (outW - 1 - x);
            const best = direct[i]! > mirrored[j]! ? direct[i]! : mirrored[j]!;
            expected[i] = expected[i]! + (best > 0 ? best : 0);
          }
        }
      }
    }
    expect(maxAbsDiff(fuseCamScales(scales, outH, outW), expected)).toBeLessThan(1e-5);
  });

  it('without a flip (params.flip false) sums ReLU(resize(cam)) per scale, bit for bit, with either kernel', () => {
    // torch: F.relu(F.interpolate(cam, (h, w), mode='bilinear', align_corners=False)) summed over the
    // scales in float32; bilinearResize is torch's resize bit for bit (interpolateTorch.test.ts).
    const random = seededRandom(23);
    const channels = 4;
    const [outH, outW] = [61, 47];
    const scales = [
      { h: 8, w: 6 },
      { h: 4, w: 3 },
      { h: 12, w: 9 },
    ].map(({ h, w }) => ({ cam: randomTensor(random, channels * h * w, -2, 3), flipped: null, channels, h, w }));
    const expected = new Float32Array(channels * outH * outW);
    for (const s of scales) {
      const up = bilinearResize(s.cam, channels, s.h, s.w, outH, outW);
      for (let i = 0; i < expected.length; i++) expected[i] = expected[i]! + Math.max(0, up[i]!);
    }
    for (const wasm of [true, false]) {
      setWasmKernels(wasm);
      try {
        const fused = fuseCamScales(scales, outH, outW);
        expect(Buffer.from(fused.buffer).equals(Buffer.from(expected.buffer)), `wasm ${wasm}`).toBe(true);
      } finally {
        setWasmKernels(true);
      }
    }
    // The rule before adapter version 4 paired each CAM with its own mirror image: the max with the
    // mirror's resize differs from the plain resize in the last bit at places, so this test tells the two apart.
    const mirror = (s: (typeof scales)[number]): Float32Array => {
      const m = new Float32Array(s.cam.length);
      for (let r = 0; r < channels * s.h; r++) for (let x = 0; x < s.w; x++) m[r * s.w + x] = s.cam[r * s.w + s.w - 1 - x]!;
      return m;
    };
    const paired = fuseCamScales(
      scales.map((s) => ({ ...s, flipped: mirror(s) })),
      outH,
      outW,
    );
    expect(Buffer.from(paired.buffer).equals(Buffer.from(expected.buffer))).toBe(false);
  });

  it('refuses scales whose channel counts differ', () => {
    const a = { cam: new Float32Array(4), flipped: new Float32Array(4), channels: 1, h: 2, w: 2 };
    const b = { cam: new Float32Array(8), flipped: new Float32Array(8), channels: 2, h: 2, w: 2 };
    expect(() => fuseCamScales([a, b], 4, 4)).toThrow(/channels/);
  });

  it('truncates scaled input sizes as ToCo int(s*h) does', () => {
    expect(scaledInputSize(448, 448, 0.5)).toEqual({ height: 224, width: 224 });
    expect(scaledInputSize(448, 448, 1.5)).toEqual({ height: 672, width: 672 });
    expect(scaledInputSize(333, 500, 1.5)).toEqual({ height: 499, width: 750 });
  });
});

describe('fuseCamScales: bits', () => {
  it('sums ReLU(max(direct, unflipped mirror)) exactly as Math.max does, with -0, +0 and ties in the CAMs', () => {
    const rand = seededRandom(11);
    const scale = (c: number, h: number, w: number) => {
      const pick = () => {
        const r = rand();
        return r < 0.1 ? -0 : r < 0.2 ? 0 : r < 0.3 ? 0.5 : Math.fround(rand() * 6 - 3);
      };
      return {
        cam: Float32Array.from({ length: c * h * w }, pick),
        flipped: Float32Array.from({ length: c * h * w }, pick),
        channels: c,
        h,
        w,
      };
    };
    const scales = [scale(3, 5, 7), scale(3, 3, 4), scale(3, 8, 10)];
    const [H, W] = [11, 13];
    // The definition: torch's resize of each plane, then fused += max(relu(max(d, flip(m))), as Math.max has it.
    const expected = new Float32Array(3 * H * W);
    const direct = new Float32Array(H * W);
    const mirrored = new Float32Array(H * W);
    for (const s of scales) {
      const resize = planeResizer(s.h, s.w, H, W);
      for (let c = 0; c < 3; c++) {
        resize(s.cam, c * s.h * s.w, direct, 0);
        resize(s.flipped, c * s.h * s.w, mirrored, 0);
        for (let y = 0; y < H; y++)
          for (let x = 0; x < W; x++) {
            const i = c * H * W + y * W + x;
            expected[i] = expected[i]! + Math.max(Math.max(direct[y * W + x]!, mirrored[y * W + W - 1 - x]!), 0);
          }
      }
    }
    const fused = fuseCamScales(scales, H, W);
    expect(Buffer.from(fused.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    // Normalized in place: the same bits as into a new array.
    const fresh = normalizeCamPerClass(fused, 3, H, W);
    expect(Buffer.from(normalizeCamPerClass(fused, 3, H, W, fused).buffer).equals(Buffer.from(fresh.buffer))).toBe(true);
  });
});

describe('normalizeCamPerClass (ToCo min-max)', () => {
  it('divides by the maximum taken after the minimum is subtracted, plus 1e-5', () => {
    const out = normalizeCamPerClass(Float32Array.of(1, 3, 5, 7, 7, 7), 2, 1, 3);
    // (cam - 1) / (4 + 1e-5): the top reaches ~1, not 4 / (5 + 1e-5) = 0.8.
    expect(out[0]).toBe(0);
    expect(out[1]).toBeCloseTo(2 / 4.00001, 7);
    expect(out[2]).toBeCloseTo(4 / 4.00001, 7);
    expect(Array.from(out.subarray(3))).toEqual([0, 0, 0]);
  });

  it('matches the float32 steps of (cam - min) / (max - min + 1e-5) on a seeded CAM', () => {
    const channels = 4;
    const size = 7 * 9;
    const cam = randomTensor(seededRandom(5), channels * size, -3, 8);
    const out = normalizeCamPerClass(cam, channels, 7, 9);
    for (let c = 0; c < channels; c++) {
      const plane = Array.from(cam.subarray(c * size, (c + 1) * size));
      const min = Math.min(...plane);
      const shifted = plane.map((v) => Math.fround(v - min));
      const denominator = Math.fround(Math.max(...shifted) + Math.fround(1e-5));
      shifted.forEach((v, i) => expect(out[c * size + i]).toBe(Math.fround(v / denominator)));
    }
  });
});
