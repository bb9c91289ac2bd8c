import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { tessera } from '../helpers/cli';
import { tempDir, writeGreyMask, writeSolidImage } from '../helpers/fixtures';
import { annotateMapper, annotatePixel, gotoAnnotate, waitSaved } from './support/annotate';
import { ARTIFACTS } from './support/page';
import { readStore, regionVersions } from './support/store';
import { startUi, stopUi, type Ui } from './support/ui';

// A walkthrough painted on an unlabelled dataset (no classes): the picker offered placeholder
// classes "class 1..9", the stroke was refused by the engine and vanished, and the status said "All
// edits saved · revision 0" while the refusal was written below the fold. Now painting is locked with
// a visible message that adds classes in place; once a class exists the stroke is saved. And the
// autosave status sits in the panel's foot, never drawn over the class list (a 12-class dataset at
// 1280x800 and 1440x900).
const W = 96;
const H = 64;
let ui: Ui;
let cleanup: () => void;
let dbFile: string;
const ids = { plain: 0, many: 0 };

function cli(ws: string, args: string[]): void {
  const r = tessera(['--workspace', ws, ...args]);
  if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
}

beforeAll(async () => {
  const t = tempDir('tessera-e2e-noclasses-');
  cleanup = t.cleanup;
  const ws = join(t.dir, 'ws');
  for (const d of ['plain', 'many', 'many-masks']) mkdirSync(join(t.dir, d));
  for (const i of [0, 1]) await writeSolidImage(join(t.dir, 'plain', `photo_${i}.png`), W, H, [128, 128, 128]);
  // Twelve horizontal bands of classes 1..12: the folder import names them "class 1".."class 12".
  await writeSolidImage(join(t.dir, 'many', 'bands.png'), W, H, [128, 128, 128]);
  const bands = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) bands[y * W + x] = 1 + Math.floor((y * 12) / H);
  writeGreyMask(join(t.dir, 'many-masks', 'bands.png'), W, H, bands);
  cli(ws, ['init']);
  cli(ws, ['import', 'folder', join(t.dir, 'plain'), '--name', 'plain']);
  cli(ws, ['import', 'folder', join(t.dir, 'many'), '--masks', join(t.dir, 'many-masks'), '--name', 'many']);
  dbFile = join(ws, 'tessera.db');
  readStore(dbFile, (db) => {
    const id = (name: string): number =>
      (
        db
          .prepare('SELECT i.id FROM images i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = ? ORDER BY i.file_name LIMIT 1')
          .get(name) as { id: number }
      ).id;
    ids.plain = id('plain');
    ids.many = id('many');
  });
  ui = await startUi(ws);
});

afterAll(() => stopUi(ui, cleanup));

const inWindow = (box: { x: number; y: number; width: number; height: number }, vw: number, vh: number): boolean =>
  box.x >= 0 && box.y >= 0 && box.x + box.width <= vw && box.y + box.height <= vh;

async function stroke(page: Page, y: number): Promise<void> {
  const m = await annotateMapper(page, W, H);
  const a = m.screen(10, y);
  const b = m.screen(80, y);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 8 });
  await page.mouse.up();
}

describe('Annotate on a dataset without classes', () => {
  it('locks painting with a message in view, adds a class in place, and then saves the stroke', async () => {
    const page = await ui.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await gotoAnnotate(page, ui.server.url, ids.plain);
    const banner = page.getByTestId('no-classes');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/This dataset has no classes yet, so painting is off/);
    expect(inWindow((await banner.boundingBox())!, 1280, 800)).toBe(true);
    // No placeholder classes, every tool off, the canvas says it is locked.
    expect(await page.getByTestId('class-list').count()).toBe(0);
    expect(await page.getByTestId('no-classes-hint').textContent()).toMatch(/No classes to paint with yet/);
    for (const tool of ['brush', 'eraser', 'polygon', 'fill', 'prompt', 'copy'])
      expect(await page.getByTestId(`tool-${tool}`).isDisabled()).toBe(true);
    expect(await page.getByTestId('annotate-canvas').getAttribute('data-locked')).toBe('true');

    // A stroke changes nothing on screen and sends nothing: nothing is drawn that would then vanish.
    const before = await annotatePixel(page, W, H, 'noclasses-before', 48, 20);
    await page.keyboard.press('b');
    await page.keyboard.press('1');
    await stroke(page, 20);
    await page.waitForTimeout(500);
    expect(await annotatePixel(page, W, H, 'noclasses-after-stroke', 48, 20)).toEqual(before);
    const status = page.getByTestId('save-status');
    expect([await status.getAttribute('data-revision'), await status.getAttribute('data-pending')]).toEqual(['0', '0']);
    expect(regionVersions(dbFile, ids.plain, 1).versions).toEqual([]);
    expect(regionVersions(dbFile, ids.plain, 255).versions).toEqual([]);

    // Add a class in place: background comes first (0), "cell" is 1; painting unlocks.
    await page.getByTestId('no-classes-name').fill('cell');
    await page.getByTestId('no-classes-add').click();
    await expect.poll(() => banner.count(), { timeout: 15_000 }).toBe(0);
    const names = await page.getByTestId('class-list').locator('button').allTextContents();
    expect(names.map((n) => n.replace(/\s+/g, ' ').trim())).toEqual(['background', '1 cell', 'ignore']);
    expect(await page.getByTestId('tool-brush').isEnabled()).toBe(true);
    await page.getByTestId('class-1').click();
    await stroke(page, 32);
    await waitSaved(page, 1);
    expect(await status.textContent()).toBe('All edits saved · revision 1');
    const cell = regionVersions(dbFile, ids.plain, 1);
    expect(cell.versions).toHaveLength(1);
    expect(cell.current?.[32 * W + 48]).toBe(1);
    const px = await annotatePixel(page, W, H, 'noclasses-painted', 48, 32);
    expect(px[0]).toBeGreaterThan(px[1] + 40); // VOC class 1 (128, 0, 0) over grey
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe("Annotate's autosave status", () => {
  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 1440, height: 900 },
  ]) {
    it(`is in view at ${viewport.width}x${viewport.height} and never drawn over the 12-class list`, async () => {
      const page = await ui.browser.newPage({ viewport });
      await gotoAnnotate(page, ui.server.url, ids.many);
      await waitSaved(page, 0);
      expect(await page.getByTestId('class-list').locator('button').count()).toBe(14);
      const status = page.getByTestId('save-status');
      const box = (await status.boundingBox())!;
      expect(inWindow(box, viewport.width, viewport.height)).toBe(true);
      // Whatever the class list's scroll (top, bottom), the status is what is drawn at its own centre,
      // and no visible part of a class button lies under it.
      for (const end of ['top', 'bottom'] as const) {
        await page.getByTestId('class-list').evaluate((el, e) => el.scrollTo(0, e === 'top' ? 0 : el.scrollHeight), end);
        await page.getByTestId('annotate-panel-scroll').evaluate((el, e) => el.scrollTo(0, e === 'top' ? 0 : el.scrollHeight), end);
        const hit = await status.evaluate((el) => {
          const r = el.getBoundingClientRect();
          const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
          return top !== null && el.contains(top);
        });
        expect({ end, statusOnTop: hit }).toEqual({ end, statusOnTop: true });
        const overlaps = await page.evaluate(() => {
          const s = document.querySelector('[data-testid="save-status"]')!.getBoundingClientRect();
          const clip = [
            document.querySelector('[data-testid="class-list"]')!,
            document.querySelector('[data-testid="annotate-panel-scroll"]')!,
          ].map((e) => e.getBoundingClientRect());
          return [...document.querySelectorAll('[data-testid="class-list"] button')]
            .map((b) => {
              const r = b.getBoundingClientRect();
              const top = Math.max(r.top, ...clip.map((c) => c.top));
              const bottom = Math.min(r.bottom, ...clip.map((c) => c.bottom));
              return { name: (b.textContent ?? '').trim(), top, bottom };
            })
            .filter((v) => v.bottom > v.top && v.bottom > s.top && v.top < s.bottom)
            .map((v) => v.name);
        });
        expect({ end, overlaps }).toEqual({ end, overlaps: [] });
      }
      await page.screenshot({ path: join(ARTIFACTS, `annotate-status-${viewport.width}x${viewport.height}.png`) });
      await page.close();
    });
  }
});
