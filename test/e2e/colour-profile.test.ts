import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { REPO, startServe, tessera } from '../helpers/cli';
import { tempDir, writeGreyMask } from '../helpers/fixtures';
import { decodeScreenshot } from '../helpers/pixels';

// A solid (200, 60, 60) JPEG and PNG, each carrying the Adobe RGB (1998) profile of
// test/fixtures/decode/adobe-rgb.jpg. Tessera's pixels are the file's values (PIL's convert('RGB'), no
// ICC conversion), and models see those; Chromium colour-manages images with a profile, so the viewer
// drew other colours (~+20 in red here) than the pixel inspector and the models use.
const W = 64;
const H = 48;
const RGB: [number, number, number] = [200, 60, 60];
let browser: Browser;
let server: { url: string; stop(): Promise<void> };
let cleanup: () => void;
let root: string;
let ws: string;

/** The ICC profile bytes in a JPEG's APP2 segment (one segment: the fixture's profile is small). */
function iccOf(jpeg: Buffer): Buffer {
  let pos = 2;
  while (pos + 4 <= jpeg.length) {
    const marker = jpeg[pos + 1]!;
    const length = jpeg.readUInt16BE(pos + 2);
    if (marker === 0xe2 && jpeg.subarray(pos + 4, pos + 16).toString('latin1') === 'ICC_PROFILE\0')
      return jpeg.subarray(pos + 18, pos + 2 + length);
    pos += 2 + length;
  }
  throw new Error('no ICC profile in the fixture');
}

function withJpegProfile(jpeg: Buffer, icc: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from('ICC_PROFILE\0', 'latin1'), Buffer.from([1, 1]), icc]);
  const head = Buffer.alloc(4);
  head.writeUInt16BE(0xffe2, 0);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), head, body, jpeg.subarray(2)]);
}

function withPngProfile(png: Buffer, icc: Buffer): Buffer {
  const data = Buffer.concat([Buffer.from('Adobe RGB\0\0', 'latin1'), deflateSync(icc)]);
  const type = Buffer.from('iCCP', 'latin1');
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  type.copy(chunk, 4);
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(Buffer.concat([type, data])) >>> 0, 8 + data.length);
  const ihdrEnd = 8 + 12 + png.readUInt32BE(8);
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

beforeAll(async () => {
  const t = tempDir('tessera-e2e-icc-');
  cleanup = t.cleanup;
  const icc = iccOf(readFileSync(join(REPO, 'test/fixtures/decode/adobe-rgb.jpg')));
  const solid = sharp({ create: { width: W, height: H, channels: 3, background: { r: RGB[0], g: RGB[1], b: RGB[2] } } });
  for (const d of ['jpeg', 'png']) mkdirSync(join(t.dir, d));
  writeFileSync(join(t.dir, 'jpeg', 'red.jpg'), withJpegProfile(await solid.clone().jpeg({ quality: 100 }).toBuffer(), icc));
  writeFileSync(join(t.dir, 'png', 'red.png'), withPngProfile(await solid.clone().png().toBuffer(), icc));
  root = t.dir;
  ws = join(t.dir, 'ws');
  expect(tessera(['--workspace', ws, 'init']).code).toBe(0);
  // The JPEG with a mask (class 1 in an 8x8 corner, away from the pixels read), so it can be reported on.
  mkdirSync(join(t.dir, 'masks'));
  writeGreyMask(
    join(t.dir, 'masks', 'red.png'),
    W,
    H,
    Uint8Array.from({ length: W * H }, (_, i) => (i % W < 8 && i < 8 * W ? 1 : 0)),
  );
  expect(
    tessera(['--workspace', ws, 'import', 'folder', join(t.dir, 'jpeg'), '--masks', join(t.dir, 'masks'), '--name', 'jpeg']).code,
  ).toBe(0);
  expect(tessera(['--workspace', ws, 'import', 'folder', join(t.dir, 'png'), '--name', 'png']).code).toBe(0);
  // A run for the report: an all-background prediction PNG.
  mkdirSync(join(t.dir, 'pred'));
  writeGreyMask(join(t.dir, 'pred', 'red.png'), W, H, new Uint8Array(W * H));
  expect(
    tessera(['--workspace', ws, 'import', 'predictions', join(t.dir, 'pred'), '--dataset', 'jpeg', '--run', 'r', '--format', 'png']).code,
  ).toBe(0);
  server = await startServe(ws);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  cleanup?.();
});

async function centre(page: Page, dataset: string): Promise<[number, number, number]> {
  await page.goto(server.url);
  await page.getByRole('link', { name: dataset }).click();
  await page.getByTestId('gallery-item').first().click();
  await page.getByTestId('viewer-canvas').locator('canvas').first().waitFor();
  const read = async (): Promise<[number, number, number]> => {
    const px = await decodeScreenshot(await page.getByTestId('viewer-canvas').screenshot());
    return px.at(px.width / 2, px.height / 2);
  };
  // Drawn once the image has loaded: no longer the canvas's background.
  await expect.poll(async () => (await read())[0], { timeout: 15_000 }).toBeGreaterThan(150);
  return read();
}

describe('images with a colour profile in the viewer (Chromium)', () => {
  for (const dataset of ['jpeg', 'png']) {
    it(`draws a ${dataset.toUpperCase()} with an Adobe RGB profile with its own values, as models see them`, async () => {
      const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
      const drawn = await centre(page, dataset);
      for (const [i, v] of drawn.entries()) expect(Math.abs(v - RGB[i]!), `channel ${i}: ${drawn.join(',')}`).toBeLessThanOrEqual(2);
      await page.close();
    });
  }

  it('draws the gallery tile and the report photo with those values too', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    await page.goto(server.url);
    await page.getByRole('link', { name: 'jpeg' }).click();
    const tile = page.getByTestId('gallery-item').first().locator('img');
    await expect.poll(() => tile.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 15_000 }).toBe(W);
    const px = await decodeScreenshot(await tile.screenshot());
    const drawn = px.at(px.width / 2, px.height / 2);
    for (const [i, v] of drawn.entries()) expect(Math.abs(v - RGB[i]!), `tile channel ${i}: ${drawn.join(',')}`).toBeLessThanOrEqual(4);
    await page.close();

    const report = tessera(['--workspace', ws, 'report', '--dataset', 'jpeg', '--run', 'r', '--out', join(root, 'r.html')]);
    expect(report.code, report.stderr).toBe(0);
    const photo = /<img[^>]+src="data:image\/png;base64,([^"]+)"/.exec(readFileSync(join(root, 'r.html'), 'utf8'));
    expect(photo).not.toBeNull();
    const raw = await sharp(Buffer.from(photo![1]!, 'base64')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const at = (raw.info.height >> 1) * raw.info.width + (raw.info.width >> 1);
    const cell = [raw.data[3 * at]!, raw.data[3 * at + 1]!, raw.data[3 * at + 2]!];
    for (const [i, v] of cell.entries()) expect(Math.abs(v - RGB[i]!), `report channel ${i}: ${cell.join(',')}`).toBeLessThanOrEqual(2);
  });
});
