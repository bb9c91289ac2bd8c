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

beforeAll(async () => {
  const t = tempDir('tessera-e2e-two-tabs-');
  cleanup = t.cleanup;
  const half = rectLabels(W, H, { x: 0, y: 0, w: W / 2, h: H }, 1);
  const ws = await importScenes(t.dir, W, H, [half], 'scenes', (i) => `scene_${i}`);
  dbFile = join(ws, 'tessera.db');
  imageId = readStore(dbFile, (db) => (db.prepare("SELECT id FROM images WHERE file_name = 'scene_0.png'").get() as { id: number }).id);
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

async function open(page: Page): Promise<void> {
  await gotoAnnotate(page, ui.server.url, imageId);
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
});
