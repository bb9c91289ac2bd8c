// 8-bit resizes as PIL and OpenCV compute them, checked bit for bit against Debian's python3-pil 9.4 and
// python3-opencv 4.6 (goldens from test/fixtures/resample/make_fixtures.py), and their use in imageToTensor.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeRgb, imageToTensor, keepAspectSize, type RgbImage } from '../../../../src/main/engine/models/preprocess';
import { resizeRgb8 } from '../../../../src/main/engine/models/resample';
import { InputSpec, type Interpolation } from '../../../../src/shared/domain';

const DIR = join(__dirname, '../../../fixtures/resample');
const PHOTOS = join(__dirname, '../../../../resources/photos');

type Method = Exclude<Interpolation, 'torch-bilinear'>;
interface Golden {
  atlasWidth: number;
  bytes: number;
  methods: Method[];
  cases: { source: string; width: number; height: number; offset: number }[];
  large: { source: string; method: Method; width: number; height: number; sha256: string }[];
}
const golden = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as Golden;

async function atlas(method: Method): Promise<Uint8Array> {
  const { data, info } = await sharp(join(DIR, `${method}.png`))
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(1);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

const sources = new Map<string, Promise<RgbImage>>();
function source(name: string): Promise<RgbImage> {
  let p = sources.get(name);
  if (p === undefined) {
    p = decodeRgb(join(DIR, `src-${name}.png`));
    sources.set(name, p);
  }
  return p;
}

/** make_fixtures.py's synthetic(): a ramp plus hashed noise, uint32 arithmetic. */
function synthetic(w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const ramp = Math.floor((Math.floor((x * 255) / (w - 1)) + Math.floor((y * 255) / (h - 1))) / 2);
      for (let c = 0; c < 3; c++) {
        let v = ((Math.imul(x, 374761393) >>> 0) + (Math.imul(y, 668265263) >>> 0) + (Math.imul(c, 2246822519 | 0) >>> 0)) >>> 0;
        v = Math.imul(v ^ (v >>> 13), 1274126177) >>> 0;
        data[(y * w + x) * 3 + c] = Math.floor((ramp * 3 + (v >>> 24)) / 4);
      }
    }
  }
  return { data, width: w, height: h };
}

describe('8-bit resize vs PIL 9.4 / OpenCV 4.6 (small cases)', () => {
  it('the fixtures cover up, down, odd ratios, one axis, exact 2x/3x, 1-pixel and non-square sizes', () => {
    const kinds = new Set<string>();
    const dims = new Map([...new Set(golden.cases.map((c) => c.source))].map((s) => [s, golden.cases.find((c) => c.source === s)!]));
    for (const c of golden.cases) {
      const src = dims.get(c.source)!; // each source's first case is its own size
      if (c.width > src.width && c.height > src.height) kinds.add('up');
      if (c.width < src.width && c.height < src.height) kinds.add('down');
      if ((c.width === src.width) !== (c.height === src.height)) kinds.add('one axis');
      if (c.width === 1 || c.height === 1) kinds.add('1 pixel');
      if (c.width * 2 === src.width && c.height * 2 === src.height) kinds.add('exact 2x');
      if (c.width * 3 === src.width && c.height * 3 === src.height) kinds.add('exact 3x');
      if (src.width === 1 || src.height === 1) kinds.add('1-pixel source');
    }
    expect([...kinds].sort()).toEqual(['1 pixel', '1-pixel source', 'down', 'exact 2x', 'exact 3x', 'one axis', 'up']);
    expect(golden.cases.length).toBeGreaterThan(150);
  });

  for (const method of golden.methods) {
    it(`${method}: every case is bit-exact`, async () => {
      const expected = await atlas(method);
      const bad: string[] = [];
      for (const c of golden.cases) {
        const img = await source(c.source);
        const out = resizeRgb8(img, c.width, c.height, method).data;
        const want = expected.subarray(c.offset, c.offset + c.width * c.height * 3);
        let n = 0;
        let max = 0;
        for (let i = 0; i < want.length; i++) {
          const d = Math.abs((out[i] as number) - (want[i] as number));
          if (d !== 0) n++;
          if (d > max) max = d;
        }
        if (n > 0) bad.push(`${c.source} ${img.width}x${img.height} -> ${c.width}x${c.height}: ${n} values differ, max ${max}`);
      }
      expect(bad).toEqual([]);
    });
  }
});

describe('8-bit resize vs PIL 9.4 / OpenCV 4.6 (model-size cases)', () => {
  const photos = new Map<string, RgbImage>();
  const large = async (spec: string): Promise<RgbImage> => {
    const [kind, arg] = spec.split(':') as [string, string];
    let img = photos.get(spec);
    if (img === undefined) {
      const [w, h] = arg.split('x').map(Number) as [number, number];
      img = kind === 'synthetic' ? synthetic(w, h) : await decodeRgb(join(PHOTOS, arg));
      photos.set(spec, img);
    }
    return img;
  };
  for (const c of golden.large) {
    it(`${c.method}: ${c.source} -> ${c.width}x${c.height} has PIL's / OpenCV's exact bytes`, async () => {
      const out = resizeRgb8(await large(c.source), c.width, c.height, c.method);
      expect(createHash('sha256').update(out.data).digest('hex')).toBe(c.sha256);
    });
  }
});

describe('imageToTensor with input.interpolation', () => {
  const spec = (extra: Record<string, unknown>): InputSpec => InputSpec.parse({ tensor: 'x', ...extra });

  it('absent means torch-bilinear; unknown values are refused', async () => {
    const img = await source('chelsea');
    const plain = spec({ policy: 'resize', size: [40, 30] });
    expect(plain.interpolation).toBeUndefined();
    expect(Array.from(imageToTensor(img, plain).data)).toEqual(
      Array.from(imageToTensor(img, spec({ policy: 'resize', size: [40, 30], interpolation: 'torch-bilinear' })).data),
    );
    expect(InputSpec.safeParse({ tensor: 'x', policy: 'resize', size: 8, interpolation: 'bilinear' }).success).toBe(false);
  });

  it('SAM (longest-side-pad, pil-bilinear): content = PIL pixels normalized, zero padding, same geometry as torch-bilinear', async () => {
    const img = await decodeRgb(join(PHOTOS, 'coffee.png'));
    const mean = [123.675, 116.28, 103.53];
    const std = [58.395, 57.12, 57.375];
    const sam = spec({ policy: 'longest-side-pad', size: 1024, mean, std, interpolation: 'pil-bilinear' });
    const t = imageToTensor(img, sam);
    const torch = imageToTensor(img, { ...sam, interpolation: 'torch-bilinear' });
    expect(t.geometry).toEqual(torch.geometry);
    expect(t.geometry).toMatchObject({ height: 1024, width: 1024, contentHeight: 683, contentWidth: 1024 });
    const pil = resizeRgb8(img, 1024, 683, 'pil-bilinear');
    const want = golden.large.find((c) => c.source === 'photo:coffee.png' && c.method === 'pil-bilinear')!;
    expect(createHash('sha256').update(pil.data).digest('hex')).toBe(want.sha256);
    const plane = 1024 * 1024;
    let maxErr = 0;
    let maxTorchDiff = 0;
    let padding = 0;
    for (let y = 0; y < 1024; y++) {
      for (let x = 0; x < 1024; x++) {
        for (let c = 0; c < 3; c++) {
          const got = t.data[c * plane + y * 1024 + x] as number;
          if (y >= 683) {
            padding = Math.max(padding, Math.abs(got));
            continue;
          }
          const ref = Math.fround((Math.fround(pil.data[(y * 1024 + x) * 3 + c] as number) - mean[c]!) / std[c]!);
          maxErr = Math.max(maxErr, Math.abs(got - ref));
          maxTorchDiff = Math.max(maxTorchDiff, Math.abs(got - (torch.data[c * plane + y * 1024 + x] as number)));
        }
      }
    }
    expect(maxErr).toBeLessThan(1e-6);
    expect(padding).toBe(0);
    // The two samplings really differ (this is why the field exists): PIL antialiases and rounds to 8 bits.
    expect(maxTorchDiff).toBeGreaterThan(0.01);
  });

  it('PaddleOCR (keep-aspect, BGR, cv2-linear): each channel is the OpenCV pixel of the swapped channel', async () => {
    const img = await decodeRgb(join(PHOTOS, 'coffee.png'));
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const det = spec({
      policy: 'keep-aspect',
      size: 960,
      multiple: 32,
      range: [0, 1],
      channel_order: 'BGR',
      mean,
      std,
      interpolation: 'cv2-linear',
    });
    const t = imageToTensor(img, det);
    const [h, w] = keepAspectSize(img.height, img.width, 960, 32);
    expect(t.dims).toEqual([1, 3, h, w]);
    expect(t.geometry).toEqual(imageToTensor(img, { ...det, interpolation: 'torch-bilinear' }).geometry);
    const cv = resizeRgb8(img, w, h, 'cv2-linear');
    const want = golden.large.find((c) => c.source === 'photo:coffee.png' && c.method === 'cv2-linear')!;
    expect([want.width, want.height]).toEqual([w, h]);
    expect(createHash('sha256').update(cv.data).digest('hex')).toBe(want.sha256);
    let maxErr = 0;
    for (let i = 0; i < w * h; i++) {
      for (let c = 0; c < 3; c++) {
        const v = (cv.data[i * 3 + (2 - c)] as number) / 255;
        maxErr = Math.max(maxErr, Math.abs((t.data[c * w * h + i] as number) - (v - mean[c]!) / std[c]!));
      }
    }
    expect(maxErr).toBeLessThan(1e-5);
  });

  it('flip mirrors the resized 8-bit image; a same-size image is not resampled', async () => {
    const img = await source('chelsea');
    for (const interpolation of ['pil-bilinear', 'pil-bicubic', 'cv2-linear'] as const) {
      const s = spec({ policy: 'resize', size: [40, 30], interpolation });
      const plain = imageToTensor(img, s);
      const flipped = imageToTensor(img, s, { flip: true });
      for (let c = 0; c < 3; c++)
        for (let y = 0; y < 40; y++)
          for (let x = 0; x < 30; x++) expect(flipped.data[c * 1200 + y * 30 + x]).toBe(plain.data[c * 1200 + y * 30 + (29 - x)]);
      const fixed = imageToTensor(img, spec({ policy: 'fixed', size: 1, interpolation }));
      expect(Array.from(fixed.data)).toEqual(Array.from(imageToTensor(img, spec({ policy: 'fixed', size: 1 })).data));
    }
  });

  it('shortest-side-center-crop with pil-bicubic crops the PIL bicubic resize', async () => {
    const img = await decodeRgb(join(PHOTOS, 'astronaut.png'));
    const t = imageToTensor(img, spec({ policy: 'shortest-side-center-crop', size: 336, interpolation: 'pil-bicubic' }));
    const pil = resizeRgb8(img, 336, 336, 'pil-bicubic');
    const want = golden.large.find((c) => c.source === 'photo:astronaut.png' && c.method === 'pil-bicubic')!;
    expect(createHash('sha256').update(pil.data).digest('hex')).toBe(want.sha256);
    expect(Array.from(t.data.subarray(0, 336 * 336))).toEqual(Array.from({ length: 336 * 336 }, (_, i) => pil.data[i * 3]));
  });
});
