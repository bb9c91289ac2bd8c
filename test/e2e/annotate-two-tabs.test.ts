import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { rectLabels, tempDir } from '../helpers/fixtures';
import { annotateMapper, gotoAnnotate, waitSaved } from './support/annotate';
import { importScenes } from './support/scene';
import { readStore, regionVersions } from './support/store';
import { startUi, stopUi, type Ui } from './support/ui';

// Two tabs on one image. Tab B paints while its network is down; tab A paints meanwhile and saves
// first. When B is back online its edit is refused (the map changed since B read it): it used to be
// dropped, with "All edits saved" shown. Now B applies it again on the fresh map and says so.
const W = 80;
const H = 60;
let ui: Ui;
let cleanup: () => void;
let dbFile: string;
let imageId: number;
let second: number;
let third: number;
let fourth: number;

beforeAll(async () => {
  const t = tempDir('tessera-e2e-two-tabs-');
  cleanup = t.cleanup;
  const half = rectLabels(W, H, { x: 0, y: 0, w: W / 2, h: H }, 1);
  const ws = await importScenes(t.dir, W, H, [half, half, half, half], 'scenes', (i) => `scene_${i}`);
  dbFile = join(ws, 'tessera.db');
  const idOf = (name: string): number =>
    readStore(dbFile, (db) => (db.prepare('SELECT id FROM images WHERE file_name = ?').get(name) as { id: number }).id);
  imageId = idOf('scene_0.png');
  second = idOf('scene_1.png');
  third = idOf('scene_2.png');
  fourth = idOf('scene_3.png');
  ui = await startUi(ws);
});

afterAll(() => stopUi(ui, cleanup));

/** A class-1 brush stroke along row y from x0 to x1 (image pixels). */
async function stroke(page: Page, y: number, x0: number, x1: number): Promise<void> {
  const m = await annotateMapper(page, W, H);
  const a = m.screen(x0, y);
  const b = m.screen(x1, y);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 6 });
  await page.mouse.up();
  await page.mouse.move(5, 5);
}

async function open(page: Page, id = imageId): Promise<void> {
  await gotoAnnotate(page, ui.server.url, id);
  await waitSaved(page, 0);
  await page.keyboard.press('b');
  await page.keyboard.press('1');
}

describe('two tabs editing one image', () => {
  it("keeps both tabs' strokes when one was made offline, and tells that tab", async () => {
    const contextA = await ui.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const contextB = await ui.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const a = await contextA.newPage();
    const b = await contextB.newPage();
    await open(a);
    await open(b);

    await contextB.setOffline(true);
    await stroke(b, 45, 50, 70);
    await expect.poll(async () => b.getByTestId('save-status').textContent(), { timeout: 15_000 }).toMatch(/not saved yet, retrying/);
    await stroke(a, 15, 50, 70);
    await waitSaved(a, 1);
    await contextB.setOffline(false);

    // B's edit is refused on revision 0, applied again on revision 1, and saved as revision 2.
    await expect
      .poll(
        async () => [
          await b.getByTestId('save-status').getAttribute('data-revision'),
          await b.getByTestId('save-status').getAttribute('data-pending'),
        ],
        {
          timeout: 30_000,
        },
      )
      .toEqual(['2', '0']);
    await expect(b.getByTestId('save-notice').textContent()).resolves.toBe(
      'Another window or tab changed this image first: your 1 edit was applied again on top of its change.',
    );
    const current = regionVersions(dbFile, imageId, 1).current!;
    const row = (y: number): number[] => Array.from(current.subarray(y * W + 52, y * W + 69));
    expect(row(15).every((v) => v === 1)).toBe(true); // tab A's stroke
    expect(row(45).every((v) => v === 1)).toBe(true); // tab B's stroke
    expect(current[30 * W + 60]).toBe(0); // between them: untouched

    // B's next stroke is an ordinary edit: the notice has been read.
    await stroke(b, 30, 50, 55);
    await waitSaved(b, 3);
    expect(await b.getByTestId('save-notice').count()).toBe(0);
    await contextA.close();
    await contextB.close();
  });

  it('keeps a stroke held while the other tab saves: it ends, is applied on top, and the tab says so (it was dropped)', async () => {
    const contextA = await ui.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const contextB = await ui.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const a = await contextA.newPage();
    const b = await contextB.newPage();
    await open(a, second);
    await open(b, second);
    const mb = await annotateMapper(b, W, H);
    const start = mb.screen(50, 45);
    const mid = mb.screen(60, 45);
    const end = mb.screen(70, 45);
    await b.mouse.move(start.x, start.y);
    await b.mouse.down();
    await b.mouse.move(mid.x, mid.y, { steps: 4 });
    await stroke(a, 15, 50, 70);
    await waitSaved(a, 1);
    // B hears of A's edit while its button is still down: its stroke goes on.
    await b.waitForTimeout(1500);
    expect(await b.locator('[data-tool-path]').getAttribute('data-tool-path')).toBe('brush.painting');
    await b.mouse.move(end.x, end.y, { steps: 4 });
    await b.mouse.up();
    await waitSaved(b, 2);
    await expect(b.getByTestId('save-notice').textContent()).resolves.toBe(
      'Another window or tab changed this image first: your 1 edit was applied again on top of its change.',
    );
    const current = regionVersions(dbFile, second, 1).current!;
    const row = (y: number): number[] => Array.from(current.subarray(y * W + 52, y * W + 69));
    expect(row(15).every((v) => v === 1)).toBe(true); // tab A's stroke
    expect(row(45).every((v) => v === 1)).toBe(true); // tab B's stroke, held across A's save
    // B's Ctrl+Z undoes B's own stroke (the one applied on top), not A's: it was refused as "another tab's".
    await b.keyboard.press('Control+z');
    await waitSaved(b, 3);
    expect(await b.getByTestId('save-notice').count()).toBe(0);
    const undone = regionVersions(dbFile, second, 1).current!;
    expect(Array.from(undone.subarray(45 * W + 52, 45 * W + 69)).every((v) => v === 0)).toBe(true);
    expect(Array.from(undone.subarray(15 * W + 52, 15 * W + 69)).every((v) => v === 1)).toBe(true);
    // And its redo brings back that stroke.
    await b.keyboard.press('Control+Shift+z');
    await waitSaved(b, 4);
    const redone = regionVersions(dbFile, second, 1).current!;
    expect(Array.from(redone.subarray(45 * W + 52, 45 * W + 69)).every((v) => v === 1)).toBe(true);
    expect(Array.from(redone.subarray(15 * W + 52, 15 * W + 69)).every((v) => v === 1)).toBe(true);
    await contextA.close();
    await contextB.close();
  });

  it("keeps an unfinished polygon's vertices while the other tab saves, and fills it on top when closed", async () => {
    const contextA = await ui.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const contextB = await ui.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const a = await contextA.newPage();
    const b = await contextB.newPage();
    await open(a, fourth);
    await open(b, fourth);
    await b.keyboard.press('p');
    const mb = await annotateMapper(b, W, H);
    for (const [x, y] of [
      [45, 35],
      [75, 35],
      [75, 55],
      [45, 55],
    ] as const) {
      const p = mb.screen(x, y);
      await b.mouse.click(p.x, p.y);
      await b.waitForTimeout(80);
    }
    const canvasB = b.locator('[data-tool-path]');
    expect(await canvasB.getAttribute('data-tool-path')).toBe('polygon.drawing');
    await stroke(a, 15, 50, 70);
    await waitSaved(a, 1);
    await b.waitForTimeout(1500); // B hears of A's edit meanwhile: its polygon stays
    expect(await canvasB.getAttribute('data-tool-path')).toBe('polygon.drawing');
    await b.keyboard.press('Enter');
    await waitSaved(b, 2);
    await expect(b.getByTestId('save-notice').textContent()).resolves.toBe(
      'Another window or tab changed this image first: your 1 edit was applied again on top of its change.',
    );
    const current = regionVersions(dbFile, fourth, 1).current!;
    expect(Array.from(current.subarray(15 * W + 52, 15 * W + 69)).every((v) => v === 1)).toBe(true); // A's stroke
    for (const y of [37, 45, 53]) expect(Array.from(current.subarray(y * W + 47, y * W + 74)).every((v) => v === 1)).toBe(true); // B's polygon
    expect(current[25 * W + 60]).toBe(0); // between them: untouched
    await contextA.close();
    await contextB.close();
  });

  it("never undoes the other tab's edit: Ctrl+Z after it says so and changes nothing", async () => {
    const contextA = await ui.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const contextB = await ui.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const a = await contextA.newPage();
    const b = await contextB.newPage();
    await open(a, third);
    await open(b, third);
    await stroke(a, 15, 50, 70);
    await waitSaved(a, 1);
    await waitSaved(b, 1); // B reloaded A's change
    await stroke(b, 45, 50, 70);
    await waitSaved(b, 2);
    await waitSaved(a, 2); // A reloaded B's change
    await a.keyboard.press('Control+z');
    await expect
      .poll(async () => a.getByTestId('save-notice').textContent())
      .toMatch(/^Another window or tab changed this image while it was open here/);
    await a.waitForTimeout(500);
    const current = regionVersions(dbFile, third, 1).current!;
    const row = (y: number): number[] => Array.from(current.subarray(y * W + 52, y * W + 69));
    expect(row(15).every((v) => v === 1)).toBe(true);
    expect(row(45).every((v) => v === 1)).toBe(true); // B's stroke stays
    expect(await a.getByTestId('save-status').getAttribute('data-revision')).toBe('2');
    // B undoes its own stroke: that works as before.
    await b.keyboard.press('Control+z');
    await waitSaved(b, 3);
    const after = regionVersions(dbFile, third, 1).current!;
    expect(Array.from(after.subarray(45 * W + 52, 45 * W + 69)).every((v) => v === 0)).toBe(true);
    expect(Array.from(after.subarray(15 * W + 52, 15 * W + 69)).every((v) => v === 1)).toBe(true);

    // A paints again (its own edit, on its stack); B paints after it while A is offline, so A's
    // Ctrl+Z goes out before A hears of B's edit: it is refused, said, and nothing is undone.
    await waitSaved(a, 3);
    await stroke(a, 30, 50, 70);
    await waitSaved(a, 4);
    await waitSaved(b, 4);
    await contextA.setOffline(true);
    await stroke(b, 45, 50, 70);
    await waitSaved(b, 5);
    await a.keyboard.press('Control+z');
    await expect.poll(async () => a.getByTestId('save-status').textContent(), { timeout: 15_000 }).toMatch(/not saved yet, retrying/);
    await contextA.setOffline(false);
    await expect
      .poll(async () => a.getByTestId('save-notice').textContent(), { timeout: 30_000 })
      .toBe(
        'Another window or tab changed this image first: your 1 undo or redo was not done, so as not to step its edit instead of yours; nothing was changed.',
      );
    await waitSaved(a, 5);
    const kept = regionVersions(dbFile, third, 1).current!;
    for (const y of [15, 30, 45]) expect(Array.from(kept.subarray(y * W + 52, y * W + 69)).every((v) => v === 1)).toBe(true);
    await contextA.close();
    await contextB.close();
  });
});
