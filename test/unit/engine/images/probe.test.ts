import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { deflateSync } from 'node:zlib';
import { encode } from 'fast-png';
import { probeImage } from '../../../../src/main/engine/images/probe';
import { pngChunk } from '../../../helpers/pngChunks';

const chunk = pngChunk;

/** An 8-bit grey PNG of `width` x `height` whose IDAT holds exactly `data` (CRCs right). */
function greyPng(width: number, height: number, data: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // depth
  ihdr[9] = 0; // grey
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', data),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Filtered rows (filter byte 0) of a w x h grey image. */
function rows(w: number, h: number): Buffer {
  const out = Buffer.alloc(h * (1 + w));
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * (1 + w) + 1 + x] = (x * 7 + y) % 256;
  return out;
}

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

  it("reads a PNG's pixel data whole: garbage, short or overlong data is refused, every layout of a whole one accepted", async () => {
    const w = 40;
    const h = 30;
    expect(await probeImage(greyPng(w, h, deflateSync(rows(w, h))))).toMatchObject({ ok: true, image: { width: 40, height: 30 } });
    let seed = 7;
    const garbage = Buffer.from(Array.from({ length: 600 }, () => (seed = (seed * 1103515245 + 12345) % 2147483648) % 256));
    expect(await probeImage(greyPng(w, h, garbage))).toEqual({
      ok: false,
      reason: 'unreadable image: damaged PNG (its pixel data does not inflate)',
    });
    expect(await probeImage(greyPng(w, h, deflateSync(rows(w, 5))))).toEqual({
      ok: false,
      reason: 'unreadable image: damaged PNG (its pixel data stops early (205 of 1230 bytes))',
    });
    expect(await probeImage(greyPng(w, h, deflateSync(rows(w, 31))))).toEqual({
      ok: false,
      reason: 'unreadable image: damaged PNG (more pixel data than its header says)',
    });
    // Whole files of every kind (1- and 4-bit data given packed, as fast-png takes it): 1-bit and 16-bit, palette, grey + alpha, RGBA, interlaced (Adam7), odd sizes.
    const px = (n: number, channels: number, max = 255): Uint8Array | Uint16Array => {
      const a = max > 255 ? new Uint16Array(n * channels) : new Uint8Array(n * channels);
      for (let i = 0; i < a.length; i++) a[i] = (i * 31) % (max + 1);
      return a;
    };
    const files: Array<[string, Buffer]> = [
      ['grey 1-bit 13x5', Buffer.from(encode({ width: 13, height: 5, data: px(10, 1), channels: 1, depth: 1 }))],
      ['grey 16-bit', Buffer.from(encode({ width: 9, height: 4, data: px(36, 1, 65535), channels: 1, depth: 16 }))],
      ['grey + alpha', Buffer.from(encode({ width: 7, height: 3, data: px(21, 2), channels: 2, depth: 8 }))],
      ['RGBA 16-bit', Buffer.from(encode({ width: 5, height: 6, data: px(30, 4, 65535), channels: 4, depth: 16 }))],
      [
        'palette 4-bit',
        Buffer.from(
          encode({
            width: 11,
            height: 3,
            data: px(18, 1),
            channels: 1,
            depth: 4,
            palette: Array.from({ length: 16 }, (_, i) => [i, i, i] as [number, number, number]),
          }),
        ),
      ],
      [
        'interlaced RGB 37x23',
        await sharp(Buffer.from(px(37 * 23, 3)), { raw: { width: 37, height: 23, channels: 3 } })
          .png({ progressive: true })
          .toBuffer(),
      ],
      [
        'interlaced 1x1',
        await sharp(Buffer.from([1, 2, 3]), { raw: { width: 1, height: 1, channels: 3 } })
          .png({ progressive: true })
          .toBuffer(),
      ],
      [
        'interlaced 3x9 grey',
        await sharp(Buffer.from(px(27, 1)), { raw: { width: 3, height: 9, channels: 1 } })
          .png({ progressive: true })
          .toBuffer(),
      ],
    ];
    for (const [what, file] of files) expect((await probeImage(file)).ok, what).toBe(true);
  });
});
