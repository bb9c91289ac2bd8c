import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startServe } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { colormapLut } from '../../src/renderer/canvas/raster/colormaps';
import { TOKEN_SET_COLORS } from '../../src/renderer/canvas/raster/tokenSets';
import { createRun, imageIdsByName, saveHeatmap, savePrediction, withEngine } from './support/seed';
import { CLASS1, CLASS2, GREY, importScenes, labelsOf, fitPoint, pixelAtImage } from './support/scene';
import { elementPixels, near, openPage, waitForPixel } from './support/page';
import { engineInternals } from '../../src/main/engine/internals';

// The scene: a 96x64 grey image; ground truth = class 1 on the left half. Run "toy" predicts class 2
// on the top half and stores token maps on a 4x6 grid (16 px cells):
//  - cam [2,4,6] (classes 1, 2): class 1 = 0.6 in columns 0-2, 0.1 elsewhere; class 2 = 0.8 in row 0.
//  - patch_tokens [1+24, 3] (CLS first): left-half patches (1,0,0), right-half (0,1,0), the last (-1,0,0).
//  - token_importance [4,6]: anchors [0], buffers [1, 6], registers [23].
//  - on a second sample with the query "the red thing": seg_similarity [4,6] with two SasP points, and
//    its predicted mask = class 1 on the bottom-right quarter.
const W = 96;
const H = 64;
const CELL = 16;
const JET = colormapLut('jet');
const jet = (i: number): [number, number, number] => [JET[i * 4] ?? 0, JET[i * 4 + 1] ?? 0, JET[i * 4 + 2] ?? 0];
const cellCentre = (col: number, row: number): [number, number] => [col * CELL + CELL / 2, row * CELL + CELL / 2];

let browser: Browser;
let server: { url: string; stop(): Promise<void> };
let cleanup: () => void;
let imageId = 0;

beforeAll(async () => {
  const t = tempDir('tessera-e2e-viewer-');
  cleanup = t.cleanup;
  const ws = await importScenes(t.dir, W, H, [labelsOf(W, H, (x) => (x < W / 2 ? 1 : 0)), labelsOf(W, H, (x, y) => (y > 40 ? 2 : 0))]);
  await withEngine(ws, (engine) => {
    const datasetId = engineInternals(engine).repos.datasets.list()[0]!.id;
    imageId = imageIdsByName(engine, datasetId).get('scene_00.png')!;
    const run = createRun(engine, datasetId, 'toy');
    savePrediction(
      engine,
      run,
      imageId,
      labelsOf(W, H, (_x, y) => (y < H / 2 ? 2 : 0)),
      W,
      H,
    );
    const sample = engineInternals(engine).repos.images.semanticSampleId(imageId)!;
    const cam = new Float32Array(2 * 24);
    for (let r = 0; r < 4; r++)
      for (let c = 0; c < 6; c++) {
        cam[r * 6 + c] = c < 3 ? 0.6 : 0.1;
        cam[24 + r * 6 + c] = r === 0 ? 0.8 : 0;
      }
    saveHeatmap(engine, run, sample, 'cam', [2, 4, 6], cam, { classIds: [1, 2] });
    const tokens = new Float32Array(25 * 3);
    tokens.set([0, 0, 1], 0);
    for (let p = 0; p < 24; p++) tokens.set(p === 23 ? [-1, 0, 0] : p % 6 < 3 ? [1, 0, 0] : [0, 1, 0], (p + 1) * 3);
    saveHeatmap(engine, run, sample, 'patch_tokens', [25, 3], tokens, { gridH: 4, gridW: 6 });
    saveHeatmap(
      engine,
      run,
      sample,
      'token_importance',
      [4, 6],
      new Float32Array(24).map((_, i) => i / 23),
      { anchors: [0], buffers: [1, 6], registers: [23] },
    );
    const query = engineInternals(engine).repos.images.createSample(imageId, 'the red thing');
    saveHeatmap(
      engine,
      run,
      query,
      'seg_similarity',
      [4, 6],
      new Float32Array(24).map((_, i) => i),
      {
        query: 'the red thing',
        points: [
          { x: 8, y: 8, label: 1 },
          { x: 88, y: 56, label: 0 },
        ],
      },
    );
    savePrediction(
      engine,
      run,
      imageId,
      labelsOf(W, H, (x, y) => (x >= W / 2 && y >= H / 2 ? 1 : 0)),
      W,
      H,
      query,
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

async function openViewer(): Promise<{ page: Page; errors: string[] }> {
  const opened = await openPage(browser, server.url, `#/images/${imageId}`);
  await opened.page.getByTestId('viewer-canvas').locator('canvas').first().waitFor();
  return opened;
}

const at = (x: number, y: number) => (px: { width: number; height: number }) => fitPoint(px, W, H, x, y);

describe('viewer layers and token tools in Chromium', () => {
  it('shows the run prediction and the error layer, hides a class from the legend, links to annotate', async () => {
    const { page, errors } = await openViewer();
    await page.getByTestId('layer-gt').uncheck();
    await page.getByTestId('layer-heatmap').uncheck();
    await page.getByTestId('layer-tokens').uncheck();
    await page.getByTestId('opacity-pred').fill('1');
    // Top half predicted class 2, bottom half nothing.
    await waitForPixel(page, 'viewer-canvas', 'viewer-prediction', at(70, 10), (c) => near(c, CLASS2, 0));
    expect(pixelAtImage(await elementPixels(page, 'viewer-canvas', 'viewer-prediction'), W, H, 70, 50)).toEqual(GREY);

    // Hide class 2 in the legend: its pixels go back to the image.
    await page.getByTestId('class-visible-2').uncheck();
    await waitForPixel(page, 'viewer-canvas', 'viewer-class2-hidden', at(70, 10), (c) => near(c, GREY, 0));
    await page.getByTestId('class-visible-2').check();

    // Errors vs GT: top-left = GT 1, pred 2 -> FP; bottom-left = GT 1, pred 0 -> FN; top-right = GT 0, pred 2 -> FP.
    await page.getByTestId('layer-pred').uncheck();
    await page.getByTestId('layer-diff').check();
    await page.getByTestId('opacity-diff').fill('1');
    // Errors are hatched (period 4 here): FN vertical bars on x % 4 < 2, FP "\\" stripes on (x - y) % 4 < 2.
    await waitForPixel(page, 'viewer-canvas', 'viewer-errors', at(8.5, 50.5), (c) => near(c, [41, 121, 255], 0));
    const px = await elementPixels(page, 'viewer-canvas', 'viewer-errors');
    expect(pixelAtImage(px, W, H, 10.5, 10.5)).toEqual([255, 61, 0]);
    expect(pixelAtImage(px, W, H, 70.5, 10.5)).toEqual([255, 61, 0]);
    expect(pixelAtImage(px, W, H, 70, 50)).toEqual(GREY);

    // The inspector reads the classes, the CAM value and the token under the cursor.
    const shot = await elementPixels(page, 'viewer-canvas', 'viewer-hover');
    const [sx, sy] = fitPoint(shot, W, H, 10.5, 50.5);
    await page.mouse.move(shot.box.x + sx, shot.box.y + sy);
    await expect
      .poll(() => page.getByTestId('inspector').textContent())
      .toBe('x 10, y 50 · gt class 1 · pred background · heat 0.600 · token 18 (r3 c0) · pseudo class 1');

    expect(await page.getByTestId('open-annotate').getAttribute('href')).toBe(`#/annotate/${imageId}`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('moves the CAM threshold slider and the pseudo label follows', async () => {
    const { page, errors } = await openViewer();
    for (const id of ['gt', 'pred', 'heatmap', 'tokens']) await page.getByTestId(`layer-${id}`).uncheck();
    await page.getByTestId('layer-pseudo').check();
    await page.getByTestId('opacity-pseudo').fill('1');
    // Threshold 0.5: class-1 CAM 0.6 in columns 0-2 beats it; row 0 is class 2 (0.8).
    await waitForPixel(page, 'viewer-canvas', 'cam-threshold-0.5', at(...cellCentre(1, 2)), (c) => near(c, CLASS1, 0));
    let px = await elementPixels(page, 'viewer-canvas', 'cam-threshold-0.5');
    expect(pixelAtImage(px, W, H, ...cellCentre(4, 0))).toEqual(CLASS2);
    expect(pixelAtImage(px, W, H, ...cellCentre(4, 2))).toEqual(GREY);

    await page.getByTestId('cam-threshold').fill('0.7');
    await expect.poll(() => page.getByTestId('cam-threshold-value').textContent()).toBe('0.70');
    await waitForPixel(page, 'viewer-canvas', 'cam-threshold-0.7', at(...cellCentre(1, 2)), (c) => near(c, GREY, 0));
    px = await elementPixels(page, 'viewer-canvas', 'cam-threshold-0.7');
    expect(pixelAtImage(px, W, H, ...cellCentre(4, 0))).toEqual(CLASS2);

    // The heatmap layer shows the chosen class's CAM through jet on [0, 1]: 0.6 -> index 153.
    await page.getByTestId('layer-pseudo').uncheck();
    await page.getByTestId('layer-heatmap').check();
    await page.getByTestId('opacity-heatmap').fill('1');
    await waitForPixel(page, 'viewer-canvas', 'cam-class-1', at(...cellCentre(1, 2)), (c) => near(c, jet(153), 2));
    await page.getByTestId('cam-class').selectOption('1');
    await waitForPixel(page, 'viewer-canvas', 'cam-class-2', at(...cellCentre(1, 0)), (c) => near(c, jet(204), 2));
    await expect(page.getByTestId('colorbar').isVisible()).resolves.toBe(true);
    await page.getByTestId('colormap-select').selectOption('viridis');
    const viridis = colormapLut('viridis');
    await waitForPixel(page, 'viewer-canvas', 'cam-class-2-viridis', at(...cellCentre(1, 0)), (c) =>
      near(c, [viridis[204 * 4]!, viridis[204 * 4 + 1]!, viridis[204 * 4 + 2]!], 2),
    );
    expect(errors).toEqual([]);
    await page.close();
  });

  it('clicks a patch and shows its cosine similarity map', async () => {
    const { page, errors } = await openViewer();
    for (const id of ['gt', 'pred']) await page.getByTestId(`layer-${id}`).uncheck();
    const options = await page.getByTestId('heatmap-select').locator('option').allTextContents();
    await page.getByTestId('heatmap-select').selectOption({ label: options.find((o) => o.startsWith('patch_tokens'))! });
    await page.getByTestId('opacity-heatmap').fill('1');
    await expect.poll(() => page.getByTestId('patch-info').textContent()).toContain('Click a patch');
    const shot = await elementPixels(page, 'viewer-canvas', 'patch-before');
    const click = async (col: number, row: number): Promise<void> => {
      const [sx, sy] = fitPoint(shot, W, H, ...cellCentre(col, row));
      await page.mouse.click(shot.box.x + sx, shot.box.y + sy);
    };
    // Patch 0 (left half): cosine 1 with the left half (jet top), 0 with the right (jet middle), -1 with the last patch.
    await click(0, 0);
    await expect.poll(() => page.getByTestId('patch-info').textContent()).toBe('Patch 0 (row 0, col 0)');
    await waitForPixel(page, 'viewer-canvas', 'patch-0', at(...cellCentre(2, 1)), (c) => near(c, jet(255), 2));
    let px = await elementPixels(page, 'viewer-canvas', 'patch-0');
    expect(near(pixelAtImage(px, W, H, ...cellCentre(4, 1)), jet(128), 2)).toBe(true);
    expect(near(pixelAtImage(px, W, H, ...cellCentre(5, 3)), jet(0), 2)).toBe(true);
    // Patch 5 (right half): now the right half is the similar one.
    await click(5, 0);
    await waitForPixel(page, 'viewer-canvas', 'patch-5', at(...cellCentre(4, 1)), (c) => near(c, jet(255), 2));
    px = await elementPixels(page, 'viewer-canvas', 'patch-5');
    expect(near(pixelAtImage(px, W, H, ...cellCentre(2, 1)), jet(128), 2)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows the <SEG> similarity map with SasP points, its query and its mask', async () => {
    const { page, errors } = await openViewer();
    await page.getByTestId('layer-gt').uncheck();
    const options = await page.getByTestId('heatmap-select').locator('option').allTextContents();
    await page.getByTestId('heatmap-select').selectOption({ label: options.find((o) => o.startsWith('seg_similarity'))! });
    await expect.poll(() => page.getByTestId('seg-query').textContent()).toBe('the red thing');
    await page.getByTestId('layer-heatmap').uncheck();
    await page.getByTestId('opacity-pred').fill('1');
    // The prediction now is the query's mask (bottom-right class 1), not the semantic one (top half class 2).
    await waitForPixel(page, 'viewer-canvas', 'seg-mask', at(80, 50), (c) => near(c, CLASS1, 0));
    const px = await elementPixels(page, 'viewer-canvas', 'seg-mask');
    expect(pixelAtImage(px, W, H, 70, 10)).toEqual(GREY);
    // The positive point at (8, 8) is green, the negative one at (88, 56) red.
    expect(near(pixelAtImage(px, W, H, 8, 8), [0, 230, 118], 3)).toBe(true);
    expect(near(pixelAtImage(px, W, H, 88, 56), [255, 23, 68], 3)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('overlays HiPrune anchors, buffers and registers from token importance', async () => {
    const { page, errors } = await openViewer();
    for (const id of ['gt', 'pred']) await page.getByTestId(`layer-${id}`).uncheck();
    const options = await page.getByTestId('heatmap-select').locator('option').allTextContents();
    await page.getByTestId('heatmap-select').selectOption({ label: options.find((o) => o.startsWith('token_importance'))! });
    await expect.poll(() => page.getByTestId('token-sets').textContent()).toContain('anchors 1');
    await page.getByTestId('layer-heatmap').uncheck();
    await page.getByTestId('opacity-tokens').fill('1');
    const over = (c: readonly number[]): number[] =>
      [0, 1, 2].map((k) => Math.round(((c[3] ?? 255) / 255) * (c[k] ?? 0) + (1 - (c[3] ?? 255) / 255) * 128));
    // Sample off the cell centre: the grid lines and the clicked-patch outline cross the centres of nothing.
    await waitForPixel(page, 'viewer-canvas', 'hiprune', at(4, 4), (c) => near(c, over(TOKEN_SET_COLORS.anchor), 3));
    const px = await elementPixels(page, 'viewer-canvas', 'hiprune');
    expect(near(pixelAtImage(px, W, H, 20, 4), over(TOKEN_SET_COLORS.buffer), 3)).toBe(true);
    expect(near(pixelAtImage(px, W, H, 4, 20), over(TOKEN_SET_COLORS.buffer), 3)).toBe(true);
    expect(near(pixelAtImage(px, W, H, 84, 52), over(TOKEN_SET_COLORS.register), 3)).toBe(true);
    expect(pixelAtImage(px, W, H, 52, 36)).toEqual(GREY);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a minimap once zoomed in past the stage and not at fit', async () => {
    const { page, errors } = await openViewer();
    await expect(page.getByTestId('minimap').count()).resolves.toBe(0);
    const box = await page.getByTestId('viewer-canvas').boundingBox();
    await page.mouse.move(box!.x + box!.width / 2, box!.y + box!.height / 2);
    await page.mouse.wheel(0, -800);
    await page.getByTestId('minimap').waitFor();
    await page.getByTestId('fit').click();
    await expect.poll(() => page.getByTestId('minimap').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
