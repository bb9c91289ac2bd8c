import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { writeToys } from '../../tools/toy-models';
import { launchChromium } from '../helpers/browser';
import { startServe, tessera } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { writeSceneDataset } from '../helpers/scenes';
import { decodeScreenshot } from '../helpers/pixels';

let t: ReturnType<typeof tempDir>;
let browser: Browser;
let server: { url: string; stop(): Promise<void> };
let ws: string;

beforeAll(async () => {
  t = tempDir('tessera-e2e-run-');
  ws = join(t.dir, 'ws');
  const models = join(t.dir, 'models');
  mkdirSync(models);
  writeToys(models, ['semantic-seg']);
  const data = await writeSceneDataset(join(t.dir, 'scenes'), [
    {
      name: 's0',
      width: 64,
      height: 64,
      rects: [
        { x: 0, y: 0, w: 32, h: 64, cls: 1 },
        { x: 40, y: 8, w: 16, h: 16, cls: 2 },
        { x: 40, y: 40, w: 16, h: 16, cls: 3 },
      ],
    },
    { name: 's1', width: 64, height: 64, rects: [{ x: 8, y: 8, w: 48, h: 48, cls: 3 }] },
  ]);
  for (const args of [
    ['init'],
    ['import', 'folder', data.images, '--masks', data.masks, '--name', 'scenes'],
    ['models', 'add', join(models, 'toy-colour-semantic.manifest.json')],
  ]) {
    expect(tessera(['--workspace', ws, ...args]).code).toBe(0);
  }
  server = await startServe(ws);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  t?.cleanup();
});

describe('running a model from the UI', () => {
  it('starts a run with progress, reports the provider, and the prediction shows in the viewer', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}#/models`);
    await expect.poll(() => page.getByTestId('model-row').count()).toBe(1);
    await expect(page.getByTestId('model-row').first().textContent()).resolves.toMatch(/toy/i);
    await page.getByTestId('run-model-select').selectOption({ label: 'toy-colour-semantic (semantic-seg) TOY' });
    await page.getByTestId('run-dataset-select').selectOption({ index: 1 });
    await page.getByTestId('run-name').fill('from-ui');
    await page.getByTestId('run-device').selectOption('cpu');
    await page.getByTestId('run-start').click();
    await page.getByTestId('run-result').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('run-result').getAttribute('data-status')).toBe('succeeded');
    await expect.poll(() => page.getByTestId('run-provider').textContent()).toBe('cpu');

    const db = new Database(join(ws, 'tessera.db'), { readonly: true });
    const run = db
      .prepare(
        "SELECT status, execution_provider, (SELECT COUNT(DISTINCT sample_id) FROM predictions p WHERE p.run_id = runs.id) AS n FROM runs WHERE name = 'from-ui'",
      )
      .get();
    db.close();
    expect(run).toEqual({ status: 'complete', execution_provider: 'cpu', n: 2 });

    // The viewer shows the run's prediction: the left half of s0 is class 1 (VOC colour 128,0,0).
    await page.getByRole('link', { name: 'open the dataset' }).click();
    await page.getByTestId('gallery-item').first().click();
    await page.getByTestId('viewer-canvas').locator('canvas').first().waitFor();
    await page.getByTestId('layer-gt').uncheck();
    const pred = page.getByTestId('layer-pred');
    if ((await pred.count()) > 0) await pred.check();
    await page
      .getByTestId('opacity-pred')
      .fill('1')
      .catch(() => undefined);
    await expect
      .poll(
        async () => {
          const canvas = page.getByTestId('viewer-canvas');
          const px = await decodeScreenshot(
            await canvas.screenshot({ path: join(process.cwd(), 'test-results', 'e2e', 'run-from-ui.png') }),
          );
          const [r, g, b] = px.at(px.width / 2 - 60, px.height / 2);
          return r > 100 && g < 60 && b < 60;
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    await page.close();
  });
});
