import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { jpegWithoutIccProfile, pngWithoutColourChunks } from '../../../../src/main/engine/images/colourProfile';

const FIX = join(__dirname, '../../../fixtures/decode');

/** The raw values as Tessera decodes them (no ICC conversion), and whether sharp sees a profile. */
async function raw(bytes: Uint8Array): Promise<{ data: Buffer; icc: boolean }> {
  const data = await sharp(bytes, { ignoreIcc: true }).removeAlpha().raw().toBuffer();
  return { data, icc: (await sharp(bytes).metadata()).icc !== undefined };
}

describe('image bytes without their colour profile (the viewer shows the values models see)', () => {
  it('drops a JPEG APP2 ICC profile and keeps every pixel', async () => {
    const original = readFileSync(join(FIX, 'adobe-rgb.jpg'));
    const stripped = jpegWithoutIccProfile(original)!;
    expect(stripped.length).toBeLessThan(original.length);
    const [a, b] = [await raw(original), await raw(stripped)];
    expect([a.icc, b.icc]).toEqual([true, false]);
    expect(b.data.equals(a.data)).toBe(true);
    expect(jpegWithoutIccProfile(stripped)).toBeNull(); // none left
  });

  it('drops PNG iCCP/gAMA/cHRM chunks and keeps every pixel; a PNG without them is left alone', async () => {
    const plain = await sharp({ create: { width: 5, height: 4, channels: 3, background: { r: 9, g: 99, b: 199 } } })
      .png()
      .toBuffer();
    expect(pngWithoutColourChunks(plain)).toBeNull();
    const tagged = await sharp(plain).withIccProfile('p3').png().toBuffer();
    const stripped = pngWithoutColourChunks(tagged)!;
    const [a, b] = [await raw(tagged), await raw(stripped)];
    expect([a.icc, b.icc]).toEqual([true, false]);
    expect(b.data.equals(a.data)).toBe(true);
  });
});
