import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { probeImage } from '../../../../src/main/engine/images/probe';

async function jpeg(): Promise<Buffer> {
  const px = Buffer.alloc(96 * 64 * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * 37) % 251;
  return sharp(px, { raw: { width: 96, height: 64, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

describe('probeImage', () => {
  it('accepts whole JPEG and PNG files with their size and hash', async () => {
    const j = await probeImage(await jpeg());
    expect(j).toMatchObject({ ok: true, image: { width: 96, height: 64, format: 'jpeg' } });
    const png = await sharp({ create: { width: 5, height: 7, channels: 3, background: '#102030' } })
      .png()
      .toBuffer();
    expect(await probeImage(png)).toMatchObject({ ok: true, image: { width: 5, height: 7, format: 'png' } });
  });

  it('rejects files cut short, whatever the cut', async () => {
    const whole = await jpeg();
    for (const keep of [0.3, 0.6, 0.95]) {
      const outcome = await probeImage(whole.subarray(0, Math.floor(whole.length * keep)));
      expect(outcome.ok, `jpeg cut at ${keep}`).toBe(false);
    }
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#abcdef' } })
      .png()
      .toBuffer();
    expect((await probeImage(png.subarray(0, png.length - 20))).ok).toBe(false);
  });

  it('accepts a JPEG with a trailer after its end marker (camera metadata)', async () => {
    const withTrailer = Buffer.concat([await jpeg(), Buffer.alloc(300, 0x41)]);
    expect((await probeImage(withTrailer)).ok).toBe(true);
  });
});
