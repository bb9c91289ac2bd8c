import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startServe } from '../helpers/cli';
import { openTestEngine } from '../helpers/engine';
import { rectLabels, tempDir } from '../helpers/fixtures';
import { addReferringDataset, addSemanticRun, importSemantic } from '../integration/metrics/helpers';
import { engineInternals } from '../../src/main/engine/internals';

// Two 20x10 images, GT = left half class 1, right half background. Run "perfect" predicts the GT;
// run "half" predicts class 1 everywhere. By hand, for "half": class 1 IoU 200/400 = 50%, background
// IoU 0 -> mIoU 25.00, mIoU over GT classes 25.00, pixel acc 50.00, mean acc (0 + 100)/2 = 50.00,
// fwIoU 0.5·0 + 0.5·50 = 25.00. "half" − "perfect" = −75.00 on every resample, and loses on both images.
const W = 20;
const H = 10;
let browser: Browser;
let server: { url: string; stop(): Promise<void> };
let cleanup: () => void;
let datasetId: number;
let artifacts: string;
let secondImage: number;
let camsId: number;

beforeAll(async () => {
  const t = tempDir('tessera-e2e-bench-');
  cleanup = t.cleanup;
  artifacts = join(process.cwd(), 'test-results', 'e2e');
  mkdirSync(artifacts, { recursive: true });
  const ws = join(t.dir, 'ws');
  const { engine, client } = openTestEngine(ws);
  const gt = rectLabels(W, H, { x: 0, y: 0, w: W / 2, h: H }, 1);
  const fx = await importSemantic(client, engine, t.dir, [gt, gt], { w: W, h: H }, 'halves');
  datasetId = fx.datasetId;
  addSemanticRun(engine, datasetId, 'perfect', new Map(fx.samples.map((s) => [s.sampleId, gt])), { w: W, h: H });
  addSemanticRun(engine, datasetId, 'half', new Map(fx.samples.map((s) => [s.sampleId, new Uint8Array(W * H).fill(1)])), { w: W, h: H });
  await client.call('tags.apply', { tag: 'first', imageIds: [fx.samples[0]!.imageId] });
  secondImage = fx.samples[1]!.imageId;
  // A referring dataset of two 8x6 queries, each target the whole mask: run A finds half of it, B all.
  const half = new Uint8Array(48).map((_, i) => (i < 24 ? 1 : 0));
  const whole = new Uint8Array(48).fill(1);
  const refs = addReferringDataset(
    engine,
    'refs',
    [0, 1].map((i) => ({ query: `query ${i}`, gt: whole, pred: half })),
    { w: 8, h: 6 },
  );
  addSemanticRun(
    engine,
    refs.datasetId,
    'finds-all',
    new Map(refs.samples.map((x) => [x.sampleId, whole])),
    { w: 8, h: 6 },
    { dropBackground: true },
  );
  // A CAM run with three_band (as models/adapters/cam.ts records it): its pseudo label is the ground
  // truth but for column x = 9 (inside class 1), 255 = the ignore band, left out of its scores: 100.00.
  const cams = await importSemantic(client, engine, t.dir, [gt], { w: W, h: H }, 'cams');
  camsId = cams.datasetId;
  const banded = gt.map((v, i) => (i % W === 9 ? 255 : v));
  const camRun = addSemanticRun(engine, camsId, 'cam-3band', new Map([[cams.samples[0]!.sampleId, banded]]), { w: W, h: H });
  engineInternals(engine)
    .db.prepare("UPDATE runs SET source = 'model', provenance = ? WHERE id = ?")
    .run(
      JSON.stringify({
        model: 'toy-cam',
        pseudoLabel: { rule: 'toco-cam_to_label-ignore_mid', bgThreshold: 0.5, high: 0.7, low: 0.25, ignoreIndex: 255 },
      }),
      camRun,
    );
  await engine.close();
  server = await startServe(ws);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  cleanup?.();
});

describe('benchmarks page in Chromium against tessera serve', () => {
  it('shows the runs × metrics table, per-class bars, subsets, a comparison and exports a report', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.getByRole('link', { name: 'halves' }).click();
    await page.getByTestId('open-benchmarks').click();
    const cell = (run: string, metric: string) =>
      page.locator(`[data-testid="bench-run-row"][data-run="${run}"] td[data-metric="${metric}"]`);
    await expect.poll(() => cell('half', 'miou').textContent(), { timeout: 15_000 }).toBe('25.00');
    const expected: Record<string, Record<string, string>> = {
      perfect: { images: '2', miou: '100.00', miou_gt_classes: '100.00', pixel_acc: '100.00', mean_acc: '100.00', fwiou: '100.00' },
      half: { images: '2', miou: '25.00', miou_gt_classes: '25.00', pixel_acc: '50.00', mean_acc: '50.00', fwiou: '25.00' },
    };
    for (const [run, metrics] of Object.entries(expected)) {
      for (const [metric, text] of Object.entries(metrics)) expect(await cell(run, metric).textContent(), `${run} ${metric}`).toBe(text);
    }
    expect(await page.locator('[data-testid="bench-class"][data-class="class 1"]').textContent()).toContain('50.00');

    const subsetCell = page.locator('[data-testid="bench-subset-row"][data-subset="first"] td[data-run="half"]');
    await expect.poll(() => subsetCell.textContent()).toBe('25.00');

    await page.getByTestId('compare-a').selectOption({ label: 'perfect' });
    await page.getByTestId('compare-b').selectOption({ label: 'half' });
    await expect.poll(() => page.getByTestId('compare-diff').textContent()).toBe('-75.00');
    expect(await page.getByTestId('compare-interval').textContent()).toBe('[-75.00, -75.00]');
    expect(await page.getByTestId('compare-wins').textContent()).toBe('0 / 0 / 2');
    await page.screenshot({ path: join(artifacts, 'benchmarks.png'), fullPage: true });

    await page.getByTestId('bench-subset').selectOption('first');
    await expect.poll(() => cell('perfect', 'images').textContent()).toBe('1');
    // A tag applied elsewhere (the gallery, another tab) while the page is open: the subset is read again.
    const tagged = await page.evaluate(async (imageId) => {
      const token = new URLSearchParams(window.location.search).get('token') ?? '';
      const res = await fetch('/api/call/tags.apply', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ tag: 'first', imageIds: [imageId] }),
      });
      return ((await res.json()) as { ok: boolean }).ok;
    }, secondImage);
    expect(tagged).toBe(true);
    await expect.poll(() => cell('perfect', 'images').textContent()).toBe('2');
    await expect.poll(() => page.getByTestId('bench-subset').locator('option[value="first"]').textContent()).toContain('(2)');

    await page.getByTestId('report-format').selectOption('csv');
    await page.getByTestId('report-export').click();
    const path = page.getByTestId('report-path').locator('code');
    await expect.poll(() => path.textContent(), { timeout: 30_000 }).toMatch(/halves-.*\.csv$/);
    const written = (await path.textContent())!;
    expect(existsSync(written)).toBe(true);
    expect(readFileSync(written, 'utf8')).toContain(',first,half,');
    expect(errors).toEqual([]);
    await page.close();
  });

  it("draws each per-class bar's length in proportion to its IoU over the whole 0-100 track, the value beside it", async () => {
    // The bars' inline width was their value in %, clipped by max-width: calc(100% - 48px): every
    // IoU above ~91.75 drew as long as every other (93.33 as long as 99.54). Class 1: "perfect" 100,
    // "half" 50; background: "perfect" 100, "half" 0 (a sliver).
    const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
    await page.goto(`${server.url}#/benchmarks/${datasetId}`);
    const group = page.locator('[data-testid="bench-class"][data-class="class 1"]');
    await group.waitFor({ timeout: 15_000 });
    const measure = (cls: string) =>
      page.locator(`[data-testid="bench-class"][data-class="${cls}"] .bench-bar-row`).evaluateAll((rows) =>
        rows.map((row) => {
          const track = row.querySelector('[data-testid="bench-bar-track"]')!.getBoundingClientRect();
          const bar = row.querySelector('[data-testid="bench-bar"]')!.getBoundingClientRect();
          const value = row.querySelector('.bench-bar-value')!.getBoundingClientRect();
          return { track: track.width, bar: bar.width, barRight: bar.right, valueLeft: value.left, text: row.textContent };
        }),
      );
    const [perfect, half] = await measure('class 1');
    expect([perfect!.text, half!.text]).toEqual(['100.00', '50.00']);
    expect(perfect!.track).toBeGreaterThan(300);
    expect(Math.abs(perfect!.bar - perfect!.track)).toBeLessThanOrEqual(1);
    expect(Math.abs(half!.bar - half!.track / 2)).toBeLessThanOrEqual(1);
    expect(perfect!.bar / half!.bar).toBeCloseTo(2, 1);
    // The value is written after the bar, never over it.
    for (const r of [perfect!, half!]) expect(r.valueLeft).toBeGreaterThanOrEqual(r.barRight);
    const [bgPerfect, bgHalf] = await measure('background');
    expect(Math.abs(bgPerfect!.bar - bgPerfect!.track)).toBeLessThanOrEqual(1);
    expect(bgHalf!.bar).toBeLessThan(0.01 * bgHalf!.track + 1);
    await page.close();
  });

  it("says next to a CAM run's score that its pseudo label's ignore band is left out of it", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}#/benchmarks/${camsId}`);
    const row = page.locator('[data-testid="bench-run-row"][data-run="cam-3band"]');
    await expect.poll(() => row.locator('td[data-metric="miou"]').textContent(), { timeout: 15_000 }).toBe('100.00');
    const note = row.getByTestId('bench-run-ignore-band');
    expect(await note.textContent()).toBe(
      'Scored without its ignore band: pseudo-label pixels in it (CAM between 0.25 and 0.7, value 255) are left out, so these scores count fewer pixels than the CAM threshold sweep, which labels every pixel.',
    );
    // In view beside the score, not below the fold.
    const box = (await note.boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(800);
    // The halves dataset's imported runs have no such note.
    await page.goto(`${server.url}#/benchmarks/${datasetId}`);
    await expect.poll(() => page.getByTestId('bench-run-row').count(), { timeout: 15_000 }).toBe(2);
    expect(await page.getByTestId('bench-run-ignore-band').count()).toBe(0);
    await page.close();
  });

  it('compares cIoU beside gIoU on a referring dataset', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.getByRole('link', { name: 'refs' }).click();
    await page.getByTestId('open-benchmarks').click();
    await page.getByTestId('compare-a').selectOption({ label: 'refs-run' });
    await page.getByTestId('compare-b').selectOption({ label: 'finds-all' });
    await expect.poll(() => page.getByTestId('compare-diff').textContent(), { timeout: 15_000 }).toBe('50.00');
    const other = page.getByTestId('compare-other-row');
    await expect
      .poll(() => other.locator('td').allTextContents())
      .toEqual(['lisa-ciou', '50.00', '100.00', '50.00', '[50.00, 50.00]', '—']);
    expect(errors).toEqual([]);
    await page.close();
  });
});
