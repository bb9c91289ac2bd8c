import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fuseCamScales, fuseCamScalesNormalized, normalizeCamPerClass, type CamAtScale } from '../../../../src/main/engine/tokens/cam';
import { bilinearResize, bilinearResizeAbove, fma32, resizeTaps } from '../../../../src/main/engine/tokens/interpolate';
import { BILINEAR_WASM } from '../../../../src/main/engine/tokens/wasm/bilinearWasm';
import {
  fuseCamWasm,
  resizePlanesWasm,
  setWasmKernels,
  wasmKernelsOn,
  type KernelTaps,
} from '../../../../src/main/engine/tokens/wasm/kernels';
import { mulberry32 } from '../../../../src/main/engine/metrics/prng';
import { camPostprocess, type CamPostprocessTask } from '../../../../src/main/engine/models/adapters/camPostprocess';
// @ts-expect-error tools/build-wasm.mjs is plain JavaScript without types
import { assemble, WASM_SOURCES } from '../../../../tools/build-wasm.mjs';

// The WebAssembly kernels must give the JavaScript kernels' bits (which interpolateTorch.test.ts holds
// to torch's): every case runs both ways and compares the float32 bit patterns.

const ROOT = join(__dirname, '..', '..', '..', '..');

afterEach(() => setWasmKernels(true));

/** Runs `f` with the JavaScript kernels, then with the WebAssembly ones. */
function bothWays<T>(f: () => T): { js: T; wasm: T } {
  setWasmKernels(false);
  const js = f();
  setWasmKernels(true);
  expect(wasmKernelsOn()).toBe(true);
  return { js, wasm: f() };
}

/** Indices where the two arrays' float32 bit patterns differ (at most 5). */
function bitDiffs(a: Float32Array, b: Float32Array): number[] {
  expect(a.length).toBe(b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  const out: number[] = [];
  for (let i = 0; i < x.length && out.length < 5; i++) if (x[i] !== y[i]) out.push(i);
  return out;
}

type Kind = 'uniform' | 'wide' | 'few-bits' | 'zeros' | 'specials';

/** Values that exercise the kernels' flagged lanes: few significant bits (exact halfway sums), signed zeros, subnormals, huge magnitudes. */
function values(kind: Kind, n: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rand();
    switch (kind) {
      case 'uniform':
        out[i] = r * 4 - 1;
        break;
      case 'wide':
        out[i] = (r - 0.5) * 2 ** Math.floor(rand() * 60 - 30);
        break;
      case 'few-bits':
        out[i] = Math.floor(r * 64 - 32) / 8;
        break;
      case 'zeros':
        out[i] = r < 0.6 ? (rand() < 0.5 ? 0 : -0) : r - 0.8;
        break;
      case 'specials': {
        const pick = Math.floor(r * 6);
        out[i] = [1e-40, -3e-39, 1.5e38, -2e38, 0, r][pick]!;
        break;
      }
    }
  }
  return out;
}

const KINDS: Kind[] = ['uniform', 'wide', 'few-bits', 'zeros', 'specials'];

describe('the assembled module', () => {
  it('is what tools/build-wasm.mjs makes of bilinear.wat today (run `npm run build:wasm` after editing it)', async () => {
    const [source] = WASM_SOURCES as Array<{ wat: string }>;
    const bytes = (await assemble(join(ROOT, source!.wat))) as Buffer;
    expect(Buffer.from(BILINEAR_WASM, 'base64').equals(bytes)).toBe(true);
    expect(readFileSync(join(ROOT, 'src/main/engine/tokens/wasm/kernels.ts'), 'utf8')).toContain('bilinearWasm');
  });
});

describe('bilinearResize with the WebAssembly kernels', () => {
  const sizes: Array<[number, number, number, number]> = [
    [28, 28, 448, 448],
    [14, 14, 448, 448],
    [42, 42, 448, 448],
    [448, 448, 112, 112],
    [448, 448, 375, 500],
    [7, 9, 33, 31],
    [5, 3, 2, 7],
    [64, 64, 63, 65],
    [2, 2, 1, 1],
    [1, 6, 5, 11],
  ];
  for (const kind of KINDS) {
    it(`gives the JavaScript kernel's bits on ${kind} values`, () => {
      sizes.forEach(([sh, sw, dh, dw], k) => {
        const channels = 2 + (k % 3);
        const src = values(kind, channels * sh * sw, 100 + k);
        const { js, wasm } = bothWays(() => bilinearResize(src, channels, sh, sw, dh, dw));
        expect(bitDiffs(js, wasm), `${sh}x${sw} -> ${dh}x${dw}`).toEqual([]);
      });
    });
  }
});

describe('bilinearResizeAbove with the WebAssembly kernels', () => {
  /** The float32 neighbours of `t`: the values a threshold compare can get wrong. */
  function near(t: number): number[] {
    if (t === 0) return [0, -1.401298464324817e-45, 1.401298464324817e-45];
    const f = new Float32Array([t, t, t]);
    const i = new Int32Array(f.buffer);
    i[1]! -= 1;
    i[2]! += 1;
    return [f[0]!, f[1]!, f[2]!];
  }
  const sizes: Array<[number, number, number, number]> = [
    [960, 832, 1000, 872],
    [960, 960, 1411, 1411],
    [512, 512, 512, 511],
    [288, 448, 300, 451],
    [7, 9, 33, 31],
    [5, 3, 2, 7],
    [1, 6, 5, 11],
    [6, 1, 13, 3],
    [1, 1, 4, 5],
    // Downscales, in bands of 64 output rows that each read many source rows.
    [900, 700, 70, 50],
    [700, 5, 130, 3],
  ];
  for (const threshold of [0.5, 0.3, 0.25, 0.1, 0, 1]) {
    it(`gives the JavaScript mask (and resize-then-compare's) at threshold ${threshold}`, () => {
      sizes.forEach(([sh, sw, dh, dw], k) => {
        const rand = mulberry32(300 + k);
        // Uniform values, and values at and one step either side of the threshold's float32 (runs of
        // equal values, which the resize keeps in places).
        const edge = near(threshold);
        const src = Float32Array.from({ length: sh * sw }, (_, i) => (i % 97 < 40 ? edge[Math.floor(i / 7) % 3]! : rand()));
        const { js, wasm } = bothWays(() => bilinearResizeAbove(src, sh, sw, dh, dw, threshold));
        expect(Buffer.from(wasm).equals(Buffer.from(js)), `${sh}x${sw} -> ${dh}x${dw}`).toBe(true);
        const resized = bilinearResize(src, 1, sh, sw, dh, dw);
        let wrong = 0;
        for (let i = 0; i < resized.length; i++) if ((resized[i]! > threshold ? 1 : 0) !== wasm[i]) wrong++;
        expect(wrong, `${sh}x${sw} -> ${dh}x${dw}`).toBe(0);
        if (k === 0) expect(new Set(wasm).size).toBe(2);
      });
    });
  }
});

/** Taps that put one output value at fma(top, h0, float32(bottom * h1)) for chosen weights. */
function oneTap(h0: number, h1: number): KernelTaps {
  return { lo: Int32Array.of(0), hi: Int32Array.of(1), wLo: Float32Array.of(h0), wHi: Float32Array.of(h1) };
}

describe('the halfway sums that need the scalar fma', () => {
  // top * h0 = 2^-18 - 2^-50, exact in a double. Below: + c = 64 + 2^-17 (an odd float32) rounds to
  // the double 64 + 3 * 2^-18, halfway to 64 + 2^-16; the exact sum lies below that point, so fma
  // gives 64 + 2^-17, where rounding the double again (ties to even) gives 64 + 2^-16. Above: -top
  // and c = 64 + 3 * 2^-17 (odd) give the double 64 + 5 * 2^-18, the exact sum lies above it: fma
  // gives 64 + 3 * 2^-17, ties to even 64 + 2^-16.
  const top = Math.fround(1 + 2 ** -16);
  const h0 = Math.fround(2 ** -18 * (1 - 2 ** -16));
  const below = 64 + 2 ** -17;
  // Where float32 is subnormal, halfway points have fewer bits than the test of the fraction looks
  // for: top * h0 = 2^-150 (1 - 2^-46), + c = 2^-140 + 2^-149 rounds to the double 2^-140 + 3 * 2^-150,
  // halfway between two subnormals; the exact sum is below it.
  const cases = [
    { name: 'below halfway', top, h0, bottom: below },
    { name: 'above halfway', top: -top, h0, bottom: 64 + 3 * 2 ** -17 },
    {
      name: 'below a subnormal halfway point',
      top: 2 ** -75 * (1 + 2 ** -23),
      h0: 2 ** -75 * (1 - 2 ** -23),
      bottom: 2 ** -140 + 2 ** -149,
    },
  ];
  for (const c of cases) {
    it(`rounds ${c.name} as fma does in every lane and in the tail`, () => {
      // A 2 x 5 plane: row 0 is `top`, row 1 `bottom`; 4 lanes plus a 5th column for the tail.
      const t = Math.fround(c.top);
      const h0 = Math.fround(c.h0);
      const w = 5;
      const plane = new Float32Array(2 * w);
      plane.fill(t, 0, w);
      plane.fill(Math.fround(c.bottom), w, 2 * w);
      const cols: KernelTaps = {
        lo: Int32Array.from({ length: w }, (_, i) => i),
        hi: Int32Array.from({ length: w }, (_, i) => i),
        wLo: new Float32Array(w).fill(1),
        wHi: new Float32Array(w),
      };
      const out = new Float32Array(w);
      expect(resizePlanesWasm(plane, 0, 1, 2, w, oneTap(h0, 1), cols, out, 0)).toBe(true);
      expect([t, h0, Math.fround(c.bottom)]).toEqual([c.top, c.h0, c.bottom]);
      const want = fma32(t, h0, Math.fround(Math.fround(c.bottom) * 1));
      const naive = Math.fround(t * h0 + Math.fround(c.bottom));
      expect(want).not.toBe(naive);
      for (let i = 0; i < w; i++) expect(out[i]).toBe(want);
    });
  }

  it('fuses such values as the fma rounds them', () => {
    const t = top;
    const b = Math.fround(below);
    // Both the CAM and its flipped copy hold the halfway case; ReLU(max) of equal values is that value.
    const cam = Float32Array.of(t, t, t, t, t, b, b, b, b, b);
    const rows = oneTap(h0, 1);
    const cols: KernelTaps = {
      lo: Int32Array.from({ length: 5 }, (_, i) => i),
      hi: Int32Array.from({ length: 5 }, (_, i) => i),
      wLo: new Float32Array(5).fill(1),
      wHi: new Float32Array(5),
    };
    const out = new Float32Array(5);
    expect(fuseCamWasm([{ cam, flipped: cam, h: 2, w: 5, rows, cols }], 1, 1, 5, false, out)).toBe(true);
    expect([...out]).toEqual(new Array(5).fill(fma32(t, h0, b)));
  });
});

describe('ToCo fusion with the WebAssembly kernels', () => {
  function cams(kind: Kind, channels: number, sizes: Array<[number, number]>, seed: number, flip = true): CamAtScale[] {
    return sizes.map(([h, w], s) => ({
      cam: values(kind, channels * h * w, seed + 2 * s),
      flipped: flip ? values(kind, channels * h * w, seed + 2 * s + 1) : null,
      channels,
      h,
      w,
    }));
  }
  for (const kind of KINDS) {
    it(`fuses and normalizes ${kind} CAMs to the JavaScript kernel's bits (ToCo's 3 scales; odd sizes)`, () => {
      const cases: Array<{ channels: number; sizes: Array<[number, number]>; out: [number, number] }> = [
        {
          channels: 20,
          sizes: [
            [28, 28],
            [14, 14],
            [42, 42],
          ],
          out: [448, 448],
        },
        {
          channels: 3,
          sizes: [
            [7, 5],
            [3, 2],
            [10, 7],
          ],
          out: [115, 83],
        },
        {
          channels: 2,
          sizes: [
            [1, 2],
            [2, 1],
          ],
          out: [9, 6],
        },
      ];
      cases.forEach((c, k) => {
        // With each scale's flipped CAM, and without (params.flip false: ReLU of the CAM alone).
        for (const flip of [true, false]) {
          const raw = cams(kind, c.channels, c.sizes, 7 + 10 * k, flip);
          const fused = bothWays(() => fuseCamScales(raw, ...c.out));
          expect(bitDiffs(fused.js, fused.wasm), `case ${k} fused, flip ${flip}`).toEqual([]);
          const normalized = bothWays(() => fuseCamScalesNormalized(raw, ...c.out));
          expect(bitDiffs(normalized.js, normalized.wasm), `case ${k} normalized, flip ${flip}`).toEqual([]);
        }
      });
    });
  }

  it('normalizes planes holding -0, NaN, constants and a tail as the JavaScript loop does', () => {
    const planes = [
      Float32Array.of(-0, 0, 1, 2, 3, -0, 4),
      Float32Array.of(0, 0, 0, 0, 0, 0, 0),
      Float32Array.of(Number.NaN, 1, 2, 3, 4, 5, 6),
      Float32Array.of(3, 2, 1, -0, 5, 0, 0),
      values('wide', 7, 3),
    ];
    const cam = new Float32Array(planes.length * 7);
    planes.forEach((p, c) => cam.set(p, 7 * c));
    const { js, wasm } = bothWays(() => normalizeCamPerClass(cam, planes.length, 1, 7));
    expect(bitDiffs(js, wasm)).toEqual([]);
  });
});

describe('resizeTaps', () => {
  it('are the taps bilinearResize uses (a 1-channel-of-many resize through them matches)', () => {
    const src = values('uniform', 2 * 6 * 5, 9);
    const { rows, cols } = resizeTaps(6, 5, 13, 11);
    const out = new Float32Array(2 * 13 * 11);
    expect(resizePlanesWasm(src, 0, 2, 6, 5, rows, cols, out, 0)).toBe(true);
    setWasmKernels(false);
    expect(bitDiffs(out, bilinearResize(src, 2, 6, 5, 13, 11))).toEqual([]);
  });
});

describe("a cam run's post-processing with the WebAssembly kernels", () => {
  it('gives the JavaScript path its pseudo label and display map, bit for bit', () => {
    const channels = 20;
    const perScale: CamAtScale[] = (
      [
        [28, 28],
        [14, 14],
        [42, 42],
      ] as const
    ).map(([h, w], s) => ({
      cam: values('uniform', channels * h * w, 50 + s),
      flipped: values('uniform', channels * h * w, 60 + s),
      channels,
      h,
      w,
    }));
    const base: CamPostprocessTask = {
      perScale,
      workingSize: [448, 448],
      geometry: null,
      height: 375,
      width: 500,
      present: Array.from({ length: channels }, (_, c) => c % 7 === 2),
      classIds: Array.from({ length: channels }, (_, c) => c + 1),
      threshold: 0.45,
      band: null,
      display: { height: 112, width: 112 },
    };
    const variants: CamPostprocessTask[] = [
      base,
      { ...base, band: { high: 0.7, low: 0.25, ignoreIndex: 255 } },
      { ...base, present: base.present.map((_, c) => c === 4) },
      { ...base, present: base.present.map(() => false) },
      { ...base, present: base.present.map(() => true), display: { height: 111, width: 113 } },
      // params.flip false: no flipped CAMs.
      { ...base, perScale: perScale.map((s) => ({ ...s, flipped: null })) },
      { ...base, perScale: perScale.map((s) => ({ ...s, flipped: null })), band: { high: 0.7, low: 0.25, ignoreIndex: 255 } },
    ];
    variants.forEach((task, k) => {
      const { js, wasm } = bothWays(() => camPostprocess(task));
      expect(Buffer.from(wasm.labelMap).equals(Buffer.from(js.labelMap)), `variant ${k} label`).toBe(true);
      expect(bitDiffs(js.display, wasm.display), `variant ${k} display`).toEqual([]);
    });
  });
});
