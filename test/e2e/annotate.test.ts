import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { rectLabels, tempDir } from '../helpers/fixtures';
import { annotateMapper, annotatePixel, gotoAnnotate, waitSaved } from './support/annotate';
import { ARTIFACTS } from './support/page';
import { importScenes } from './support/scene';
import { readStore, regionVersions } from './support/store';
import { startUi, stopUi, type Ui } from './support/ui';

// The scene: grey 80x60 images whose mask labels the left half class 1 (VOC colour 128,0,0). The test
// paints class 1 on the right half with the brush and follows that stroke into the workspace's
// tessera.db, through undo and redo, and across a page reload.
const W = 80;
const H = 60;
const RADIUS = 4;
const STROKE = { from: { x: 50, y: 30 }, to: { x: 70, y: 30 } };
let ui: Ui;
let cleanup: () => void;
let dbFile: string;
let imageId: number;

beforeAll(async () => {
  const t = tempDir('tessera-e2e-annotate-');
  cleanup = t.cleanup;
  const half = rectLabels(W, H, { x: 0, y: 0, w: W / 2, h: H }, 1);
  const ws = await importScenes(t.dir, W, H, [half, half], 'scenes', (i) => `scene_${i}`);
  dbFile = join(ws, 'tessera.db');
  imageId = store((db) => (db.prepare("SELECT id FROM images WHERE file_name = 'scene_0.png'").get() as { id: number }).id);
  ui = await startUi(ws);
});

afterAll(() => stopUi(ui, cleanup));

const store = <T>(read: Parameters<typeof readStore<T>>[1]): T => readStore(dbFile, read);

/** The stored class-1 versions of scene_0, and the current one decoded to pixels. */
function classOne(): { versions: Array<{ version: number; source: string; area: number }>; current: Uint8Array } {
  const { versions, current } = regionVersions(dbFile, imageId, 1);
  if (current === null) throw new Error('no current class-1 version');
  return { versions, current };
}

/** Distance from a pixel centre to the stroke's segment, computed here, not by the app. */
function toStroke(x: number, y: number): number {
  const px = x + 0.5;
  const t = Math.max(0, Math.min(1, (px - STROKE.from.x) / (STROKE.to.x - STROKE.from.x)));
  return Math.hypot(px - (STROKE.from.x + t * (STROKE.to.x - STROKE.from.x)), y + 0.5 - STROKE.from.y);
}

const mapper = (page: Page) => annotateMapper(page, W, H);
const pixelAt = (page: Page, name: string, x: number, y: number) => annotatePixel(page, W, H, name, x, y);

async function openAnnotate(page: Page): Promise<void> {
  await gotoAnnotate(page, ui.server.url, imageId);
  // The image and mask are drawn: the left half shows the class colour over grey.
  await expect.poll(async () => (await pixelAt(page, 'annotate-open', 20, 30))[1], { timeout: 15_000 }).toBeLessThan(100);
}

const RED_ISH = (p: [number, number, number]): boolean => p[0] > 110 && p[1] < 70 && p[2] < 70;

describe('annotate in Chromium against tessera serve', () => {
  it('paints with the brush, saves the stroke as a new version, undoes, redoes and keeps it across a reload', async () => {
    const page = await ui.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await openAnnotate(page);
    await waitSaved(page, 0);
    expect(RED_ISH(await pixelAt(page, 'annotate-before', 60, 30))).toBe(false);

    await page.keyboard.press('b');
    await page.keyboard.press('1');
    expect(await page.getByTestId('brush-size').inputValue()).toBe(String(RADIUS));
    const m = await mapper(page);
    const a = m.screen(STROKE.from.x, STROKE.from.y);
    const b = m.screen(STROKE.to.x, STROKE.to.y);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move((a.x + b.x) / 2, a.y, { steps: 4 });
    await page.mouse.move(b.x, b.y, { steps: 4 });
    await page.mouse.up();
    await page.mouse.move(5, 5); // the brush ring leaves the canvas
    await waitSaved(page, 1);

    // In the store: class 1 has a new version (source edit) holding the stroke; version 1 is kept.
    const after = classOne();
    expect(after.versions.map((v) => [v.version, v.source])).toEqual([
      [1, 'import'],
      [2, 'edit'],
    ]);
    expect(after.versions[0]?.area).toBe((W / 2) * H);
    let strokePixels = 0;
    for (let y = 0; y < H; y++) {
      for (let x = W / 2; x < W; x++) {
        const set = after.current[y * W + x] === 1;
        const d = toStroke(x, y);
        // Within half a screen pixel of mouse rounding: every pixel near the path is set, none far from it.
        if (d <= RADIUS - 0.75) expect(set, `pixel ${x},${y} should be painted`).toBe(true);
        if (d > RADIUS + 0.75) expect(set, `pixel ${x},${y} should not be painted`).toBe(false);
        if (set) strokePixels++;
      }
    }
    expect(after.versions[1]?.area).toBe((W / 2) * H + strokePixels);
    expect(after.current.subarray(0, W / 2).every((v) => v === 1)).toBe(true); // the left half is untouched
    expect(RED_ISH(await pixelAt(page, 'annotate-painted', 60, 30))).toBe(true);
    expect(await pixelAt(page, 'annotate-painted', 60, 10)).toEqual([128, 128, 128]);

    await page.keyboard.press('Control+z');
    await waitSaved(page, 2);
    expect(classOne().versions.at(-1)).toEqual({ version: 3, source: 'edit', area: (W / 2) * H });
    expect(await pixelAt(page, 'annotate-undone', 60, 30)).toEqual([128, 128, 128]);

    await page.keyboard.press('Control+Shift+z');
    await waitSaved(page, 3);
    expect(classOne().versions.at(-1)).toEqual({ version: 4, source: 'edit', area: (W / 2) * H + strokePixels });
    expect(RED_ISH(await pixelAt(page, 'annotate-redone', 60, 30))).toBe(true);

    // Reload: the autosaved stroke is there, and undo still works from the workspace's history.
    await page.reload();
    await openAnnotate(page);
    await waitSaved(page, 3);
    expect(RED_ISH(await pixelAt(page, 'annotate-reloaded', 60, 30))).toBe(true);
    await page.keyboard.press('Control+z');
    await waitSaved(page, 4);
    await expect.poll(async () => await pixelAt(page, 'annotate-reloaded-undone', 60, 30)).toEqual([128, 128, 128]);
    expect(
      classOne()
        .current.subarray(W / 2, W)
        .every((v) => v === 0),
    ).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('saves a stroke still in progress when the window is hidden', async () => {
    const context = await ui.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await openAnnotate(page);
    const start = Number(await page.getByTestId('save-status').getAttribute('data-revision'));
    const versionsBefore = classOne().versions.length;
    await page.keyboard.press('b');
    await page.keyboard.press('1');
    const m = await mapper(page);
    const a = m.screen(60, 50);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move(a.x + 40, a.y, { steps: 3 });
    // The pointer is still down: nothing is saved yet.
    expect(classOne().versions.length).toBe(versionsBefore);
    // Headless Chromium never hides a page, so play the browser's part: the page turns hidden (tab
    // switch, minimised or closing window) and says so, with the pointer still down.
    // (A string: this file is type-checked without the DOM library.)
    await page.evaluate(`Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));`);
    await expect.poll(() => classOne().versions.length, { timeout: 15_000 }).toBe(versionsBefore + 1);
    expect(classOne().current[50 * W + 60]).toBe(1);
    await page.mouse.up();
    await waitSaved(page, start + 1);
    await context.close();
  });

  it('fills an area, lists the shortcuts, and sets review state and tags in the store', async () => {
    const page = await ui.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await openAnnotate(page);
    const start = Number(await page.getByTestId('save-status').getAttribute('data-revision'));
    await page.keyboard.press('?');
    await expect.poll(() => page.getByTestId('help-overlay').textContent()).toContain('Brush');
    await page.screenshot({ path: join(ARTIFACTS, 'annotate-help.png') });
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('help-overlay').count()).toBe(0);

    // Fill the right half (background) with class 1: the whole image becomes class 1.
    await page.keyboard.press('f');
    await page.keyboard.press('1');
    const m = await mapper(page);
    const p = m.screen(70.5, 50.5);
    await page.mouse.click(p.x, p.y);
    await page.mouse.move(5, 5);
    await waitSaved(page, start + 1);
    expect(classOne().current.every((v) => v === 1)).toBe(true);
    expect(RED_ISH(await pixelAt(page, 'annotate-filled', 70, 10))).toBe(true);

    await page.getByTestId('review-reviewed').click();
    await page.getByTestId('tag-input').fill('corrected');
    await page.getByTestId('tag-input').press('Enter');
    await expect.poll(() => page.getByTestId('tags').textContent()).toContain('corrected');
    const stored = store((db) => ({
      review: (db.prepare('SELECT review_state FROM images WHERE id = ?').get(imageId) as { review_state: string }).review_state,
      tags: (
        db.prepare('SELECT t.name FROM image_tags it JOIN tags t ON t.id = it.tag_id WHERE it.image_id = ?').all(imageId) as Array<{
          name: string;
        }>
      ).map((r) => r.name),
    }));
    expect(stored).toEqual({ review: 'reviewed', tags: ['corrected'] });
    await page.close();
  });
});
