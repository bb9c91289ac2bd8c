import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { tempDir } from '../helpers/fixtures';
import { decodeScreenshot } from '../helpers/pixels';
import { ARTIFACTS } from './support/page';
import { importScenes, labelsOf } from './support/scene';
import { createRun, imageIdsByName, savePrediction, withEngine } from './support/seed';
import { startUi, stopUi, type Ui } from './support/ui';

// Grey 256x192 images whose ground truth is class 1 on the top 16 rows and class 2 on the bottom 16
// (the rest background). A gallery tile is ~167x96: with object-fit: cover a 4:3 thumbnail was
// scaled to 167x125 and its top and bottom 14 px cut, both strips with them. Shown whole (contain),
// the image is 128x96 centred in the tile (black bars left and right), and the overlay lines up:
// the top 8 px red-ish, the bottom 8 px green-ish, nothing tinted in the bars.
const W = 256;
const H = 192;
const STRIPS = labelsOf(W, H, (_x, y) => (y < 16 ? 1 : y >= H - 16 ? 2 : 0));
let ui: Ui;
let cleanup: () => void;
let runId = 0;

beforeAll(async () => {
  const t = tempDir('tessera-e2e-tiles-');
  cleanup = t.cleanup;
  const ws = await importScenes(t.dir, W, H, [STRIPS, STRIPS], 'strips', (i) => `scene_00${i}_strip`);
  // Run "top-only" finds the top strip and calls the bottom one background, on both images. By hand:
  // background 160/176, class 1 16/16, class 2 0/16 -> mIoU (0.90909 + 1 + 0) / 3 = 63.64 %.
  await withEngine(ws, (engine) => {
    runId = createRun(engine, 1, 'top-only');
    const pred = labelsOf(W, H, (_x, y) => (y < 16 ? 1 : 0));
    for (const id of imageIdsByName(engine, 1).values()) savePrediction(engine, runId, id, pred, W, H);
  });
  ui = await startUi(ws);
});

afterAll(() => stopUi(ui, cleanup));

/** The first tile's thumbnail as drawn, and where the image's content box lies in it (contain). */
async function thumb(page: Page, name: string) {
  const el = page.getByTestId('gallery-item').first().locator('.tile-thumb');
  const px = await decodeScreenshot(await el.screenshot({ path: join(ARTIFACTS, `${name}.png`) }));
  const scale = Math.min(px.width / W, px.height / H);
  const content = { x: (px.width - W * scale) / 2, y: (px.height - H * scale) / 2, w: W * scale, h: H * scale };
  /** The colour at image pixel (x, y). */
  const at = (x: number, y: number) => px.at(Math.floor(content.x + x * scale), Math.floor(content.y + y * scale));
  return { px, scale, content, at };
}

const grey = (p: readonly number[]): boolean => p.every((v) => Math.abs(v - 128) <= 8);
const black = (p: readonly number[]): boolean => p.every((v) => v <= 12);
const reddish = (p: readonly number[]): boolean => p[0]! > 110 && p[1]! < 80 && p[2]! < 80;
const greenish = (p: readonly number[]): boolean => p[1]! > 110 && p[0]! < 80 && p[2]! < 80;

describe('gallery tiles', () => {
  it('show the whole image letterboxed, with the overlay lined up on it', async () => {
    const page = await ui.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${ui.server.url}#/datasets/1`);
    const img = page.getByTestId('gallery-item').first().locator('.tile-thumb img');
    await img.waitFor();
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth)).toBe(256);
    const plain = await thumb(page, 'tiles-plain');
    // A ~167x96 tile: the image is 128x96 at half scale, 19-20 px black bars left and right.
    expect(plain.px.height).toBe(96);
    expect(plain.scale).toBe(0.5);
    expect(plain.content.x).toBeGreaterThan(10);
    for (const [x, y] of [
      [128, 2],
      [128, 96],
      [128, 189],
      [2, 96],
      [253, 96],
    ] as const)
      expect({ x, y, grey: grey(plain.at(x, y)) }).toEqual({ x, y, grey: true });
    expect(black(plain.px.at(3, 48))).toBe(true);
    expect(black(plain.px.at(plain.px.width - 4, 48))).toBe(true);

    await page.goto(`${ui.server.url}#/datasets/1?overlay=gt`);
    await expect.poll(() => page.getByTestId('tile-mask').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(async () => reddish((await thumb(page, 'tiles-gt')).at(128, 4)), { timeout: 15_000 }).toBe(true);
    const gt = await thumb(page, 'tiles-gt');
    // Both strips are in view and tinted, each exactly its 16 image rows (8 tile px); the middle is not.
    for (const x of [4, 128, 251]) {
      expect({ x, top: reddish(gt.at(x, 4)), bottom: greenish(gt.at(x, H - 5)) }).toEqual({ x, top: true, bottom: true });
      expect({ x, belowTop: grey(gt.at(x, 22)), aboveBottom: grey(gt.at(x, H - 23)), middle: grey(gt.at(x, 96)) }).toEqual({
        x,
        belowTop: true,
        aboveBottom: true,
        middle: true,
      });
    }
    // Nothing of the mask lies in the bars beside the image.
    for (const y of [4, 48, 92]) {
      expect({ y, left: black(gt.px.at(3, y)), right: black(gt.px.at(gt.px.width - 4, y)) }).toEqual({ y, left: true, right: true });
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it("show the sort run's score in percent, as Benchmarks does, beside a file name shown whole", async () => {
    const page = await ui.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${ui.server.url}#/datasets/1?sort=asc:${runId}`);
    const scores = page.getByTestId('tile-score');
    await expect.poll(() => scores.allTextContents(), { timeout: 15_000 }).toEqual(['63.6', '63.6']);
    expect(await scores.first().getAttribute('title')).toMatch(/in percent \(0-100/);
    // The file name is not cut for the badges: it has the tile's width to itself.
    const names = await page
      .getByTestId('tile-file')
      .evaluateAll((els) => els.map((e) => ({ text: e.textContent, whole: e.scrollWidth <= e.clientWidth })));
    expect(names).toEqual([
      { text: 'scene_000_strip.png', whole: true },
      { text: 'scene_001_strip.png', whole: true },
    ]);
    const tile = (await page.getByTestId('gallery-item').first().boundingBox())!;
    const badge = (await scores.first().boundingBox())!;
    expect(badge.y + badge.height).toBeLessThanOrEqual(tile.y + tile.height);
    // Benchmarks prints the same run (both images alike, so its dataset mIoU is each image's) as 63.64.
    await page.goto(`${ui.server.url}#/benchmarks/1`);
    const miou = page.locator('[data-testid="bench-run-row"][data-run="top-only"] td[data-metric="miou"]');
    await expect.poll(() => miou.textContent(), { timeout: 15_000 }).toBe('63.64');
    expect(errors).toEqual([]);
    await page.close();
  });
});
