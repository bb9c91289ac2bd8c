import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, linkSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startServe, tessera } from '../helpers/cli';
import { tempDir, writeSolidImage } from '../helpers/fixtures';
import { withEngine } from './support/seed';
import { elementPixels, near, openPage } from './support/page';
import { engineInternals } from '../../src/main/engine/internals';

// 10,000 images: one small JPEG hard-linked 10,000 times and registered through the repositories in
// one transaction (what an importer would write), so the gallery's virtualization and paging are
// exercised at full size without 10,000 encodes. Frame times are measured in bench/ui.ts, not here.
const COUNT = 10_000;
const COLOUR: [number, number, number] = [30, 160, 90];
let browser: Browser;
let server: { url: string; stop(): Promise<void> };
let cleanup: () => void;
let ws = '';
let sha = '';
const idByName = new Map<string, number>();

beforeAll(async () => {
  const t = tempDir('tessera-e2e-10k-');
  cleanup = t.cleanup;
  const images = join(t.dir, 'images');
  mkdirSync(images);
  const original = join(t.dir, 'one.jpg');
  await writeSolidImage(original, 640, 480, COLOUR);
  sha = createHash('sha256').update(readFileSync(original)).digest('hex');
  const bytes = readFileSync(original).length;
  ws = join(t.dir, 'ws');
  expect(tessera(['--workspace', ws, 'init']).code).toBe(0);
  await withEngine(ws, (engine) => {
    const { repos, db } = engineInternals(engine);
    db.transaction(() => {
      const datasetId = repos.datasets.create({ name: 'big', format: 'folder', task: 'unlabelled', sourcePath: images });
      for (let i = 0; i < COUNT; i++) {
        const fileName = `img_${String(i).padStart(5, '0')}.jpg`;
        const path = join(images, fileName);
        linkSync(original, path);
        const id = repos.images.create({ datasetId, path, fileName, sha256: sha, bytes, width: 640, height: 480 });
        repos.images.createSample(id);
        idByName.set(fileName, id);
      }
    })();
  });
  server = await startServe(ws);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  cleanup?.();
});

describe('gallery with 10,000 images', () => {
  it('renders only the rows in view, with cached thumbnails', async () => {
    const { page, errors } = await openPage(browser, server.url);
    await page.getByRole('link', { name: 'big' }).click();
    await expect.poll(() => page.getByTestId('gallery-count').textContent()).toContain(`${COUNT} of ${COUNT} images`);
    const tiles = page.getByTestId('gallery-item');
    await expect.poll(() => tiles.count()).toBeGreaterThan(10);
    expect(await tiles.count()).toBeLessThan(200);
    await expect
      .poll(() =>
        tiles
          .first()
          .locator('img')
          .evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth),
      )
      .toBe(256);

    // The thumbnail was made once, by content hash, under the workspace cache, 256 px on its longest side.
    const thumb = join(ws, 'cache', 'thumbs', sha.slice(0, 2), `${sha}-256-o1-raw.webp`);
    expect(existsSync(thumb)).toBe(true);
    expect(await sharp(thumb).metadata()).toMatchObject({ width: 256, height: 192, format: 'webp' });
    const px = await elementPixels(page, 'gallery', 'gallery-10k');
    const first = await tiles.first().locator('img').boundingBox();
    const gallery = px.box;
    expect(near(px.at(first!.x - gallery.x + first!.width / 2, first!.y - gallery.y + first!.height / 2), COLOUR, 8)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('moves the focus with the keyboard to the last image and opens it with Enter', async () => {
    const { page, errors } = await openPage(browser, server.url);
    await page.getByRole('link', { name: 'big' }).click();
    const grid = page.getByTestId('gallery');
    await page.getByTestId('gallery-item').first().waitFor();
    await grid.focus();
    const focused = page.locator('.tile.focused');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => focused.getAttribute('data-index')).toBe('2');
    const cols = await page.locator('.gallery-row').first().getByTestId('gallery-item').count();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => focused.getAttribute('data-index')).toBe(String(2 + cols));
    await page.keyboard.press('End');
    await expect.poll(() => focused.getAttribute('title'), { timeout: 15_000 }).toBe('img_09999.jpg');
    expect(await page.getByTestId('gallery-item').count()).toBeLessThan(200);
    await page.screenshot({ path: join(process.cwd(), 'test-results', 'e2e', 'gallery-10k-end.png') });
    await page.keyboard.press('Enter');
    // The viewer's URL carries the gallery view (here only its scroll position) for previous/next and Back.
    await expect.poll(() => page.evaluate(() => window.location.hash.split('?')[0])).toBe(`#/images/${idByName.get('img_09999.jpg')}`);
    expect(await page.getByTestId('nav-position').textContent()).toMatch(/^(10000 of 10000)?$/);
    await page.getByTestId('viewer-canvas').locator('canvas').first().waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });
});
