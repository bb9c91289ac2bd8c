import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startServe } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { colormapLut } from '../../src/renderer/canvas/raster/colormaps';
import { createRun, imageIdsByName, saveHeatmap, withEngine } from './support/seed';
import { GREY, importScenes, fitPoint, labelsOf } from './support/scene';
import { elementPixels, near, openPage, waitForPixel } from './support/page';
import { engineInternals } from '../../src/main/engine/internals';

// Two grey 96x48 images with an 8x8 model heatmap each, stored with their geometry:
//  - scene_00, longest-side-pad 8: content 4x8 at the top of the tensor. Map rows 0-1 = 1, rows 2-3 =
//    0.5, padding rows 4-7 = 0. Drawn right, map row r covers image rows 12r..12r+12; stretched over
//    the image (the old way) the bottom half would show padding.
//  - scene_01, shortest-side-center-crop 8: content 8x16, crop from column 4, so the map covers image
//    columns 24-72 only. Map columns 0-3 = 0, 4-7 = 1.
const W = 96;
const H = 48;
const JET = colormapLut('jet');
const jet = (i: number): [number, number, number] => [JET[i * 4] ?? 0, JET[i * 4 + 1] ?? 0, JET[i * 4 + 2] ?? 0];

let browser: Browser;
let server: { url: string; stop(): Promise<void> };
let cleanup: () => void;
const ids: number[] = [];

beforeAll(async () => {
  const t = tempDir('tessera-e2e-geometry-');
  cleanup = t.cleanup;
  const empty = labelsOf(W, H, () => 0);
  const ws = await importScenes(t.dir, W, H, [empty, empty]);
  await withEngine(ws, (engine) => {
    const datasetId = engineInternals(engine).repos.datasets.list()[0]!.id;
    const byName = imageIdsByName(engine, datasetId);
    const run = createRun(engine, datasetId, 'padded');
    const padded = byName.get('scene_00.png')!;
    const cropped = byName.get('scene_01.png')!;
    ids.push(padded, cropped);
    const rows = new Float32Array(64).map((_, i) => (i < 16 ? 1 : i < 32 ? 0.5 : 0));
    saveHeatmap(engine, run, engineInternals(engine).repos.images.semanticSampleId(padded)!, 'probability', [8, 8], rows, {
      geometry: {
        tensorHeight: 8,
        tensorWidth: 8,
        contentHeight: 4,
        contentWidth: 8,
        cropTop: 0,
        cropLeft: 0,
        gridHeight: 8,
        gridWidth: 8,
      },
    });
    const cols = new Float32Array(64).map((_, i) => (i % 8 < 4 ? 0 : 1));
    saveHeatmap(engine, run, engineInternals(engine).repos.images.semanticSampleId(cropped)!, 'probability', [8, 8], cols, {
      geometry: {
        tensorHeight: 8,
        tensorWidth: 8,
        contentHeight: 8,
        contentWidth: 16,
        cropTop: 0,
        cropLeft: 4,
        gridHeight: 8,
        gridWidth: 8,
      },
    });
  });
  server = await startServe(ws);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  cleanup?.();
});

async function openViewer(imageId: number): Promise<{ page: Page; errors: string[] }> {
  const opened = await openPage(browser, server.url, `#/images/${imageId}`);
  // The run holds heatmaps only: the viewer asks for no prediction of it (that was a 404 per image).
  opened.page.on('response', (r) => {
    if (r.status() >= 400) opened.errors.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  await opened.page.getByTestId('viewer-canvas').locator('canvas').first().waitFor();
  await opened.page.getByTestId('layer-gt').uncheck();
  await opened.page.getByTestId('opacity-heatmap').fill('1');
  return opened;
}

const at = (x: number, y: number) => (px: { width: number; height: number }) => fitPoint(px, W, H, x, y);

describe('model heatmaps drawn through their geometry', () => {
  it('longest-side-pad: only the content rows are drawn, stretched over the whole image', async () => {
    const { page, errors } = await openViewer(ids[0]!);
    // Image row 30 is map row 2 (0.5 -> jet index 128), not padding (0 -> jet index 0).
    await waitForPixel(page, 'viewer-canvas', 'geometry-pad', at(48, 30), (c) => near(c, jet(128), 2));
    const px = await elementPixels(page, 'viewer-canvas', 'geometry-pad');
    expect(near(px.at(...fitPoint(px, W, H, 48, 6)), jet(255), 2)).toBe(true);
    const [sx, sy] = fitPoint(px, W, H, 48.5, 30.5);
    await page.mouse.move(px.box.x + sx, px.box.y + sy);
    await expect.poll(() => page.getByTestId('inspector').textContent()).toMatch(/^x 48, y 30 · .*heat 0\.500 · token 20 \(r2 c4\)$/);
    // A run of heatmaps only has no prediction mask: no prediction or error layer, no "pred" in the inspector, no error.
    expect(await page.getByTestId('inspector').textContent()).not.toMatch(/pred/);
    expect(await page.getByTestId('layer-pred').isDisabled()).toBe(true);
    expect(await page.getByTestId('layer-diff').isDisabled()).toBe(true);
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shortest-side-center-crop: the map covers the centre crop only; no heat beside it', async () => {
    const { page, errors } = await openViewer(ids[1]!);
    await waitForPixel(page, 'viewer-canvas', 'geometry-crop', at(63, 24), (c) => near(c, jet(255), 2));
    const px = await elementPixels(page, 'viewer-canvas', 'geometry-crop');
    expect(near(px.at(...fitPoint(px, W, H, 33, 24)), jet(0), 2)).toBe(true);
    expect(px.at(...fitPoint(px, W, H, 10, 24))).toEqual(GREY);
    expect(px.at(...fitPoint(px, W, H, 86, 24))).toEqual(GREY);
    const [sx, sy] = fitPoint(px, W, H, 10.5, 24.5);
    await page.mouse.move(px.box.x + sx, px.box.y + sy);
    await expect.poll(() => page.getByTestId('inspector').textContent()).toMatch(/^x 10, y 24/);
    expect(await page.getByTestId('inspector').textContent()).not.toMatch(/heat|token/);
    expect(errors).toEqual([]);
    await page.close();
  });
});
