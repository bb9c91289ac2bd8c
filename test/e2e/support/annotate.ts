import { join } from 'node:path';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { decodeScreenshot } from '../../helpers/pixels';
import { ARTIFACTS } from './page';

/**
 * Where pixel (x, y) of a W x H image lands on the Annotate canvas at "fit": the fitted viewport of
 * the canvas's content box (1 px border), on screen and inside an element screenshot.
 */
export async function annotateMapper(page: Page, w: number, h: number) {
  const box = await page.getByTestId('annotate-canvas').boundingBox();
  if (box === null) throw new Error('no canvas box');
  const cw = box.width - 2; // 1 px border on each side
  const ch = box.height - 2;
  const scale = Math.min(cw / w, ch / h);
  const ox = (cw - w * scale) / 2;
  const oy = (ch - h * scale) / 2;
  return {
    scale,
    screen: (x: number, y: number) => ({ x: box.x + 1 + ox + x * scale, y: box.y + 1 + oy + y * scale }),
    /** Position of image point (x, y) inside an element screenshot of the canvas. */
    shot: (x: number, y: number) => ({ x: 1 + ox + x * scale, y: 1 + oy + y * scale }),
  };
}

/** The Annotate canvas's colour at image pixel (x, y) of a W x H image (the screenshot is kept as an artifact). */
export async function annotatePixel(
  page: Page,
  w: number,
  h: number,
  name: string,
  x: number,
  y: number,
): Promise<[number, number, number]> {
  const m = await annotateMapper(page, w, h);
  const px = await decodeScreenshot(await page.getByTestId('annotate-canvas').screenshot({ path: join(ARTIFACTS, `${name}.png`) }));
  const p = m.shot(x, y);
  return px.at(p.x, p.y);
}

/** Waits until autosave has stored the given revision and nothing is pending. */
export async function waitSaved(page: Page, revision: number): Promise<void> {
  const status = page.getByTestId('save-status');
  await expect
    .poll(async () => [await status.getAttribute('data-revision'), await status.getAttribute('data-pending')], { timeout: 15_000 })
    .toEqual([String(revision), '0']);
}

/** Opens Annotate on an image and waits for its canvas. */
export async function gotoAnnotate(page: Page, serverUrl: string, imageId: number): Promise<void> {
  await page.goto(`${serverUrl}#/annotate/${imageId}`);
  await page.getByTestId('annotate-canvas').locator('canvas').first().waitFor();
}
