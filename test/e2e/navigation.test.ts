import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startServe, tessera } from '../helpers/cli';
import { tempDir, writeGreyMask, writeSolidImage } from '../helpers/fixtures';
import { createRun, imageIdsByName, savePrediction, withEngine } from './support/seed';
import { labelsOf } from './support/scene';
import { ARTIFACTS, openPage } from './support/page';
import { decodeScreenshot } from '../helpers/pixels';
import { engineInternals } from '../../src/main/engine/internals';

// 80 small solid images, each its own colour, so the canvas's centre pixel says which image is drawn.
// Every image whose index is not a multiple of 3 is tagged "keep": a 53-image subset in name order.
// Every image has a mask (class 1 on the left half); run "r" predicts class 1 on a left part whose
// width grows with the index, so its per-image scores differ.
const N = 80;
const W = 24;
const H = 16;
const colour = (k: number): [number, number, number] => [(k * 37 + 20) % 256, (k * 91 + 50) % 256, (k * 13 + 100) % 256];
const stem = (k: number): string => `img_${String(k).padStart(3, '0')}`;
const KEEP = Array.from({ length: N }, (_, k) => k).filter((k) => k % 3 !== 0);

let browser: Browser;
let server: { url: string; stop(): Promise<void> };
let cleanup: () => void;

beforeAll(async () => {
  const t = tempDir('tessera-e2e-nav-');
  cleanup = t.cleanup;
  expect(new Set(Array.from({ length: N }, (_, k) => colour(k).join())).size).toBe(N);
  const images = join(t.dir, 'images');
  const masks = join(t.dir, 'masks');
  mkdirSync(images);
  mkdirSync(masks);
  for (let k = 0; k < N; k++) {
    await writeSolidImage(join(images, `${stem(k)}.png`), W, H, colour(k));
    writeGreyMask(
      join(masks, `${stem(k)}.png`),
      W,
      H,
      labelsOf(W, H, (x) => (x < W / 2 ? 1 : 0)),
    );
  }
  // A referring set of two images whose queries the tiles show.
  const rs = join(t.dir, 'reasonseg', 'val');
  mkdirSync(rs, { recursive: true });
  for (const name of ['chair', 'lamp']) {
    await writeSolidImage(join(rs, `${name}.jpg`), W, H, [90, 90, 90]);
    const box = [
      [2, 2],
      [12, 2],
      [12, 10],
      [2, 10],
    ];
    writeFileSync(
      join(rs, `${name}.json`),
      JSON.stringify({
        text: [`the ${name} by the window`],
        is_sentence: false,
        shapes: [{ label: 'target', points: box, shape_type: 'polygon' }],
      }),
    );
  }
  const ws = join(t.dir, 'ws');
  expect(tessera(['--workspace', ws, 'init']).code).toBe(0);
  expect(tessera(['--workspace', ws, 'import', 'folder', images, '--masks', masks, '--name', 'colours']).code).toBe(0);
  expect(tessera(['--workspace', ws, 'import', 'reasonseg', join(t.dir, 'reasonseg'), '--name', 'referring']).code).toBe(0);
  const tagged = tessera([
    '--workspace',
    ws,
    'tags',
    'add',
    'keep',
    '--dataset',
    'colours',
    '--images',
    KEEP.map((k) => `${stem(k)}.png`).join(','),
  ]);
  expect(tagged.stderr).toBe('');
  await withEngine(ws, (engine) => {
    const datasetId = engineInternals(engine)
      .repos.datasets.list()
      .find((d) => d.name === 'colours')!.id;
    const ids = imageIdsByName(engine, datasetId);
    const run = createRun(engine, datasetId, 'r');
    for (let k = 0; k < N; k++) {
      const width = 1 + (k % 11);
      savePrediction(
        engine,
        run,
        ids.get(`${stem(k)}.png`)!,
        labelsOf(W, H, (x) => (x < width ? 1 : 0)),
        W,
        H,
      );
    }
  });
  server = await startServe(ws);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  cleanup?.();
});

/** The colour at the centre of a canvas (the image is solid, so any of its pixels says which one it is): a 2x2 clip, fast enough per step. */
async function centre(page: Page, testId = 'viewer-canvas'): Promise<string> {
  const box = await page.getByTestId(testId).boundingBox();
  if (box === null) return 'no box';
  const shot = await page.screenshot({
    clip: { x: Math.round(box.x + box.width / 2), y: Math.round(box.y + box.height / 2), width: 2, height: 2 },
  });
  return (await decodeScreenshot(shot)).at(0, 0).join();
}

async function openGallery(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'colours' }).click();
  await expect.poll(() => page.getByTestId('gallery-item').count()).toBeGreaterThan(0);
}

describe('navigation that keeps its place', () => {
  it('steps through a 53-image filtered subset with → and J, position and pixels following', async () => {
    const { page, errors } = await openPage(browser, server.url);
    await openGallery(page);
    await page.getByTestId('filter-tag').selectOption('keep');
    await expect.poll(() => page.getByTestId('gallery-count').textContent()).toMatch(/^53 of 80 images/);
    await page.getByTestId('gallery-item').first().click();
    const position = page.getByTestId('nav-position');
    await expect.poll(() => position.textContent()).toBe('1 of 53');
    await expect.poll(() => centre(page)).toBe(colour(KEEP[0]!).join());
    for (let i = 1; i < KEEP.length; i++) {
      await page.keyboard.press(i % 2 === 1 ? 'ArrowRight' : 'j');
      await expect.poll(() => position.textContent()).toBe(`${i + 1} of 53`);
      await expect.poll(() => centre(page)).toBe(colour(KEEP[i]!).join());
      expect(page.url()).toContain('tag=keep');
    }
    // The end: → does nothing more; ← and K go back.
    expect(await page.getByTestId('nav-next').isDisabled()).toBe(true);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => position.textContent()).toBe('52 of 53');
    await page.keyboard.press('k');
    await expect.poll(() => position.textContent()).toBe('51 of 53');
    await expect.poll(() => centre(page)).toBe(colour(KEEP[50]!).join());
    await page.screenshot({ path: join(ARTIFACTS, 'nav-viewer.png') });

    // Annotate follows the same view with the same keys.
    await page.getByTestId('open-annotate').click();
    await expect.poll(() => page.getByTestId('nav-position').textContent()).toBe('51 of 53');
    await page.getByTestId('annotate-canvas').locator('canvas').first().waitFor();
    await page.keyboard.press('j');
    await expect.poll(() => page.getByTestId('nav-position').textContent()).toBe('52 of 53');
    expect(page.url()).toMatch(/#\/annotate\/\d+\?tag=keep/);
    await expect.poll(() => centre(page, 'annotate-canvas').then((c) => c.split(',').map(Number)[2])).toBe(colour(KEEP[51]!)[2]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('Back from an image restores filters, sort, overlay and the scroll position exactly', async () => {
    const { page, errors } = await openPage(browser, server.url);
    await openGallery(page);
    await page.getByTestId('filter-gt').selectOption('true');
    await page.getByTestId('sort').selectOption({ label: 'score of r, worst first' });
    await page.getByTestId('tile-overlay').selectOption({ label: 'prediction of r' });
    await expect.poll(() => page.getByTestId('tile-score').count()).toBeGreaterThan(0);
    const grid = page.getByTestId('gallery');
    await grid.evaluate((el) => (el.scrollTop = 437));
    await expect.poll(() => page.url()).toMatch(/at=\d+&dy=\d+/);
    const inView = async (): Promise<string[]> =>
      grid.evaluate((el) => {
        const box = el.getBoundingClientRect();
        return [...el.querySelectorAll('[data-testid="gallery-item"]')]
          .filter((t) => {
            const r = t.getBoundingClientRect();
            return r.bottom > box.top && r.top < box.bottom;
          })
          .map((t) => `${t.getAttribute('data-index')}:${t.getAttribute('data-image-id')}`);
      });
    await expect.poll(async () => (await inView()).length).toBeGreaterThan(0);
    const before = await inView();
    const beforeUrl = page.url();
    await page.screenshot({ path: join(ARTIFACTS, 'nav-gallery-before.png') });
    // A tile wholly in view (clicking a cut one would scroll it into view first).
    const whole = await grid.evaluate((el) => {
      const box = el.getBoundingClientRect();
      const t = [...el.querySelectorAll('[data-testid="gallery-item"]')].find((e) => {
        const r = e.getBoundingClientRect();
        return r.top >= box.top && r.bottom <= box.bottom;
      });
      return t?.getAttribute('data-index') ?? '';
    });
    const first = [whole];
    await page.locator(`[data-testid="gallery-item"][data-index="${whole}"]`).click();
    expect(page.url()).toContain('#/images/');
    await expect.poll(() => page.getByTestId('nav-position').textContent()).toMatch(/^\d+ of \d+$/);
    // Score order in the viewer too: the position is the tile's index + 1.
    expect(await page.getByTestId('nav-position').textContent()).toBe(`${Number(first[0]) + 1} of 80`);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.getByTestId('nav-position').textContent()).toBe(`${Number(first[0]) + 2} of 80`);
    await page.goBack();
    await expect.poll(() => page.getByTestId('gallery-count').textContent()).toMatch(/^80 of 80/);
    expect(page.url()).toBe(beforeUrl);
    expect(await page.getByTestId('filter-gt').inputValue()).toBe('true');
    expect(await page.getByTestId('sort').inputValue()).toMatch(/^asc:\d+$/);
    expect(await page.getByTestId('tile-overlay').inputValue()).toMatch(/^pred:\d+$/);
    await expect.poll(() => grid.evaluate((el) => el.scrollTop)).toBe(437);
    await expect.poll(inView).toEqual(before);
    // The tiles draw the prediction over the thumbnail and the sort score.
    await expect.poll(() => page.getByTestId('tile-mask').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'nav-gallery-after.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('clamps zoom to 1/32x and 64x on the viewer and Annotate canvases, with a readout', async () => {
    const { page, errors } = await openPage(browser, server.url);
    await openGallery(page);
    await page.getByTestId('gallery-item').first().click();
    const readout = page.getByTestId('zoom-readout');
    await readout.waitFor();
    for (let i = 0; i < 14; i++) await page.keyboard.press('+');
    await expect.poll(() => readout.getAttribute('data-scale')).toBe('64');
    expect(await readout.textContent()).toBe('6400% (max)');
    await expect.poll(() => centre(page)).toBe(colour(0).join());
    const box = (await page.getByTestId('viewer-canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 12; i++) await page.mouse.wheel(0, 600);
    await expect.poll(() => readout.getAttribute('data-scale')).toBe(String(1 / 32));
    expect(await readout.textContent()).toBe('3.1% (min)');
    await page.keyboard.press('f');
    await expect.poll(() => readout.textContent()).not.toContain('(min)');

    await page.getByTestId('open-annotate').click();
    const canvas = page.getByTestId('annotate-canvas');
    await canvas.locator('canvas').first().waitFor();
    const abox = (await canvas.boundingBox())!;
    await page.mouse.move(abox.x + abox.width / 2, abox.y + abox.height / 2);
    const aread = canvas.getByTestId('zoom-readout');
    for (let i = 0; i < 12; i++) await page.mouse.wheel(0, -600);
    await expect.poll(() => aread.getAttribute('data-scale')).toBe('64');
    for (let i = 0; i < 16; i++) await page.mouse.wheel(0, 600);
    await expect.poll(() => aread.getAttribute('data-scale')).toBe(String(1 / 32));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('? lists the shortcuts in the viewer and in Annotate', async () => {
    const { page, errors } = await openPage(browser, server.url);
    await openGallery(page);
    await page.getByTestId('gallery-item').first().click();
    await page.getByTestId('viewer-canvas').locator('canvas').first().waitFor();
    await page.keyboard.press('?');
    const help = page.getByTestId('help-overlay');
    await help.waitFor();
    const text = (await help.textContent()) ?? '';
    for (const s of [
      'next image',
      'previous image',
      '→, J',
      '←, K',
      'fit the image',
      'zoom in / out',
      'annotate this image',
      'back to the gallery',
    ]) {
      expect(text).toContain(s);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'nav-viewer-help.png') });
    await page.keyboard.press('Escape');
    await expect.poll(() => help.count()).toBe(0);
    // G toggles the ground truth layer from the keyboard.
    expect(await page.getByTestId('layer-gt').isChecked()).toBe(true);
    await page.keyboard.press('g');
    await expect.poll(() => page.getByTestId('layer-gt').isChecked()).toBe(false);

    await page.keyboard.press('a');
    await page.getByTestId('annotate-canvas').locator('canvas').first().waitFor();
    await page.keyboard.press('?');
    await help.waitFor();
    expect(await help.textContent()).toContain('next image');
    await page.keyboard.press('Escape');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('referring tiles show their query and the full file name on hover', async () => {
    const { page, errors } = await openPage(browser, server.url);
    await page.getByRole('link', { name: 'referring' }).click();
    await expect
      .poll(() => page.getByTestId('tile-query').allTextContents())
      .toEqual(['“the chair by the window”', '“the lamp by the window”']);
    const titles = await page.getByTestId('gallery-item').evaluateAll((els) => els.map((e) => e.getAttribute('title')));
    expect(titles).toEqual(['chair.jpg\n“the chair by the window”', 'lamp.jpg\n“the lamp by the window”']);
    await page.screenshot({ path: join(ARTIFACTS, 'nav-referring-gallery.png') });
    expect(errors).toEqual([]);
    await page.close();
  });
});
