import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tessera } from '../helpers/cli';
import { rectLabels, tempDir } from '../helpers/fixtures';
import { engineInternals } from '../../src/main/engine/internals';
import { importScenes } from './support/scene';
import { createRun, imageIdsByName, savePrediction, withEngine } from './support/seed';
import { startUi, stopUi, type Ui } from './support/ui';

// The viewer's picks (run, layers, opacity) carried over from one image to the next, but a reload put
// them back to the defaults and showed the newest run (walkthrough AG, item 7). They are remembered
// per dataset now.
const W = 64;
const H = 48;
let ui: Ui;
let cleanup: () => void;
let imageId = 0;
let otherImageId = 0;
let runs: { a: number; b: number };

beforeAll(async () => {
  const t = tempDir('tessera-e2e-memory-');
  cleanup = t.cleanup;
  const half = rectLabels(W, H, { x: 0, y: 0, w: W / 2, h: H }, 1);
  const ws = await importScenes(t.dir, W, H, [half, half], 'scenes', (i) => `scene_${i}`);
  await withEngine(ws, (engine) => {
    const datasetId = engineInternals(engine).repos.datasets.list()[0]!.id;
    imageId = imageIdsByName(engine, datasetId).get('scene_0.png')!;
    runs = { a: createRun(engine, datasetId, 'a'), b: createRun(engine, datasetId, 'b') };
    for (const run of [runs.a, runs.b]) savePrediction(engine, run, imageId, half, W, H);
  });
  expect(
    tessera(['--workspace', ws, 'import', 'folder', join(t.dir, 'images'), '--masks', join(t.dir, 'masks'), '--name', 'other']).code,
  ).toBe(0);
  await withEngine(ws, (engine) => {
    const other = engineInternals(engine)
      .repos.datasets.list()
      .find((d) => d.name === 'other')!.id;
    otherImageId = imageIdsByName(engine, other).get('scene_0.png')!;
  });
  ui = await startUi(ws);
});

afterAll(() => stopUi(ui, cleanup));

describe('the viewer across a reload', () => {
  it('shows the run, layers and opacity picked before the reload; an unreadable memory is ignored', async () => {
    const page = await ui.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${ui.server.url}#/images/${imageId}`);
    const run = page.getByTestId('run-select');
    await expect.poll(() => run.inputValue()).toBe(String(runs.b)); // the newest by default
    await run.selectOption(String(runs.a));
    await page.getByTestId('layer-gt').uncheck();
    await page.getByTestId('opacity-pred').fill('0.3');

    await page.reload();
    await expect.poll(() => page.getByTestId('run-select').inputValue()).toBe(String(runs.a));
    expect(await page.getByTestId('layer-gt').isChecked()).toBe(false);
    expect(await page.getByTestId('opacity-pred').inputValue()).toBe('0.3');

    // A value this version cannot read (another version's, a hand edit) is dropped: the defaults show.
    await page.evaluate(() => {
      for (const k of Object.keys(window.localStorage))
        if (k.startsWith('tessera.viewer.')) window.localStorage.setItem(k, '{"runChoice":"x"}');
    });
    await page.reload();
    await expect.poll(() => page.getByTestId('run-select').inputValue()).toBe(String(runs.b));
    expect(await page.getByTestId('layer-gt').isChecked()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('after a click on a slider, its arrows move it and the letter shortcuts still reach the page', async () => {
    const page = await ui.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${ui.server.url}#/images/${imageId}`);
    const opacity = page.getByTestId('opacity-gt');
    await opacity.fill('0.5');
    await opacity.focus();
    await page.keyboard.press('ArrowRight');
    expect(await opacity.inputValue()).toBe('0.55');
    expect(page.url()).toContain(`#/images/${imageId}`);
    await page.keyboard.press('g'); // the ground-truth layer off
    await expect.poll(() => page.getByTestId('layer-gt').isChecked()).toBe(false);
    await page.keyboard.press('j'); // the next image
    await expect.poll(() => page.url()).not.toContain(`#/images/${imageId}`);
    await page.close();
  });

  it('another dataset shows the picks carried over, but keeps them only once they are changed there', async () => {
    const page = await ui.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${ui.server.url}#/images/${imageId}`);
    await page.getByTestId('layer-image').uncheck();
    await page.evaluate((id) => {
      window.location.hash = `#/images/${id}`;
    }, otherImageId);
    await expect.poll(() => page.url()).toContain(`#/images/${otherImageId}`);
    await expect.poll(() => page.getByTestId('layer-image').isChecked()).toBe(false); // carried over, as before
    const keys = (): Promise<string[]> =>
      page.evaluate(() => Object.keys(window.localStorage).filter((k) => k.startsWith('tessera.viewer.')));
    expect(await keys()).toHaveLength(1); // only the first dataset's
    await page.reload();
    await expect.poll(() => page.getByTestId('layer-image').isChecked()).toBe(true); // nothing kept for this one
    await page.getByTestId('layer-gt').uncheck();
    await page.reload();
    await expect.poll(() => page.getByTestId('layer-gt').isChecked()).toBe(false);
    expect(await keys()).toHaveLength(2);
    await page.close();
  });
});
