import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { writeToys } from '../../tools/toy-models';
import { tessera } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { writeSceneDataset } from '../helpers/scenes';
import { TOY_SCENES } from './support/scene';
import { startUi, stopUi, type Ui } from './support/ui';
import { decodeScreenshot } from '../helpers/pixels';

let t: ReturnType<typeof tempDir>;
let ui: Ui;
let ws: string;

beforeAll(async () => {
  t = tempDir('tessera-e2e-run-');
  ws = join(t.dir, 'ws');
  const models = join(t.dir, 'models');
  mkdirSync(models);
  writeToys(models, ['semantic-seg']);
  const data = await writeSceneDataset(join(t.dir, 'scenes'), TOY_SCENES);
  for (const args of [
    ['init'],
    ['import', 'folder', data.images, '--masks', data.masks, '--name', 'scenes'],
    ['models', 'add', join(models, 'toy-colour-semantic.manifest.json')],
  ]) {
    expect(tessera(['--workspace', ws, ...args]).code).toBe(0);
  }
  ui = await startUi(ws);
});

afterAll(() => stopUi(ui, () => t?.cleanup()));

describe('running a model from the UI', () => {
  it('starts a run with progress, reports the provider, and the prediction shows in the viewer', async () => {
    const page = await ui.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${ui.server.url}#/models`);
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
