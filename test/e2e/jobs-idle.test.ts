import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tessera } from '../helpers/cli';
import { rectLabels, tempDir, writeGreyMask } from '../helpers/fixtures';
import { importScenes } from './support/scene';
import { startUi, stopUi, type Ui } from './support/ui';

// `tessera eval`, `compare` and reports start an evaluation per run each time; beside the app, a day
// of them filled the Jobs list with "Evaluate" rows that found every score current and buried the
// runs and imports (walkthrough AG, item 5). Those are hidden unless asked for.
const W = 40;
const H = 30;
let ui: Ui;
let cleanup: () => void;

beforeAll(async () => {
  const t = tempDir('tessera-e2e-jobs-');
  cleanup = t.cleanup;
  const gt = rectLabels(W, H, { x: 0, y: 0, w: W / 2, h: H }, 1);
  const ws = await importScenes(t.dir, W, H, [gt, gt]);
  const preds = join(t.dir, 'preds');
  mkdirSync(preds);
  for (const stem of ['scene_00', 'scene_01'])
    writeGreyMask(join(preds, `${stem}.png`), W, H, rectLabels(W, H, { x: 0, y: 0, w: 14, h: H }, 1));
  const cli = (args: string[]) => tessera(['--workspace', ws, ...args]);
  expect(cli(['import', 'predictions', preds, '--dataset', 'scenes', '--run', 'p', '--format', 'png']).code).toBe(0);
  for (let k = 0; k < 3; k++) expect(cli(['eval', '--dataset', 'scenes', '--run', 'p']).code).toBe(0);
  ui = await startUi(ws);
});

afterAll(() => stopUi(ui, cleanup));

describe('Jobs page', () => {
  it('hides evaluations that found every score current, and shows them when asked', async () => {
    const page = await ui.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${ui.server.url}#/jobs`);
    const titles = page.getByTestId('job-title');
    await expect.poll(() => titles.count()).toBeGreaterThan(0);
    const shown = await titles.allInnerTexts();
    expect(shown.some((t) => t.startsWith('Import'))).toBe(true);
    expect(shown.filter((t) => t.startsWith('Evaluate'))).toEqual([]);
    const toggle = page.getByTestId('jobs-show-idle');
    await expect.poll(async () => (await toggle.innerText()).trim()).toBe('show 3 evaluations that found every score current');
    await toggle.locator('input').check();
    await expect.poll(async () => (await titles.allInnerTexts()).filter((t) => t.startsWith('Evaluate')).length).toBe(3);
    await page.close();
  });
});
