import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { writeToys } from '../../tools/toy-models';
import { launchChromium } from '../helpers/browser';
import { startServe, tessera } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { writeSceneDataset } from '../helpers/scenes';
import { npyBytes } from '../unit/engine/datasets/npyBytes';
import { ARTIFACTS } from './support/page';

// Reading results: a scene dataset with a toy CAM model's run and ToCo CAM dicts imported as a run.
// The Benchmarks page sweeps both; the landing page, a not-found route, the viewer's overlay legend
// and the report download link are checked in Chromium at 1440x900 (screenshots kept).
const W = 448;
let browser: Browser;
let server: { url: string; stop(): Promise<void> };
let cleanup: () => void;
let ws: string;
const sweeps = new Map<string, { best: { threshold: number; miou: number }; miou: number[]; thresholds: number[] }>();

function cli(args: string[]): string {
  const r = tessera(['--workspace', ws, ...args]);
  if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  const t = tempDir('tessera-e2e-results-');
  cleanup = t.cleanup;
  ws = join(t.dir, 'ws');
  const models = join(t.dir, 'models');
  mkdirSync(models);
  writeToys(models, ['cam']);
  const scenes = [
    {
      name: 'a',
      width: W,
      height: W,
      rects: [
        { x: 20, y: 30, w: 180, h: 200, cls: 1 },
        { x: 260, y: 200, w: 150, h: 150, cls: 3 },
      ],
    },
    { name: 'b', width: W, height: W, rects: [{ x: 100, y: 40, w: 250, h: 120, cls: 2 }] },
  ];
  const data = await writeSceneDataset(join(t.dir, 'scenes'), scenes);
  // ToCo CAM dicts: class channels high inside their rectangles, a spread of values elsewhere.
  const cams = join(t.dir, 'cams');
  mkdirSync(cams);
  for (const s of scenes) {
    const labels = data.labels.get(s.name)!;
    const classes = [...new Set(s.rects.map((r) => r.cls))];
    const high = new Float32Array(classes.length * W * W);
    classes.forEach((c, k) => {
      for (let i = 0; i < W * W; i++) {
        const noise = ((i * 7919 + (k + 1) * 104729) % 1000) / 1000;
        high[k * W * W + i] = labels[i] === c ? 0.3 + 0.7 * noise : 0.55 * noise;
      }
    });
    writeFileSync(
      join(cams, `${s.name}.npz`),
      zipSync({
        'keys.npy': npyBytes('<i8', [classes.length], BigInt64Array.from(classes.map((c) => BigInt(c - 1)))),
        'high_res.npy': npyBytes('<f4', [classes.length, W, W], high),
      }),
    );
  }
  cli(['init']);
  cli(['import', 'folder', data.images, '--masks', data.masks, '--name', 'scenes']);
  cli(['models', 'add', join(models, 'toy-colour-cam.manifest.json')]);
  cli(['run', '--model', 'toy-colour-cam', '--dataset', 'scenes', '--device', 'cpu']);
  cli(['import', 'predictions', cams, '--dataset', 'scenes', '--run', 'toco-imported', '--format', 'toco-cam']);
  for (const run of ['toy-colour-cam', 'toco-imported'])
    sweeps.set(run, JSON.parse(cli(['eval', '--dataset', 'scenes', '--run', run, '--cam-sweep', '--json'])));
  server = await startServe(ws);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  cleanup?.();
});

async function open(hash: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url + hash);
  return { page, errors };
}

describe('reading results in Chromium', () => {
  it('sweeps CAM thresholds on Benchmarks for a toy CAM run and an imported ToCo run, best marked', async () => {
    const { page, errors } = await open('#/benchmarks/1');
    const row = (run: string, metric: string) =>
      page.locator(`[data-testid="cam-sweep-row"][data-run="${run}"] td[data-metric="${metric}"]`);
    for (const [run, s] of sweeps) {
      await expect.poll(() => row(run, 'best-miou').textContent(), { timeout: 30_000 }).toBe((s.best.miou * 100).toFixed(2));
      expect(await row(run, 'best-threshold').textContent()).toBe(s.best.threshold.toFixed(2));
      const line = page.locator(`[data-testid="cam-sweep-line"][data-run="${run}"]`);
      expect(await line.locator('polyline').getAttribute('points')).toMatch(/^([\d.]+,[\d.]+ ){19}[\d.]+,[\d.]+$/);
      expect(Number(await line.getByTestId('cam-sweep-best').getAttribute('data-threshold'))).toBe(s.best.threshold);
    }
    // The two sweeps differ (the imported CAMs are not the toy's) and both vary with the threshold.
    const imported = sweeps.get('toco-imported')!;
    expect(Math.max(...imported.miou) - Math.min(...imported.miou)).toBeGreaterThan(0.05);
    await page.getByTestId('cam-sweep').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'results-benchmarks-1440.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('exports a report that ends with a link which downloads the same file', async () => {
    const { page, errors } = await open('#/benchmarks/1');
    // Wait until every run is scored: the export covers the scored runs.
    await page.getByTestId('bench-runs').waitFor({ timeout: 30_000 });
    await page.getByTestId('report-format').selectOption('html');
    await page.getByTestId('report-export').click();
    const link = page.getByTestId('report-link');
    await page.getByTestId('report-path').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('bench-report').innerText(), { timeout: 20_000 }).toContain('Download');
    const written = (await page.getByTestId('report-path').locator('code').textContent())!;
    expect(await link.textContent()).toContain('.html');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const saved = await download.path();
    expect(download.suggestedFilename()).toBe(written.split(/[\\/]/).pop());
    expect(readFileSync(saved).equals(readFileSync(written))).toBe(true);
    expect(readFileSync(saved, 'utf8')).toContain('<h1>Tessera report: scenes</h1>');
    await page.screenshot({ path: join(ARTIFACTS, 'results-report-link-1440.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens on a landing page with two lines per dataset, thumbnails and the latest runs; unknown routes say not found', async () => {
    const { page, errors } = await open('');
    const card = page.locator('[data-testid="home-dataset"][data-dataset="scenes"]');
    await card.waitFor();
    const lines = await card.getByTestId('home-lines').innerText();
    expect(lines.split('\n').filter((l) => l.trim() !== '')).toHaveLength(2);
    expect(lines).toContain('2 images');
    await expect
      .poll(() => card.getByTestId('home-thumb').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth > 0)))
      .toEqual([true, true]);
    await expect.poll(() => card.getByTestId('home-run').allTextContents()).toHaveLength(2);
    const runs = (await card.getByTestId('home-run').allTextContents()).join(' ');
    expect(runs).toContain('toco-imported');
    expect(runs).toContain('toy-colour-cam (TOY)');
    // The datasets table is still there below.
    await page.getByRole('link', { name: 'scenes' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'results-landing-1440.png') });

    await page.goto(`${server.url}#/no/such/page`);
    await expect.poll(() => page.getByTestId('not-found').textContent()).toContain('Not found');
    expect(await page.getByTestId('not-found').textContent()).toContain('#/no/such/page');
    await page.screenshot({ path: join(ARTIFACTS, 'results-not-found-1440.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows the overlay legend in the viewer: GT outline over a filled prediction, hatched TP/FP/FN apart from class colours', async () => {
    const { page, errors } = await open('#/images/1');
    // The toy CAM run (its pseudo label is its prediction mask); the newest run, imported ToCo CAMs, has no masks.
    const runSelect = page.getByTestId('run-select');
    await runSelect.locator('option', { hasText: 'toy-colour-cam' }).first().waitFor({ state: 'attached' });
    await runSelect.selectOption((await runSelect.locator('option', { hasText: 'toy-colour-cam' }).first().getAttribute('value'))!);
    const legend = page.getByTestId('overlay-legend');
    await legend.waitFor();
    await expect.poll(() => legend.getByTestId('legend-gt').getAttribute('data-style')).toBe('outline');
    await page.getByTestId('layer-diff').check();
    // The dataset's class colours, as the class legend draws them.
    const classColors = (
      await page
        .getByTestId('legend')
        .locator('.swatch')
        .evaluateAll((els) => els.map((el) => getComputedStyle(el).backgroundColor))
    ).map((c) => c.match(/\d+/g)!.slice(0, 3).map(Number));
    expect(classColors.length).toBeGreaterThanOrEqual(3);
    for (const k of ['tp', 'fp', 'fn']) {
      const item = legend.getByTestId(`legend-${k}`);
      const color = (await item.getAttribute('data-color'))!.split(',').map(Number);
      for (const cls of [[0, 0, 0], ...classColors]) expect(Math.hypot(...color.map((v, i) => v - cls[i]!))).toBeGreaterThan(60);
      expect(await item.locator('.legend-swatch').evaluate((el) => getComputedStyle(el).backgroundImage)).toContain(
        'repeating-linear-gradient',
      );
    }
    await page.getByTestId('gt-style').selectOption('fill');
    await expect.poll(() => legend.getByTestId('legend-gt').getAttribute('data-style')).toBe('fill');
    await page.getByTestId('gt-style').selectOption('auto');
    await page.screenshot({ path: join(ARTIFACTS, 'results-viewer-1440.png') });
    expect(errors).toEqual([]);
    await page.close();
  });
});
