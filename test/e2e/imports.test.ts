import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startServe, tessera } from '../helpers/cli';
import { tempDir, writeGreyMask, writeSolidImage } from '../helpers/fixtures';
import { makeVocRoot } from '../integration/datasets/generate';

let browser: Browser;
let server: { url: string; stop(): Promise<void> };
let cleanup: () => void;
let root: string;
let artifacts: string;

beforeAll(async () => {
  const t = tempDir('tessera-e2e-import-');
  cleanup = t.cleanup;
  root = t.dir;
  artifacts = join(process.cwd(), 'test-results', 'e2e');
  mkdirSync(artifacts, { recursive: true });
  const voc = await makeVocRoot(join(root, 'VOC2012'), { n: 4 });
  // One truncated JPEG: the import skips it and lists it.
  const jpg = join(voc.root, 'JPEGImages', '2007_000003.jpg');
  writeFileSync(jpg, readFileSync(jpg).subarray(0, 200));
  // One JPEG re-tagged with EXIF orientation 6: its mask has the stored size, so it keeps the raw grid, listed.
  const tagged = join(voc.root, 'JPEGImages', '2007_000001.jpg');
  writeFileSync(tagged, await sharp(readFileSync(tagged)).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer());
  const ws = join(root, 'ws');
  expect(tessera(['--workspace', ws, 'init']).code).toBe(0);
  server = await startServe(ws);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  cleanup?.();
});

describe('import dialog in Chromium against tessera serve', () => {
  it('shows a clear error for a non-VOC folder, then imports a VOC folder with progress and the skipped list; the new row appears', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.getByTestId('import-button').click();
    await page.getByTestId('import-format').selectOption('voc');

    // Over tessera serve the dialog says where it may read from, and a system folder is refused.
    expect(await page.getByTestId('import-allowed-roots').textContent()).toContain(realpathSync(root));
    await page.getByTestId('import-field-root').fill('/etc');
    await page.getByTestId('import-start').click();
    await expect
      .poll(() => page.getByTestId('error-banner').textContent(), { timeout: 15_000 })
      .toMatch(/may not read system folders \(\/etc\)/);

    await page.getByTestId('import-field-root').fill(root);
    await page.getByTestId('import-start').click();
    await expect
      .poll(() => page.getByTestId('import-error').textContent(), { timeout: 15_000 })
      .toContain('not a PASCAL VOC folder: no JPEGImages/ folder');

    await page.getByRole('button', { name: 'Import another' }).click();
    await page.getByTestId('import-field-root').fill(join(root, 'VOC2012'));
    await page.getByTestId('import-field-name').fill('voc-from-ui');
    await page.getByTestId('import-start').click();
    await expect
      .poll(() => page.getByTestId('import-result').textContent(), { timeout: 30_000 })
      .toContain('Imported 3 images (3 with masks) as voc-from-ui');
    expect(await page.getByTestId('import-skipped').textContent()).toMatch(/2007_000003\.jpg.*unreadable image/);
    expect(await page.getByTestId('import-orientations').textContent()).toMatch(
      /2007_000001\.jpg: orientation 6, raw grid \(EXIF ignored, as PIL\) 48x36/,
    );
    await page.screenshot({ path: join(artifacts, 'import-dialog.png') });

    await page.getByTestId('import-close').click();
    const row = page.getByTestId('dataset-row');
    await expect.poll(() => row.count()).toBe(1);
    const cells = await row.first().locator('td').allTextContents();
    expect(cells.slice(0, 6)).toEqual(['voc-from-ui', 'voc', 'semantic', '3', '3', '21']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('refuses soft (anti-aliased) binary masks in one line, then imports them with a mask reading of 127 as two classes', async () => {
    const images = join(root, 'isic', 'images');
    const masks = join(root, 'isic', 'masks');
    mkdirSync(images, { recursive: true });
    mkdirSync(masks, { recursive: true });
    const [w, h] = [40, 30];
    for (const [k, r] of [9.63, 11.1].entries()) {
      await writeSolidImage(join(images, `ISIC_${k}.jpg`), w, h, [200, 150, 120]);
      // A disc drawn at 8x and averaged down: 0, 255 and edge values between.
      const mask = new Uint8Array(w * h);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          let inside = 0;
          for (let s = 0; s < 64; s++)
            if ((x + ((s % 8) + 0.5) / 8 - 19.83) ** 2 + (y + (Math.floor(s / 8) + 0.5) / 8 - 15.27) ** 2 <= r * r) inside++;
          mask[y * w + x] = Math.round((255 * inside) / 64);
        }
      writeGreyMask(join(masks, `ISIC_${k}.png`), w, h, mask);
    }
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(server.url);
    await page.getByTestId('import-button').click();
    await page.getByTestId('import-format').selectOption('folder');
    await page.getByTestId('import-field-dir').fill(images);
    await page.getByTestId('import-field-masksDir').fill(masks);
    await page.getByTestId('import-field-name').fill('isic');
    await page.getByTestId('import-start').click();
    await expect
      .poll(() => page.getByTestId('import-error').textContent(), { timeout: 15_000 })
      .toMatch(/2 mask\(s\) look like soft \(anti-aliased\) binary masks \(ISIC_0\.png, ISIC_1\.png\).*mask reading: 127/);
    await page.getByRole('button', { name: 'Import another' }).click();
    await page.getByTestId('import-field-dir').fill(images);
    await page.getByTestId('import-field-masksDir').fill(masks);
    await page.getByTestId('import-field-maskReading').fill('127');
    await page.getByTestId('import-field-name').fill('isic');
    await page.getByTestId('import-start').click();
    await expect
      .poll(() => page.getByTestId('import-result').textContent(), { timeout: 30_000 })
      .toContain('Imported 2 images (2 with masks) as isic');
    await page.getByTestId('import-close').click();
    const row = page.getByTestId('dataset-row').filter({ hasText: 'isic' });
    await expect.poll(() => row.count()).toBe(1);
    const cells = await row.first().locator('td').allTextContents();
    expect(cells.slice(0, 6)).toEqual(['isic', 'folder', 'semantic', '2', '2', '2']);
    await page.close();
  });
});
