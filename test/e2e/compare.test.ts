import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startServe } from '../helpers/cli';
import { join } from 'node:path';
import { tessera } from '../helpers/cli';
import { tempDir, writeSolidImage } from '../helpers/fixtures';
import type { Pixels } from '../helpers/pixels';
import { fitViewport } from '../../src/renderer/canvas/viewport';
import { DIFF_COLORS } from '../../src/renderer/canvas/raster/diffToRgba';
import { createRun, imageIdsByName, savePrediction, withEngine } from './support/seed';
import { CLASS1, GREY, importScenes, labelsOf, pixelAtImage } from './support/scene';
import { elementPixels, near, openPage, waitForPixel } from './support/page';
import { engineInternals } from '../../src/main/engine/internals';

// Two 64x48 images with class 1 on the left half. Run A predicts both exactly. Run B predicts the
// left quarter on scene_00 (768 of 3072 pixels differ from A: 25%) and x < 33 on scene_01 (48 pixels,
// 1.6%), so scene_00 is the image that changed most.
const W = 64;
const H = 48;
const BACKGROUND: [number, number, number] = [11, 12, 14];
let browser: Browser;
let server: { url: string; stop(): Promise<void> };
let cleanup: () => void;
let datasetId = 0;
/** A second dataset: one run with masks ("only") and one without ("no-masks", as a heatmap-only run). */
let soloId = 0;
let onlyRun = 0;

beforeAll(async () => {
  const t = tempDir('tessera-e2e-compare-');
  cleanup = t.cleanup;
  const half = labelsOf(W, H, (x) => (x < W / 2 ? 1 : 0));
  const ws = await importScenes(t.dir, W, H, [half, half]);
  await writeSolidImage(join(t.dir, 'solo.png'), W, H, GREY);
  const solo = tessera(['--workspace', ws, 'import', 'folder', t.dir, '--name', 'solo']);
  if (solo.code !== 0) throw new Error(solo.stderr);
  await withEngine(ws, (engine) => {
    const datasets = engineInternals(engine).repos.datasets.list();
    datasetId = datasets.find((d) => d.name === 'scenes')!.id;
    soloId = datasets.find((d) => d.name === 'solo')!.id;
    createRun(engine, soloId, 'no-masks');
    onlyRun = createRun(engine, soloId, 'only');
    savePrediction(engine, onlyRun, imageIdsByName(engine, soloId).get('solo.png')!, half, W, H);
    const ids = imageIdsByName(engine, datasetId);
    const a = createRun(engine, datasetId, 'A');
    const b = createRun(engine, datasetId, 'B');
    const c = createRun(engine, datasetId, 'C');
    for (const name of ['scene_00.png', 'scene_01.png']) savePrediction(engine, a, ids.get(name)!, half, W, H);
    savePrediction(
      engine,
      b,
      ids.get('scene_00.png')!,
      labelsOf(W, H, (x) => (x < W / 4 ? 1 : 0)),
      W,
      H,
    );
    savePrediction(
      engine,
      b,
      ids.get('scene_01.png')!,
      labelsOf(W, H, (x) => (x < 33 ? 1 : 0)),
      W,
      H,
    );
    // Run C (for switching runs): class 1 on x < 48 of scene_00.
    savePrediction(
      engine,
      c,
      ids.get('scene_00.png')!,
      labelsOf(W, H, (x) => (x < 48 ? 1 : 0)),
      W,
      H,
    );
  });
  server = await startServe(ws);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  cleanup?.();
});

/** First row from the top, in the middle column, that is not the canvas background: the image's top edge on screen. */
function topEdge(px: Pixels): number {
  for (let y = 1; y < px.height - 1; y++) if (!near(px.at(px.width / 2, y), BACKGROUND, 4)) return y;
  return -1;
}

async function openCompare(): Promise<{ page: Page; errors: string[] }> {
  const opened = await openPage(browser, server.url, `#/compare/${datasetId}`);
  await opened.page.getByTestId('compare-a').locator('canvas').first().waitFor();
  await opened.page.getByTestId('compare-opacity').fill('1');
  return opened;
}

describe('compare two runs in Chromium', () => {
  it('lists the images that changed most and shows both runs side by side', async () => {
    const { page, errors } = await openCompare();
    await expect.poll(() => page.getByTestId('changed-item').allTextContents()).toEqual(['scene_00.png', 'scene_01.png']);
    expect(await page.getByTestId('changed-list').locator('li').first().textContent()).toContain('25% px');
    expect(await page.getByTestId('changed-explain').textContent()).toMatch(/pixels the (two )?runs label differently/);
    await waitForPixel(
      page,
      'compare-a',
      'compare-side-a',
      (px) => fitPointOf(px, 24, 24),
      (c) => near(c, CLASS1, 0),
    );
    await waitForPixel(
      page,
      'compare-b',
      'compare-side-b',
      (px) => fitPointOf(px, 24, 24),
      (c) => near(c, GREY, 0),
    );
    expect(pixelAtImage(await elementPixels(page, 'compare-b', 'compare-side-b'), W, H, 8, 24)).toEqual(CLASS1);

    // Errors vs ground truth: A is all true positives on the left half; B misses x in [16, 32).
    await page.getByTestId('compare-errors').check();
    await waitForPixel(
      page,
      'compare-b',
      'compare-errors-b',
      (px) => fitPointOf(px, 24.5, 24.5),
      (c) => near(c, DIFF_COLORS.falseNegative.slice(0, 3), 0),
    );
    // Hatched: FN bars on x % 4 < 2 (24 is on one), TP "/" stripes on (x + y) % 4 < 2 (48 is).
    expect(pixelAtImage(await elementPixels(page, 'compare-a', 'compare-errors-a'), W, H, 24.5, 24.5)).toEqual([
      ...DIFF_COLORS.truePositive.slice(0, 3),
    ]);
    await expect.poll(() => page.getByTestId('counts-b').textContent()).toBe('TP 768 · FP 0 · FN 768');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('preselects two different runs; with one run with masks, B is none and the page says why', async () => {
    const { page, errors } = await openCompare();
    const a = page.getByTestId('compare-run-a');
    const b = page.getByTestId('compare-run-b');
    const shown = async (sel: typeof a) => sel.evaluate((el) => (el as HTMLSelectElement).selectedOptions[0]?.textContent ?? '');
    expect([await shown(a), await shown(b)]).toEqual(['A', 'B']);
    expect(await page.getByTestId('compare-needs-runs').count()).toBe(0);
    await page.goto(`${server.url}#/compare/${soloId}`);
    await expect
      .poll(() => page.getByTestId('compare-needs-runs').textContent())
      .toBe('This dataset needs two runs with predicted masks to compare (1 of its runs has heatmaps or embeddings only).');
    expect(await a.inputValue()).toBe(String(onlyRun));
    expect([await shown(a), await shown(b), await b.inputValue()]).toEqual(['only', '— no other run —', '']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says a dataset that does not exist is not found', async () => {
    const { page, errors } = await openPage(browser, server.url, '#/compare/999');
    const banner = page.getByTestId('error-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/^Not found/);
    expect(await page.getByText('needs two runs').count()).toBe(0);
    expect(await page.getByTestId('compare-run-a').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('links zoom and pan between the two panes', async () => {
    const { page, errors } = await openCompare();
    await waitForPixel(
      page,
      'compare-a',
      'linked-before',
      (px) => fitPointOf(px, 24, 24),
      (c) => near(c, CLASS1, 0),
    );
    const a0 = await elementPixels(page, 'compare-a', 'linked-a0');
    const b0 = await elementPixels(page, 'compare-b', 'linked-b0');
    expect(topEdge(a0)).toBe(topEdge(b0));
    // Drag pane A down by 60 px: pane B's image moves with it.
    await page.mouse.move(a0.box.x + a0.box.width / 2, a0.box.y + a0.box.height / 2);
    await page.mouse.down();
    await page.mouse.move(a0.box.x + a0.box.width / 2, a0.box.y + a0.box.height / 2 + 30, { steps: 4 });
    await page.mouse.move(a0.box.x + a0.box.width / 2, a0.box.y + a0.box.height / 2 + 60, { steps: 4 });
    await page.mouse.up();
    await expect.poll(async () => topEdge(await elementPixels(page, 'compare-b', 'linked-b1')) - topEdge(b0)).toBeGreaterThan(55);
    expect(topEdge(await elementPixels(page, 'compare-a', 'linked-a1'))).toBe(topEdge(await elementPixels(page, 'compare-b', 'linked-b1')));
    // Zoom out over pane A: both panes shrink the image the same way.
    await page.mouse.wheel(0, 300);
    await expect.poll(async () => topEdge(await elementPixels(page, 'compare-b', 'linked-b2'))).toBeGreaterThan(topEdge(b0) + 60);
    expect(topEdge(await elementPixels(page, 'compare-a', 'linked-a2'))).toBe(topEdge(await elementPixels(page, 'compare-b', 'linked-b2')));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('swipes between run A on the left and run B on the right', async () => {
    const { page, errors } = await openCompare();
    await page.getByTestId('mode-swipe').check();
    await page.getByTestId('compare-swipe').locator('canvas').first().waitFor();
    await page.getByTestId('compare-opacity').fill('1');
    await page.getByTestId('swipe').fill('0.3');
    // Image x under the swipe line at 30% of the stage, from the same fit the viewer uses.
    const shot = await elementPixels(page, 'compare-swipe', 'swipe-0.3');
    const v = fitViewport(W, H, shot.width - 2, shot.height - 2);
    const lineX = (0.3 * (shot.width - 2) - v.x) / v.scale;
    expect(lineX).toBeGreaterThan(16);
    expect(lineX).toBeLessThan(30);
    // Left of the line: run A (class 1 up to x = 32); right of it: run B (class 1 only up to x = 16).
    await waitForPixel(
      page,
      'compare-swipe',
      'swipe-0.3',
      (px) => fitPointOf(px, 8, 24),
      (c) => near(c, CLASS1, 0),
    );
    const px = await elementPixels(page, 'compare-swipe', 'swipe-0.3');
    expect(pixelAtImage(px, W, H, Math.floor(lineX) - 1.5, 24)).toEqual(CLASS1);
    expect(pixelAtImage(px, W, H, Math.ceil(lineX) + 2.5, 24)).toEqual(GREY);
    await page.getByTestId('swipe').fill('1');
    await waitForPixel(
      page,
      'compare-swipe',
      'swipe-1',
      (p) => fitPointOf(p, Math.ceil(lineX) + 2.5, 24),
      (c) => near(c, CLASS1, 0),
    );
    expect(errors).toEqual([]);
    await page.close();
  });

  it('jumps to another image from the changed list', async () => {
    const { page, errors } = await openCompare();
    await page.getByTestId('changed-item').nth(1).click();
    await expect.poll(() => page.evaluate(() => window.location.hash)).toContain('image=');
    await expect.poll(() => page.locator('.compare .page-header a.muted').textContent()).toBe('scene_01.png');
    // On scene_01, B also labels column 32; A does not.
    await waitForPixel(
      page,
      'compare-b',
      'compare-scene01-b',
      (px) => fitPointOf(px, 32.5, 24),
      (c) => near(c, CLASS1, 0),
    );
    expect(pixelAtImage(await elementPixels(page, 'compare-a', 'compare-scene01-a'), W, H, 32.5, 24)).toEqual(GREY);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('compare: switching runs and the error legend', () => {
  it('keeps both canvases drawn when a run is switched, side by side and in swipe mode', async () => {
    const { page, errors } = await openCompare();
    await waitForPixel(
      page,
      'compare-b',
      'switch-before-b',
      (px) => fitPointOf(px, 8.5, 24.5),
      (c) => near(c, CLASS1, 0),
    );
    // B -> C: pane B now shows class 1 up to x = 48 and pane A still shows run A, without pressing Fit.
    await page.getByTestId('compare-run-b').selectOption({ label: 'C' });
    await expect.poll(() => page.evaluate(() => window.location.hash)).toContain('b=');
    await waitForPixel(
      page,
      'compare-b',
      'switch-after-b',
      (px) => fitPointOf(px, 40.5, 24.5),
      (c) => near(c, CLASS1, 0),
    );
    const a = await elementPixels(page, 'compare-a', 'switch-after-a');
    expect(pixelAtImage(a, W, H, 24.5, 24.5)).toEqual(CLASS1);
    expect(pixelAtImage(a, W, H, 40.5, 24.5)).toEqual(GREY);
    expect(pixelAtImage(await elementPixels(page, 'compare-b', 'switch-after-b2'), W, H, 56.5, 24.5)).toEqual(GREY);

    // Swipe mode, switch A -> C: left of the line is now run C (class 1 at x = 40), right is still B.
    await page.getByTestId('mode-swipe').check();
    await page.getByTestId('compare-swipe').locator('canvas').first().waitFor();
    await page.getByTestId('swipe').fill('1');
    await page.getByTestId('compare-run-a').selectOption({ label: 'C' });
    await waitForPixel(
      page,
      'compare-swipe',
      'switch-swipe',
      (px) => fitPointOf(px, 40.5, 24.5),
      (c) => near(c, CLASS1, 0),
    );
    expect(pixelAtImage(await elementPixels(page, 'compare-swipe', 'switch-swipe-2'), W, H, 56.5, 24.5)).toEqual(GREY);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a TP/FP/FN legend in hatching whose colours are none of the class colours', async () => {
    const { page, errors } = await openCompare();
    await page.getByTestId('compare-errors').check();
    const legend = page.getByTestId('compare-error-legend');
    await legend.waitFor();
    expect(await legend.textContent()).toBe('TPFPFN');
    for (const k of ['tp', 'fp', 'fn']) {
      const item = legend.getByTestId(`legend-${k}`);
      const color = (await item.getAttribute('data-color'))!.split(',').map(Number);
      // Far from every class colour of the scene (background black, class 1) in RGB.
      for (const cls of [[0, 0, 0], CLASS1]) expect(Math.hypot(...color.map((v, i) => v - cls[i]!))).toBeGreaterThan(100);
      const bg = await item.locator('.legend-swatch').evaluate((el) => getComputedStyle(el).backgroundImage);
      expect(bg).toContain('repeating-linear-gradient');
    }
    expect(errors).toEqual([]);
    await page.close();
  });
});

function fitPointOf(px: { width: number; height: number }, x: number, y: number): [number, number] {
  const v = fitViewport(W, H, px.width - 2, px.height - 2);
  return [1 + v.x + x * v.scale, 1 + v.y + y * v.scale];
}
