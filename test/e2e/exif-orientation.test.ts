import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startServe, tessera } from '../helpers/cli';
import { tempDir, writeGreyMask } from '../helpers/fixtures';
import { decodeScreenshot } from '../helpers/pixels';

// One JPEG, 80x40 as stored (left half red, right half blue), with EXIF orientation 6 (a viewer that
// honours EXIF shows it 40x80, red on top). Imported twice: without masks (raw grid: the viewer must
// draw it unrotated, red left) and with a mask of the rotated size (oriented grid: red on top).
// Chromium applies EXIF orientation to drawImage whatever the CSS says, so this checks the engine
// serves bytes with nothing left for the browser to rotate.
const W = 80;
const H = 40;
const RED: [number, number, number] = [220, 30, 30];
const BLUE: [number, number, number] = [30, 30, 220];
let browser: Browser;
let server: { url: string; stop(): Promise<void> };
let cleanup: () => void;
let artifacts: string;

beforeAll(async () => {
  const t = tempDir('tessera-e2e-');
  cleanup = t.cleanup;
  artifacts = join(process.cwd(), 'test-results', 'e2e');
  mkdirSync(artifacts, { recursive: true });
  const raw = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) raw.set(x < W / 2 ? RED : BLUE, (y * W + x) * 3);
  const jpeg = sharp(raw, { raw: { width: W, height: H, channels: 3 } })
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 });
  for (const dir of ['raw', 'oriented', 'masks']) mkdirSync(join(t.dir, dir));
  await jpeg.toFile(join(t.dir, 'raw', 'photo.jpg'));
  await jpeg.toFile(join(t.dir, 'oriented', 'photo.jpg'));
  writeGreyMask(join(t.dir, 'masks', 'photo.png'), H, W, new Uint8Array(W * H));
  const ws = join(t.dir, 'ws');
  expect(tessera(['--workspace', ws, 'init']).code).toBe(0);
  expect(tessera(['--workspace', ws, 'import', 'folder', join(t.dir, 'raw'), '--name', 'raw-grid']).code).toBe(0);
  const oriented = tessera([
    '--workspace',
    ws,
    'import',
    'folder',
    join(t.dir, 'oriented'),
    '--masks',
    join(t.dir, 'masks'),
    '--name',
    'oriented-grid',
  ]);
  expect(oriented.code).toBe(0);
  expect(oriented.stdout).toContain('photo.jpg: orientation 6, oriented grid (EXIF applied, as OpenCV) 40x80');
  server = await startServe(ws);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  cleanup?.();
});

const near = (a: [number, number, number], b: [number, number, number]): boolean => a.every((v, i) => Math.abs(v - (b[i] as number)) <= 40);

async function openViewer(page: Page, dataset: string): Promise<void> {
  await page.goto(server.url);
  await page.getByRole('link', { name: dataset }).click();
  await page.getByTestId('gallery-item').first().click();
  await page.getByTestId('viewer-canvas').locator('canvas').first().waitFor();
}

/** Colours at the centres of the image's four halves, as drawn (the viewer fits the image, centred). */
async function halves(page: Page, name: string, size: { w: number; h: number }) {
  const canvas = page.getByTestId('viewer-canvas');
  const shot = await canvas.screenshot({ path: join(artifacts, `${name}.png`) });
  const px = await decodeScreenshot(shot);
  const scale = Math.min(px.width / size.w, px.height / size.h);
  const [cx, cy] = [px.width / 2, px.height / 2];
  return {
    left: px.at(cx - (size.w / 4) * scale, cy),
    right: px.at(cx + (size.w / 4) * scale, cy),
    top: px.at(cx, cy - (size.h / 4) * scale),
    bottom: px.at(cx, cy + (size.h / 4) * scale),
  };
}

describe('EXIF orientation in the viewer (Chromium)', () => {
  it('draws a raw-grid orientation-6 JPEG unrotated: 80x40, red left, blue right', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await openViewer(page, 'raw-grid');
    await expect.poll(async () => near((await halves(page, 'exif-raw', { w: W, h: H })).left, RED), { timeout: 15_000 }).toBe(true);
    const h = await halves(page, 'exif-raw', { w: W, h: H });
    expect(near(h.right, BLUE)).toBe(true);
    await page.close();
  });

  it('draws the oriented grid rotated as OpenCV reads it: 40x80, red on top, blue below', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await openViewer(page, 'oriented-grid');
    await page.getByTestId('layer-gt').uncheck();
    await expect.poll(async () => near((await halves(page, 'exif-oriented', { w: H, h: W })).top, RED), { timeout: 15_000 }).toBe(true);
    const h = await halves(page, 'exif-oriented', { w: H, h: W });
    expect(near(h.bottom, BLUE)).toBe(true);
    await page.close();
  });
});
