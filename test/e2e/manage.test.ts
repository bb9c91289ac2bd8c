import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { writeToys } from '../../tools/toy-models';
import { launchChromium } from '../helpers/browser';
import { REPO, startServe } from '../helpers/cli';
import { finishJob, openTestEngine } from '../helpers/engine';
import { tempDir } from '../helpers/fixtures';
import { writeSceneDataset } from '../helpers/scenes';
import { ARTIFACTS, openPage } from './support/page';
import { engineInternals } from '../../src/main/engine/internals';

// Two small scenes imported from a folder (placeholder class names "class 1".."class 3") and one run
// of the semantic toy model over them: enough for the Jobs page, the class panel and both deletes.
let browser: Browser;
let server: { url: string; stop(): Promise<void> };
let cleanup: () => void;
let ws = '';
let datasetId = 0;
let imageId = 0;
let predictions = 0;
let runId = 0;
let modelId = 0;

const thumbnailFiles = (): string[] => {
  const root = join(ws, 'cache', 'thumbs');
  return existsSync(root) ? readdirSync(root).flatMap((d) => readdirSync(join(root, d))) : [];
};
const withDb = <T>(f: (db: Database.Database) => T): T => {
  const db = new Database(join(ws, 'tessera.db'), { readonly: true });
  try {
    return f(db);
  } finally {
    db.close();
  }
};

beforeAll(async () => {
  const t = tempDir('tessera-e2e-manage-');
  cleanup = t.cleanup;
  ws = join(t.dir, 'ws');
  const toys = writeToys(join(t.dir, 'models'), ['semantic-seg']);
  const data = await writeSceneDataset(join(t.dir, 'scenes'), [
    {
      name: 'a',
      width: 48,
      height: 32,
      rects: [
        { x: 2, y: 2, w: 16, h: 12, cls: 1 },
        { x: 24, y: 4, w: 12, h: 12, cls: 2 },
        { x: 6, y: 18, w: 10, h: 10, cls: 3 },
      ],
    },
    { name: 'b', width: 48, height: 32, rects: [{ x: 10, y: 10, w: 20, h: 12, cls: 1 }] },
  ]);
  const { engine, client } = openTestEngine(ws);
  const model = await client.call('models.add', { manifestPath: toys['semantic-seg'] as string });
  const imp = await finishJob(client, () =>
    client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'scenes' }),
  );
  datasetId = Number(imp.result?.['datasetId']);
  const run = await finishJob(client, () => client.call('runs.start', { modelId: model.id, datasetId, device: 'cpu' }));
  expect(run.status).toBe('succeeded');
  runId = Number(run.result?.['runId']);
  modelId = model.id;
  imageId = (await client.call('images.page', { datasetId })).items[0]!.id;
  predictions = (engineInternals(engine).db.prepare('SELECT COUNT(*) AS n FROM predictions').get() as { n: number }).n;
  await engine.close();
  server = await startServe(ws);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  cleanup?.();
});

describe('managing what accumulates, in Chromium against tessera serve', () => {
  it('Jobs page names each job, marks the toy run and links to its result', async () => {
    const { page, errors } = await openPage(browser, server.url, '#/jobs');
    const titles = page.getByTestId('job-title');
    await expect.poll(() => titles.allTextContents()).toHaveLength(2);
    const texts = await titles.allTextContents();
    expect(texts[0]).toMatch(/^Run toy-colour-semantic on scenes as toy-colour-semantic TOYtoy-colour-semantic [0-9a-f]{12}$/);
    expect(texts[1]).toBe('Import folder dataset scenes');
    const runRow = page.locator('[data-testid="job-row"]').first();
    expect(await runRow.getByTestId('job-result').getAttribute('href')).toBe(`#/datasets/${datasetId}`);
    expect(await runRow.getByTestId('job-result').textContent()).toBe('open toy-colour-semantic');
    expect(await runRow.getByTestId('job-time').textContent()).toMatch(/^\d+ s$/);
    await page.screenshot({ path: join(ARTIFACTS, 'manage-jobs.png') });

    // The same run on the Benchmarks page: TOY, with the model's name beside its hash.
    await page.goto(`${server.url}#/benchmarks/${datasetId}`);
    const benchRow = page.locator('[data-testid="bench-run-row"][data-run="toy-colour-semantic"]');
    await expect.poll(() => benchRow.count(), { timeout: 20_000 }).toBe(1);
    expect(await benchRow.getByTestId('bench-toy').textContent()).toBe('TOY');
    expect(await benchRow.getByTestId('bench-run-origin').textContent()).toMatch(/^toy-colour-semantic [0-9a-f]{12}$/);
    // Its scores shown: the run is scored (its metric rows written) before the page is left, as a later test counts them.
    await expect.poll(() => benchRow.locator('td[data-metric="miou"]').textContent(), { timeout: 20_000 }).toMatch(/^\d+\.\d\d$/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('renames and recolours a class on the dataset page; the viewer legend shows it', async () => {
    const { page, errors } = await openPage(browser, server.url, '#/');
    await page.locator('[data-testid="dataset-row"][data-dataset="scenes"]').getByTestId('dataset-manage').click();
    const row1 = page.locator('[data-testid="class-row"][data-index="1"]');
    await expect.poll(() => row1.getByTestId('class-name').inputValue()).toBe('class 1');
    await row1.getByTestId('class-name').fill('car');
    await row1.getByTestId('class-name').press('Enter');
    await expect
      .poll(() => withDb((db) => db.prepare('SELECT name FROM classes WHERE dataset_id = ? AND idx = 1').get(datasetId)))
      .toEqual({ name: 'car' });
    await row1.getByTestId('class-color').fill('#ff8800');
    await expect
      .poll(() => withDb((db) => db.prepare('SELECT color FROM classes WHERE dataset_id = ? AND idx = 1').get(datasetId)))
      .toEqual({ color: '[255,136,0]' });
    await page.screenshot({ path: join(ARTIFACTS, 'manage-classes.png') });

    await page.goto(`${server.url}#/images/${imageId}`);
    const legend = page.getByTestId('legend');
    await expect.poll(() => legend.textContent(), { timeout: 15_000 }).toContain('1 car');
    expect(await legend.textContent()).not.toContain('class 1');
    const swatch = legend.locator('li').nth(1).locator('.swatch');
    expect(await swatch.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(255, 136, 0)');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the run panel says when a run name is taken and offers a free one', async () => {
    const { page, errors } = await openPage(browser, server.url, '#/models');
    await page.getByTestId('run-model-select').selectOption({ label: 'toy-colour-semantic (semantic-seg) TOY' });
    await page.getByTestId('run-dataset-select').selectOption({ index: 1 });
    const notice = page.getByTestId('run-name-taken');
    await expect
      .poll(() => notice.textContent())
      .toMatch(
        /^A run named toy-colour-semantic exists on this dataset already \(toy-colour-semantic [0-9a-f]{12} TOY, 2 samples done, complete\)/,
      );
    expect(await page.getByTestId('run-start').textContent()).toBe('Continue run');
    await page.getByTestId('run-new-name').click();
    expect(await page.getByTestId('run-name').inputValue()).toBe('toy-colour-semantic-2');
    await expect.poll(() => notice.count()).toBe(0);
    expect(await page.getByTestId('run-start').textContent()).toBe('Run');

    // A run still computing (here: a job another process holds open) is picked up again on return.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO, 'test/helpers/holdJob.ts'), ws, 'runs.start', JSON.stringify({ runId, datasetId, modelId })],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => (d.toString().includes('JOB ') ? resolve() : undefined));
        child.once('exit', (code) => reject(new Error(`holdJob exited with ${code}`)));
      });
      await page.goto(`${server.url}#/`);
      await page.goto(`${server.url}#/models`);
      await expect.poll(() => page.getByTestId('run-progress').count(), { timeout: 10_000 }).toBe(1);
      expect(await page.getByTestId('run-cancel').count()).toBe(1);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('deletes a run, then the dataset, each after a confirmation that says what goes', async () => {
    const { page, errors } = await openPage(browser, server.url, '#/');
    await page.locator('[data-testid="dataset-row"][data-dataset="scenes"]').getByTestId('dataset-manage').click();
    const runRow = page.locator('[data-testid="run-row"][data-run="toy-colour-semantic"]');
    expect(await runRow.getByTestId('run-origin').textContent()).toMatch(/^toy-colour-semantic [0-9a-f]{12} TOY$/);
    await runRow.getByTestId('run-delete').click();
    const dialog = page.getByTestId('confirm-delete');
    await expect.poll(() => dialog.locator('h3').textContent()).toBe('Delete run “toy-colour-semantic”?');
    // The Benchmarks page scored the run: its metric rows go too.
    const metricRows = withDb((db) => (db.prepare('SELECT COUNT(*) AS n FROM metric_rows').get() as { n: number }).n);
    expect(metricRows).toBeGreaterThan(0);
    expect(await dialog.getByTestId('delete-goes').locator('li').allTextContents()).toEqual([
      `${predictions} predictions`,
      `${metricRows} metric rows`,
    ]);
    await page.screenshot({ path: join(ARTIFACTS, 'manage-delete-run.png') });
    // Cancel deletes nothing.
    await dialog.getByTestId('delete-cancel').click();
    expect(withDb((db) => db.prepare('SELECT COUNT(*) AS n FROM runs').get())).toEqual({ n: 1 });
    await runRow.getByTestId('run-delete').click();
    await page.getByTestId('delete-confirm').click();
    await expect.poll(() => page.getByTestId('run-row').count()).toBe(0);
    // The row leaves the list once the run is hidden; the dialog closes when the delete has finished.
    await expect.poll(() => dialog.count()).toBe(0);
    // The rows go in slices after the hide; the page may show the result first (poll, as a user would look again).
    await expect.poll(() => withDb((db) => db.prepare('SELECT COUNT(*) AS n FROM predictions').get())).toEqual({ n: 0 });
    await expect.poll(() => withDb((db) => db.prepare('SELECT COUNT(*) AS n FROM metric_rows').get())).toEqual({ n: 0 });

    // Rename in place: the button sits with the row's actions, the name becomes an input.
    await page.locator('[data-testid="dataset-row"][data-dataset="scenes"]').getByTestId('dataset-rename').click();
    await page.getByTestId('dataset-name-input').fill('street scenes');
    await page.getByTestId('dataset-name-input').press('Enter');
    const renamed = page.locator('[data-testid="dataset-row"][data-dataset="street scenes"]');
    await expect.poll(() => renamed.count()).toBe(1);
    expect((await renamed.locator('td').first().textContent())?.trim()).toBe('street scenes');

    await renamed.getByTestId('dataset-delete').click();
    await expect.poll(() => dialog.locator('h3').textContent()).toBe('Delete dataset “street scenes”?');
    // Thumbnails exist when a page has shown the dataset's tiles (the landing page may): counted apart.
    const goes = await dialog.getByTestId('delete-goes').locator('li').allTextContents();
    expect(goes.filter((line) => !/^\d+ thumbnails$/.test(line))).toEqual([
      '2 images (their rows; the image files stay on disk)',
      '2 samples',
      '4 annotation regions (all versions and edit history)',
      '4 classes',
      '2 cached model outputs',
    ]);
    expect(await dialog.getByTestId('delete-keeps').textContent()).toContain('Kept: the image files stay where they are');
    await page.screenshot({ path: join(ARTIFACTS, 'manage-delete-dataset.png') });
    await page.getByTestId('delete-confirm').click();
    await expect.poll(() => page.locator('main').textContent()).toContain('No datasets yet');
    await expect.poll(() => dialog.count()).toBe(0);
    // The dataset list shows it gone once it is hidden; its rows and cached outputs go in slices after that.
    await expect.poll(() => withDb((db) => db.prepare('SELECT COUNT(*) AS n FROM inference_cache').get())).toEqual({ n: 0 });
    withDb((db) => {
      expect(db.prepare('SELECT COUNT(*) AS n FROM images').get()).toEqual({ n: 0 });
      expect(db.pragma('foreign_key_check')).toEqual([]);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    });
    // A thumbnail whose encode was in flight when the dataset went is removed as it lands (images/thumbs.ts).
    await expect.poll(() => thumbnailFiles(), { timeout: 10_000 }).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
