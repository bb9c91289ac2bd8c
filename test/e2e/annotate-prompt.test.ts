import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { TOY_GENERATORS, toyFiles } from '../../tools/toy-models';
import { tessera } from '../helpers/cli';
import { tempDir, writeGreyMask } from '../helpers/fixtures';
import { writeSceneDataset } from '../helpers/scenes';
import { ARTIFACTS } from './support/page';
import { annotateMapper, annotatePixel } from './support/annotate';
import { readStore, regionVersions } from './support/store';
import { startUi, stopUi, type Ui } from './support/ui';

// The scene: black 160x120 with a red rectangle (not labelled: the ground truth is background there)
// and a blue one labelled class 3. The toy SAM grows a click over similar colour, so one click in the
// red rectangle proposes the rectangle; accepting it paints class 2 there, saved as a new version.
const W = 160;
const H = 120;
const RED = { x: 40, y: 30, w: 60, h: 45 };
const BLUE = { x: 115, y: 70, w: 30, h: 30 };
const CLASS = 2; // VOC colour (0, 128, 0)
let ui: Ui;
let cleanup: () => void;
let dbFile: string;
let imageId: number;

beforeAll(async () => {
  const t = tempDir('tessera-e2e-prompt-');
  cleanup = t.cleanup;
  const data = await writeSceneDataset(join(t.dir, 'scene'), [
    {
      name: 'scene',
      width: W,
      height: H,
      rects: [
        { ...RED, cls: 1 },
        { ...BLUE, cls: 3 },
      ],
    },
  ]);
  const gt = new Uint8Array(W * H);
  for (let y = BLUE.y; y < BLUE.y + BLUE.h; y++) for (let x = BLUE.x; x < BLUE.x + BLUE.w; x++) gt[y * W + x] = 3;
  writeGreyMask(join(data.masks, 'scene.png'), W, H, gt);
  const models = join(t.dir, 'models');
  mkdirSync(models);
  const sam = TOY_GENERATORS.find((g) => g.id === 'prompt-decoder');
  if (sam === undefined) throw new Error('no prompt-decoder toy');
  for (const [name, bytes] of Object.entries(toyFiles(sam.generate()))) writeFileSync(join(models, name), bytes);
  const ws = join(t.dir, 'ws');
  expect(tessera(['--workspace', ws, 'init']).code).toBe(0);
  expect(tessera(['--workspace', ws, 'import', 'folder', data.images, '--masks', data.masks, '--name', 'scene']).code).toBe(0);
  const added = tessera(['--workspace', ws, 'models', 'add', join(models, 'toy-colour-sam.manifest.json')]);
  expect(added.stderr).toBe('');
  expect(added.code).toBe(0);
  dbFile = join(ws, 'tessera.db');
  imageId = store((db) => (db.prepare("SELECT id FROM images WHERE file_name = 'scene.png'").get() as { id: number }).id);
  ui = await startUi(ws);
}, 180_000);

afterAll(() => stopUi(ui, cleanup));

const store = <T>(read: Parameters<typeof readStore<T>>[1]): T => readStore(dbFile, read);

/** The stored versions of the image's class-2 region, and the current one decoded to pixels. */
const classTwo = () => regionVersions(dbFile, imageId, CLASS);

const mapper = (page: Page) => annotateMapper(page, W, H);
const pixelAt = (page: Page, name: string, x: number, y: number) => annotatePixel(page, W, H, name, x, y);

const rectArea = RED.w * RED.h;
const nearRectArea = (area: number): boolean => Math.abs(area - rectArea) / rectArea < 0.03;

describe('the prompt tool in Chromium against tessera serve', () => {
  it('proposes the clicked rectangle with the toy SAM, shows it, and saves it as the active class on Enter', async () => {
    const page = await ui.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${ui.server.url}#/annotate/${imageId}`);
    await page.getByTestId('annotate-canvas').locator('canvas').first().waitFor();
    await expect.poll(async () => await pixelAt(page, 'prompt-open', 70, 50), { timeout: 15_000 }).toEqual([255, 0, 0]);
    const start = Number(await page.getByTestId('save-status').getAttribute('data-revision'));

    await page.keyboard.press('s');
    await page.keyboard.press(String(CLASS));
    expect(await page.getByTestId('annotate-canvas').getAttribute('data-tool-path')).toBe('prompt.idle');
    await page.getByTestId('prompt-model').waitFor();
    expect(await page.getByTestId('prompt-model').locator('option').allTextContents()).toEqual(['toy-colour-sam (TOY)']);
    expect(await page.getByTestId('prompt-panel').textContent()).toContain('TOY');

    // A positive click inside the red rectangle, then a negative one on the black background.
    const m = await mapper(page);
    const inside = m.screen(70, 50);
    await page.mouse.click(inside.x, inside.y);
    const outside = m.screen(15, 100);
    await page.keyboard.down('Shift');
    await page.mouse.click(outside.x, outside.y);
    await page.keyboard.up('Shift');
    await page.mouse.move(5, 5);
    const status = page.getByTestId('prompt-status');
    await expect.poll(async () => await status.getAttribute('data-state'), { timeout: 60_000 }).toBe('ready');
    expect(nearRectArea(Number(await status.getAttribute('data-area')))).toBe(true);
    expect(await page.getByTestId('prompt-accept').isEnabled()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'prompt-page.png') });
    // On screen: the green and red points, the proposal translucent in class 2's green over the red, nothing saved yet.
    const pos = await pixelAt(page, 'prompt-proposed', 70, 50);
    expect(pos[1]).toBeGreaterThan(150); // the green point (#2ecc40)
    const neg = await pixelAt(page, 'prompt-proposed', 15, 100);
    expect(neg[0]).toBeGreaterThan(200); // the red point (#ff4136)
    const proposed = await pixelAt(page, 'prompt-proposed', 90, 40);
    expect(proposed[1]).toBeGreaterThan(40);
    expect(proposed[0]).toBeLessThan(200);
    expect(await pixelAt(page, 'prompt-proposed', 130, 20)).toEqual([0, 0, 0]);
    expect(classTwo().versions).toEqual([]);

    await page.keyboard.press('Enter');
    await expect
      .poll(
        async () => [
          await page.getByTestId('save-status').getAttribute('data-revision'),
          await page.getByTestId('save-status').getAttribute('data-pending'),
        ],
        {
          timeout: 15_000,
        },
      )
      .toEqual([String(start + 1), '0']);
    expect(await page.getByTestId('annotate-canvas').getAttribute('data-tool-path')).toBe('prompt.idle');
    // The class the proposal went to flashes: over the canvas and on its button in the class list.
    expect(await page.getByTestId('commit-flash').getAttribute('data-class')).toBe(String(CLASS));
    expect(await page.getByTestId(`class-${CLASS}`).getByTestId('class-flash-ring').count()).toBe(1);

    // In the store: a new class-2 region (source edit) covering the rectangle, within 3% of its area.
    const saved = classTwo();
    expect(saved.versions.map((v) => v.source)).toEqual(['edit']);
    expect(nearRectArea(saved.versions[0]!.area)).toBe(true);
    const mask = saved.current!;
    let inRect = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const inner = x >= RED.x + 2 && x < RED.x + RED.w - 2 && y >= RED.y + 2 && y < RED.y + RED.h - 2;
        const outer = x >= RED.x - 2 && x < RED.x + RED.w + 2 && y >= RED.y - 2 && y < RED.y + RED.h + 2;
        if (inner) expect(mask[y * W + x], `pixel ${x},${y} should be class ${CLASS}`).toBe(1);
        if (!outer) expect(mask[y * W + x], `pixel ${x},${y} should not be class ${CLASS}`).toBe(0);
        if (mask[y * W + x] === 1) inRect++;
      }
    }
    expect(inRect).toBe(saved.versions[0]!.area);
    // The blue rectangle's class-3 region is untouched.
    const blue = store(
      (db) =>
        db
          .prepare(
            'SELECT a.current_version AS v FROM annotations a JOIN samples s ON s.id = a.sample_id WHERE s.image_id = ? AND a.class_idx = 3',
          )
          .get(imageId) as { v: number },
    );
    expect(blue.v).toBe(1);

    // On screen: the points and proposal are gone; the rectangle shows class 2's green at mask opacity.
    await expect
      .poll(async () => {
        const p = await pixelAt(page, 'prompt-accepted', 70, 50);
        return p[1] > 40 && p[1] < 130 && p[0] < 200;
      })
      .toBe(true);
    expect(await pixelAt(page, 'prompt-accepted', 15, 100)).toEqual([0, 0, 0]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
