// The WebAssembly kernels of OpenCV's linear resize (resample/wasm/cv2.wat) must give the JavaScript's
// bytes (cv2ResizeLinearJs, which resample.test.ts holds to OpenCV 4.6's) and imageToTensor's floats:
// every case runs both ways and compares the bytes / float32 bit patterns.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../src/main/engine/metrics/prng';
import { decodeRgb, imageToTensor, type RgbImage } from '../../../../src/main/engine/models/preprocess';
import { cv2ResizeLinear, cv2ResizeLinearJs, cv2ResizeLinearToPlanes } from '../../../../src/main/engine/models/resample';
import { CV2_WASM } from '../../../../src/main/engine/models/resample/wasm/cv2Wasm';
import { cv2WasmKernelsOn, setCv2WasmKernels } from '../../../../src/main/engine/models/resample/wasm/kernels';
import { InputSpec } from '../../../../src/shared/domain';
// @ts-expect-error tools/build-wasm.mjs is plain JavaScript without types
import { assemble, WASM_SOURCES } from '../../../../tools/build-wasm.mjs';

const ROOT = join(__dirname, '..', '..', '..', '..');
const PHOTOS = join(ROOT, 'resources', 'photos');

afterEach(() => setCv2WasmKernels(true));

/** Runs `f` with the JavaScript, then with the WebAssembly kernels. */
function bothWays<T>(f: () => T): { js: T; wasm: T } {
  setCv2WasmKernels(false);
  const js = f();
  setCv2WasmKernels(true);
  expect(cv2WasmKernelsOn()).toBe(true);
  return { js, wasm: f() };
}

/** Indices where the two arrays' bytes (for floats: bit patterns) differ (at most 5). */
function diffs(a: Uint8Array | Float32Array, b: Uint8Array | Float32Array): number[] {
  expect(a.length).toBe(b.length);
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let i = 0; i < x.length && out.length < 5; i++) if (x[i] !== y[i]) out.push(i);
  return out;
}

type Content = 'noise' | 'extremes' | 'photo-like';
const CONTENTS: Content[] = ['noise', 'extremes', 'photo-like'];

/**
 * A `w x h x channels` image: uniform noise; only 0 and 255 in blocks (the saturation and the largest
 * products); or smooth gradients with edges and a little noise, as photographs are.
 */
function image(content: Content, w: number, h: number, channels: number, seed: number): Uint8Array {
  const rand = mulberry32(seed);
  const out = new Uint8Array(w * h * channels);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < channels; c++) {
        const i = (y * w + x) * channels + c;
        if (content === 'noise') out[i] = Math.floor(rand() * 256);
        else if (content === 'extremes') out[i] = (Math.floor(x / (1 + c)) + Math.floor(y / 2)) % 2 === 0 || rand() < 0.2 ? 255 : 0;
        else {
          const edge = x > w / 3 && y < (2 * h) / 3 ? 90 : 0;
          const v = 128 + 100 * Math.sin((x + 3 * c) / 7) * Math.cos(y / 11) + edge + (rand() - 0.5) * 12;
          out[i] = Math.max(0, Math.min(255, Math.round(v)));
        }
      }
    }
  }
  return out;
}

/** [width, height, outW, outH]: up and down, one axis, 1 pixel, thin, odd, exact halves, sizes near 960. */
const SIZES: Array<[number, number, number, number]> = [
  [1, 1, 1, 1],
  [1, 1, 7, 5],
  [5, 7, 1, 1],
  [1, 9, 1, 20],
  [13, 1, 31, 1],
  [1, 12, 5, 3],
  [12, 1, 1, 12],
  [2, 2, 1, 1],
  [4, 6, 2, 3],
  [31, 17, 62, 34],
  [64, 48, 32, 24],
  [33, 21, 11, 7],
  [7, 9, 33, 31],
  [17, 23, 16, 24],
  [100, 3, 7, 40],
  [1000, 872, 960, 832],
  [1411, 50, 960, 34],
  [961, 40, 960, 40],
  [959, 30, 960, 32],
  [480, 20, 960, 40],
  [1920, 8, 960, 4],
];

/** Random sizes: the resize's ratios in both directions and the row ends at every alignment. */
function randomSizes(count: number, seed: number): Array<[number, number, number, number]> {
  const rand = mulberry32(seed);
  const side = (): number => 1 + Math.floor(rand() ** 2 * 90);
  return Array.from({ length: count }, () => [side(), side(), side(), side()] as [number, number, number, number]);
}

describe('the assembled module', () => {
  it('is what tools/build-wasm.mjs makes of cv2.wat today (run `npm run build:wasm` after editing it)', async () => {
    const source = (WASM_SOURCES as Array<{ wat: string; module: string; name: string }>).find((s) => s.name === 'CV2_WASM');
    expect(source?.module).toBe('src/main/engine/models/resample/wasm/cv2Wasm.ts');
    const bytes = (await assemble(join(ROOT, source!.wat))) as Buffer;
    expect(Buffer.from(CV2_WASM, 'base64').equals(bytes)).toBe(true);
    expect(readFileSync(join(ROOT, 'src/main/engine/models/resample/wasm/kernels.ts'), 'utf8')).toContain('cv2Wasm');
  });
});

describe('cv2ResizeLinear with the WebAssembly kernels', () => {
  it('is off when turned off, and the fused planes then say so (null)', () => {
    setCv2WasmKernels(false);
    expect(cv2WasmKernelsOn()).toBe(false);
    const planes = { lut: new Float32Array(768), order: [0, 1, 2] as const, flip: false };
    expect(cv2ResizeLinearToPlanes(new Uint8Array(12), 2, 2, 3, 3, planes)).toBeNull();
    setCv2WasmKernels(true);
    expect(cv2WasmKernelsOn()).toBe(true);
  });

  for (const content of CONTENTS) {
    it(`gives the JavaScript's bytes on ${content} images, channels 1 to 5`, () => {
      const cases = [...SIZES, ...randomSizes(60, content.length)];
      cases.forEach(([w, h, ow, oh], k) => {
        for (const channels of [1, 2, 3, 4, 5]) {
          // The long rows once per channel count that matters most (RGB, grey) keep the test quick.
          if (w * h > 40000 && channels !== 3 && channels !== 1) continue;
          const src = image(content, w, h, channels, 1000 * k + channels);
          const { js, wasm } = bothWays(() => cv2ResizeLinear(src, w, h, channels, ow, oh));
          expect(diffs(js, cv2ResizeLinearJs(src, w, h, channels, ow, oh))).toEqual([]);
          expect(diffs(js, wasm), `${w}x${h}x${channels} -> ${ow}x${oh}`).toEqual([]);
        }
      });
    });
  }

  it('resizes exact halves as the box average (the JavaScript takes its own path there)', () => {
    for (const [w, h] of [
      [2, 2],
      [2, 8],
      [64, 2],
      [38, 26],
      [1920, 12],
    ] as const) {
      for (const channels of [1, 3]) {
        const src = image('noise', w, h, channels, w + h);
        const { js, wasm } = bothWays(() => cv2ResizeLinear(src, w, h, channels, w / 2, h / 2));
        expect(diffs(js, wasm), `${w}x${h}x${channels}`).toEqual([]);
      }
    }
  });
});

describe('imageToTensor (cv2-linear) with the WebAssembly kernels', () => {
  const IMAGENET = { range: '0-1', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
  const spec = (extra: Record<string, unknown>): InputSpec => InputSpec.parse({ tensor: 'x', interpolation: 'cv2-linear', ...extra });
  /** PaddleOCR's detector, and every policy in both channel orders and value ranges. */
  const SPECS: InputSpec[] = [
    spec({ policy: 'keep-aspect', size: 960, multiple: 32, channel_order: 'BGR', ...IMAGENET }),
    spec({ policy: 'keep-aspect', size: 64, multiple: 32, channel_order: 'RGB', ...IMAGENET }),
    spec({ policy: 'resize', size: [29, 19], channel_order: 'BGR', range: '0-255' }),
    spec({ policy: 'resize', size: [97, 131], channel_order: 'RGB', ...IMAGENET }),
    spec({ policy: 'fixed', size: [1, 1], channel_order: 'BGR', ...IMAGENET }),
    spec({
      policy: 'longest-side-pad',
      size: [48, 48],
      channel_order: 'RGB',
      range: '0-255',
      mean: [103.53, 116.28, 123.675],
      std: [57.375, 57.12, 58.395],
    }),
    spec({ policy: 'shortest-side-center-crop', size: [17, 17], channel_order: 'BGR', ...IMAGENET }),
  ];

  /** Runs every spec with and without flip, at scales 1 and 1.5, both ways. */
  function compare(img: RgbImage, label: string, specs: readonly InputSpec[] = SPECS): void {
    for (const [i, s] of specs.entries()) {
      for (const flip of [false, true]) {
        for (const scale of [1, 1.5]) {
          const { js, wasm } = bothWays(() => imageToTensor(img, s, { flip, scale }));
          expect(wasm.dims).toEqual(js.dims);
          expect(wasm.geometry).toEqual(js.geometry);
          expect(diffs(js.data, wasm.data), `${label} spec ${i} flip ${flip} scale ${scale}`).toEqual([]);
        }
      }
    }
  }

  it('gives the JavaScript tensors on generated images (thin, odd, small)', () => {
    const sizes: Array<[number, number]> = [
      [37, 23],
      [23, 37],
      [1, 40],
      [40, 1],
      [2, 2],
      [61, 45],
    ];
    sizes.forEach(([w, h], k) => {
      for (const content of CONTENTS) compare({ data: image(content, w, h, 3, k), width: w, height: h }, `${content} ${w}x${h}`);
    });
  });

  it("gives the JavaScript tensors on the photos in resources/photos (PaddleOCR's detector and a resize)", async () => {
    const files = readdirSync(PHOTOS).filter((f) => /\.(png|jpe?g)$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const f of files) compare(await decodeRgb(join(PHOTOS, f)), f, [SPECS[0]!, SPECS[3]!]);
  });

  it('converts same-size images (any interpolation: no resize) to the JavaScript planes', () => {
    const img = { data: image('photo-like', 45, 31, 3, 7), width: 45, height: 31 };
    for (const interpolation of ['cv2-linear', 'pil-bilinear', 'torch-bilinear']) {
      for (const channel_order of ['RGB', 'BGR']) {
        const s = spec({ policy: 'fixed', size: [1, 1], interpolation, channel_order, ...IMAGENET });
        for (const flip of [false, true]) {
          const { js, wasm } = bothWays(() => imageToTensor(img, s, { flip }).data);
          expect(diffs(js, wasm), `${interpolation} ${channel_order} flip ${flip}`).toEqual([]);
        }
      }
    }
  });
});
