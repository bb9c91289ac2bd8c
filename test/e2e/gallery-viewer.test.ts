import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { rectLabels, tempDir } from '../helpers/fixtures';
import { decodeScreenshot } from '../helpers/pixels';
import { ARTIFACTS } from './support/page';
import { importScenes } from './support/scene';
import { startUi, stopUi, type Ui } from './support/ui';

// The scene: grey images; the mask labels the left half class 1 (VOC colour 128,0,0) and the right half
// background. With the overlay on, the left half of the canvas turns red-ish; off, it is grey again.
const W = 80;
const H = 60;
let ui: Ui;
let cleanup: () => void;

beforeAll(async () => {
  const t = tempDir('tessera-e2e-');
  cleanup = t.cleanup;
  const half = rectLabels(W, H, { x: 0, y: 0, w: W / 2, h: H }, 1);
  const ws = await importScenes(t.dir, W, H, [half, half, half], 'scenes', (i) => `scene_${i}`);
  ui = await startUi(ws);
});

afterAll(() => stopUi(ui, cleanup));

async function canvasPixels(page: Page, name: string) {
  const canvas = page.getByTestId('viewer-canvas');
  const shot = await canvas.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  const box = await canvas.boundingBox();
  if (box === null) throw new Error('canvas has no box');
  return { px: await decodeScreenshot(shot), box };
}

describe('gallery and viewer in Chromium against tessera serve', () => {
  it('refuses the UI without the token', async () => {
    const page = await ui.browser.newPage();
    const res = await page.goto(new URL(ui.server.url).origin + '/');
    expect(res?.status()).toBe(401);
    await page.close();
  });

  it('answers an unknown file with 404 and sends a path typed without its # to that route, not to a blank page', async () => {
    const page = await ui.browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    const at = (path: string): string => {
      const u = new URL(ui.server.url);
      u.pathname = path;
      return u.toString();
    };
    const res = await page.goto(at('/some/unknown/path'));
    expect(res?.status()).toBe(200);
    await page.getByTestId('not-found').waitFor();
    expect(new URL(page.url()).hash).toBe('#/some/unknown/path');
    expect(await page.getByTestId('not-found').textContent()).toContain('There is no page at #/some/unknown/path');
    // A real route typed without its '#' opens it.
    await page.goto(at('/datasets/1'));
    await expect.poll(() => page.getByTestId('gallery-item').count(), { timeout: 15_000 }).toBe(3);
    expect(problems).toEqual([]);
    // A file that is not there: 404, not the page (whose scripts would then fail as HTML).
    const missing = await page.goto(at('/some/unknown/app.js'));
    expect(missing?.status()).toBe(404);
    expect((await page.locator('body').innerText()).trim()).toBe('not found');
    await page.close();
  });

  it('opens the gallery, opens the viewer and toggles the ground-truth overlay', async () => {
    const page = await ui.browser.newPage({ viewport: { width: 1200, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(ui.server.url);
    await page.getByRole('link', { name: 'scenes' }).click();
    const items = page.getByTestId('gallery-item');
    await expect.poll(() => items.count()).toBe(3);
    await page.screenshot({ path: join(ARTIFACTS, 'gallery.png') });

    await items.first().click();
    await page.getByTestId('viewer-canvas').locator('canvas').first().waitFor();
    // Wait until the mask bitmap is drawn: the left half turns from grey to the class colour.
    await expect
      .poll(
        async () => {
          const { px } = await canvasPixels(page, 'viewer-overlay-on');
          return px.at(px.width / 2 - 40, px.height / 2)[1];
        },
        { timeout: 15_000 },
      )
      .toBeLessThan(100);
    const on = await canvasPixels(page, 'viewer-overlay-on');
    const left = on.px.at(on.px.width / 2 - 40, on.px.height / 2);
    const right = on.px.at(on.px.width / 2 + 40, on.px.height / 2);
    // 60% of (128,0,0) over (128,128,128): (128, 51, 51); background stays grey.
    expect(left[0]).toBeGreaterThan(110);
    expect(left[1]).toBeLessThan(70);
    expect(right).toEqual([128, 128, 128]);

    await page.getByTestId('layer-gt').uncheck();
    await expect
      .poll(async () => {
        const { px } = await canvasPixels(page, 'viewer-overlay-off');
        return px.at(px.width / 2 - 40, px.height / 2);
      })
      .toEqual([128, 128, 128]);

    await page.getByTestId('layer-gt').check();
    await page.getByTestId('opacity-gt').fill('1');
    await expect
      .poll(async () => {
        const { px } = await canvasPixels(page, 'viewer-opacity-1');
        return px.at(px.width / 2 - 40, px.height / 2);
      })
      .toEqual([128, 0, 0]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('zooms to the cursor with the wheel and pans by dragging', async () => {
    const page = await ui.browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(ui.server.url);
    await page.getByRole('link', { name: 'scenes' }).click();
    await page.getByTestId('gallery-item').first().click();
    const canvas = page.getByTestId('viewer-canvas');
    await canvas.locator('canvas').first().waitFor();
    const box = await canvas.boundingBox();
    if (box === null) throw new Error('no canvas box');
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    // Hover the boundary between the red half and the grey half, read the inspector, zoom: the same
    // image pixel stays under the cursor.
    await page.mouse.move(cx, cy);
    const before = await page.getByTestId('inspector').textContent();
    await page.mouse.wheel(0, -400);
    await page.mouse.move(cx + 1, cy);
    await page.mouse.move(cx, cy);
    await expect.poll(() => page.getByTestId('inspector').textContent()).toBe(before);
    // Drag right by 200 px: the pixel under the cursor is now one further left in the image.
    await page.mouse.down();
    await page.mouse.move(cx + 100, cy, { steps: 5 });
    await page.mouse.move(cx + 200, cy, { steps: 5 });
    await page.mouse.up();
    await page.mouse.move(cx + 201, cy);
    await page.mouse.move(cx, cy);
    const after = await page.getByTestId('inspector').textContent();
    const xOf = (s: string | null): number => Number(/x (\d+)/.exec(s ?? '')?.[1]);
    expect(xOf(after)).toBeLessThan(xOf(before));
    await page.close();
  });
});
