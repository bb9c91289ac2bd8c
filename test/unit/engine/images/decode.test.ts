import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeRgb } from '../../../../src/main/engine/models/preprocess';
import { applyOrientation, chooseGrid, gridSize, jpegWithoutOrientation } from '../../../../src/main/engine/images/orientation';
import { probeImage } from '../../../../src/main/engine/images/probe';

/** Fixtures made by test/fixtures/decode/make_fixtures.py with Debian's python3-pil and python3-opencv. */
const FIX = join(__dirname, '../../../fixtures/decode');

async function pngRgb(file: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(join(FIX, file)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(3);
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

describe('decodeRgb gives the pixels PIL and OpenCV give', () => {
  it('ignores an embedded Adobe RGB profile: exactly PIL Image.open(p).convert("RGB")', async () => {
    const ref = await pngRgb('adobe-rgb.pil.png');
    const got = await decodeRgb(join(FIX, 'adobe-rgb.jpg'));
    expect([got.width, got.height]).toEqual([64, 48]);
    expect(maxDiff(got.data, ref.data)).toBe(0);

    // The file really carries a profile that matters: sharp's default (convert to sRGB) is far off.
    expect((await sharp(join(FIX, 'adobe-rgb.jpg')).metadata()).icc?.length).toBeGreaterThan(0);
    const converted = await sharp(join(FIX, 'adobe-rgb.jpg')).toColourspace('srgb').raw().toBuffer();
    expect(maxDiff(new Uint8Array(converted), ref.data)).toBeGreaterThan(20);
  });

  it('decodes an orientation-6 JPEG in the raw grid as PIL does, and in the oriented grid as cv2.imread does', async () => {
    const raw = await decodeRgb(join(FIX, 'orient6.jpg'));
    const pil = await pngRgb('orient6.pil.png');
    expect([raw.width, raw.height]).toEqual([48, 32]);
    expect(maxDiff(raw.data, pil.data)).toBe(0);

    const oriented = await decodeRgb(join(FIX, 'orient6.jpg'), 6);
    const cv2 = await pngRgb('orient6.cv2.png');
    expect([oriented.width, oriented.height]).toEqual([32, 48]);
    expect(maxDiff(oriented.data, cv2.data)).toBe(0);
  });

  it('applies every EXIF orientation 1..8 as sharp autoOrient (the EXIF definition) does', async () => {
    const w = 7;
    const h = 4;
    const px = Buffer.alloc(w * h * 3);
    for (let i = 0; i < w * h; i++) px.set([i * 9, 255 - i * 9, (i * 37) % 256], i * 3);
    for (let o = 1; o <= 8; o++) {
      // Lossless PNG carrying the tag: pixel positions are checked exactly.
      const file = await sharp(px, { raw: { width: w, height: h, channels: 3 } })
        .withMetadata({ orientation: o })
        .png()
        .toBuffer();
      const expected = await sharp(file, { autoOrient: true }).raw().toBuffer({ resolveWithObject: true });
      const got = await applyOrientation(sharp(file), o).raw().toBuffer({ resolveWithObject: true });
      expect([got.info.width, got.info.height], `orientation ${o}`).toEqual([expected.info.width, expected.info.height]);
      expect(got.data.equals(expected.data), `orientation ${o}`).toBe(true);
      expect(gridSize({ width: w, height: h, orientation: o }, 'oriented')).toEqual({
        width: expected.info.width,
        height: expected.info.height,
      });
    }
  });

  it('probes the EXIF orientation and the raw size', async () => {
    const probe = await probeImage(readFileSync(join(FIX, 'orient6.jpg')));
    expect(probe).toMatchObject({ ok: true, image: { width: 48, height: 32, orientation: 6 } });
    expect(await probeImage(readFileSync(join(FIX, 'adobe-rgb.jpg')))).toMatchObject({ ok: true, image: { orientation: 1 } });
  });
});

describe('pixel grid', () => {
  const raw = { width: 48, height: 32, orientation: 6 };
  it('follows the annotation size, with the fallback when both grids fit or none is known', () => {
    expect(chooseGrid(raw, { width: 48, height: 32 }, 'oriented')).toBe('raw');
    expect(chooseGrid(raw, { width: 32, height: 48 }, 'raw')).toBe('oriented');
    expect(chooseGrid(raw, null, 'oriented')).toBe('oriented');
    expect(chooseGrid(raw, null, 'raw')).toBe('raw');
    expect(chooseGrid(raw, { width: 40, height: 40 }, 'raw')).toBeNull();
    expect(chooseGrid({ width: 40, height: 40, orientation: 6 }, { width: 40, height: 40 }, 'raw')).toBe('raw');
    expect(chooseGrid({ width: 40, height: 30, orientation: 3 }, { width: 40, height: 30 }, 'oriented')).toBe('oriented');
    expect(chooseGrid({ width: 40, height: 30, orientation: 1 }, { width: 30, height: 40 }, 'oriented')).toBeNull();
  });

  it('serves a raw-grid JPEG with its orientation tag set to 1 and every other byte unchanged', async () => {
    const original = readFileSync(join(FIX, 'orient6.jpg'));
    const patched = jpegWithoutOrientation(original);
    expect(patched).not.toBeNull();
    const p = Buffer.from(patched as Uint8Array);
    expect(p.length).toBe(original.length);
    let changed = 0;
    for (let i = 0; i < p.length; i++) if (p[i] !== original[i]) changed++;
    expect(changed).toBe(1);
    expect((await sharp(p).metadata()).orientation).toBe(1);
    expect(maxDiff(new Uint8Array(await sharp(p).raw().toBuffer()), new Uint8Array(await sharp(original).raw().toBuffer()))).toBe(0);
    // No tag, or a PNG: nothing to patch.
    expect(jpegWithoutOrientation(readFileSync(join(FIX, 'adobe-rgb.jpg')))).toBeNull();
    expect(jpegWithoutOrientation(readFileSync(join(FIX, 'orient6.pil.png')))).toBeNull();
  });
});
