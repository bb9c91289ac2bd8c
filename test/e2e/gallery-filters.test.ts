import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startServe } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { createRun, imageIdsByName, savePrediction, withEngine } from './support/seed';
import { importScenes, labelsOf } from './support/scene';
import { ARTIFACTS, openPage } from './support/page';
import { engineInternals } from '../../src/main/engine/internals';

// Six 32x24 images. Ground truth: 00-02 class 1 on the left half, 03 none, 04 class 2 on the top rows,
// 05 none. Run "r1" predicts 00 exactly, all background on 01 and 04, and the left quarter on 02; it
// has no result for 03 and 05. Image mIoU (classes with TP+FP+FN > 0, background included), worked
// by hand over the 768 pixels (384 per half):
//   00: 1.0;  01: background 384/768 = 0.5, class 1 0/384 -> 0.25;
//   02: class 1 192/384 = 0.5, background 384/576 = 0.667 -> 0.583;
//   04: background 640/768 = 0.833, class 2 0/128 -> 0.417.
const W = 32;
const H = 24;
const left = labelsOf(W, H, (x) => (x < W / 2 ? 1 : 0));
let browser: Browser;
let server: { url: string; stop(): Promise<void> };
let cleanup: () => void;
let ws = '';
let datasetId = 0;
let runId = 0;
let ids = new Map<string, number>();

beforeAll(async () => {
  const t = tempDir('tessera-e2e-filters-');
  cleanup = t.cleanup;
  ws = await importScenes(t.dir, W, H, [left, left, left, null, labelsOf(W, H, (_x, y) => (y < 4 ? 2 : 0)), null]);
  await withEngine(ws, (engine) => {
    datasetId = engineInternals(engine).repos.datasets.list()[0]!.id;
    ids = imageIdsByName(engine, datasetId);
    runId = createRun(engine, datasetId, 'r1');
    savePrediction(engine, runId, ids.get('scene_00.png')!, left, W, H);
    savePrediction(engine, runId, ids.get('scene_01.png')!, new Uint8Array(W * H), W, H);
    savePrediction(
      engine,
      runId,
      ids.get('scene_02.png')!,
      labelsOf(W, H, (x) => (x < W / 4 ? 1 : 0)),
      W,
      H,
    );
    savePrediction(engine, runId, ids.get('scene_04.png')!, new Uint8Array(W * H), W, H);
  });
  server = await startServe(ws);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  cleanup?.();
});

async function tileNames(page: Page): Promise<string[]> {
  return page.getByTestId('gallery-item').evaluateAll((els) => els.map((e) => e.getAttribute('title') ?? ''));
}

function stored<T>(sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(ws, 'tessera.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

describe('gallery filters, tags and review state', () => {
  it('filters by ground truth, class present and run', async () => {
    const { page, errors } = await openPage(browser, server.url, `#/datasets/${datasetId}`);
    await expect.poll(() => tileNames(page)).toEqual(['00', '01', '02', '03', '04', '05'].map((n) => `scene_${n}.png`));
    await page.getByTestId('filter-gt').selectOption('false');
    await expect.poll(() => tileNames(page)).toEqual(['scene_03.png', 'scene_05.png']);
    await page.getByTestId('filter-gt').selectOption('');
    await page.getByTestId('filter-class').selectOption('2');
    await expect.poll(() => tileNames(page)).toEqual(['scene_04.png']);
    await page.getByTestId('filter-class').selectOption('');
    await page.getByTestId('filter-run').selectOption(String(runId));
    await expect.poll(() => tileNames(page)).toEqual(['scene_00.png', 'scene_01.png', 'scene_02.png', 'scene_04.png']);
    await expect.poll(() => page.getByTestId('gallery-count').textContent()).toContain('4 of 6 images');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows the view of a link opened in the same tab (the hash changed from outside)', async () => {
    const { page, errors } = await openPage(browser, server.url, `#/datasets/${datasetId}?gt=0`);
    await expect.poll(() => tileNames(page)).toEqual(['scene_03.png', 'scene_05.png']);
    await page.evaluate((hash) => (window.location.hash = hash), `#/datasets/${datasetId}?class=2`);
    await expect.poll(() => tileNames(page)).toEqual(['scene_04.png']);
    expect(await page.getByTestId('filter-class').inputValue()).toBe('2');
    expect(await page.getByTestId('filter-gt').inputValue()).toBe('');
    await page.evaluate((hash) => (window.location.hash = hash), `#/datasets/${datasetId}`);
    await expect.poll(() => tileNames(page)).toEqual(['00', '01', '02', '03', '04', '05'].map((n) => `scene_${n}.png`));
    // Back: the view before, as the address bar shows it.
    await page.goBack();
    await expect.poll(() => tileNames(page)).toEqual(['scene_04.png']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('tags selected images, sets their review state and filters by both', async () => {
    const { page, errors } = await openPage(browser, server.url, `#/datasets/${datasetId}`);
    const tile = (name: string) => page.locator(`[data-testid="gallery-item"][title="${name}"]`);
    await tile('scene_01.png').getByTestId('tile-select').check();
    await tile('scene_04.png').getByTestId('tile-select').check();
    await expect.poll(() => page.getByTestId('selection-count').textContent()).toBe('2 selected');
    await page.getByTestId('tag-input').fill('hard cases');
    await page.getByTestId('tag-apply').click();
    await expect.poll(() => page.getByTestId('selection-result').textContent()).toBe('tagged 2');
    await expect.poll(() => tile('scene_04.png').getByTestId('tile-tags').textContent()).toBe('hard cases');
    expect(
      stored<{ file_name: string }>(
        'SELECT i.file_name FROM image_tags it JOIN tags t ON t.id = it.tag_id JOIN images i ON i.id = it.image_id WHERE t.name = ? ORDER BY 1',
        'hard cases',
      ),
    ).toEqual([{ file_name: 'scene_01.png' }, { file_name: 'scene_04.png' }]);

    await page.getByTestId('review-select').selectOption('rejected');
    await page.getByTestId('review-apply').click();
    await expect.poll(() => page.getByTestId('selection-result').textContent()).toBe('marked 2 rejected');
    await expect.poll(() => tile('scene_01.png').getByTestId('tile-review').textContent()).toBe('rejected');
    expect(
      stored<{ file_name: string; review_state: string }>(
        "SELECT file_name, review_state FROM images WHERE review_state != 'unreviewed' ORDER BY 1",
      ),
    ).toEqual([
      { file_name: 'scene_01.png', review_state: 'rejected' },
      { file_name: 'scene_04.png', review_state: 'rejected' },
    ]);

    await page.getByTestId('filter-tag').selectOption('hard cases');
    await expect.poll(() => tileNames(page)).toEqual(['scene_01.png', 'scene_04.png']);
    // Untag one of them: it leaves the filtered view and the store.
    await tile('scene_04.png').getByTestId('tile-select').check();
    await page.getByTestId('tag-input').fill('hard cases');
    await page.getByTestId('tag-remove').click();
    await expect.poll(() => tileNames(page)).toEqual(['scene_01.png']);
    expect(stored('SELECT image_id FROM image_tags')).toEqual([{ image_id: ids.get('scene_01.png') }]);
    await page.getByTestId('filter-tag').selectOption('');
    await page.getByTestId('filter-review').selectOption('rejected');
    await expect.poll(() => tileNames(page)).toEqual(['scene_01.png', 'scene_04.png']);
    await page.screenshot({ path: join(ARTIFACTS, 'gallery-filters.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sorts by the per-image score of a run, worst first', async () => {
    const { page, errors } = await openPage(browser, server.url, `#/datasets/${datasetId}`);
    await page.getByTestId('gallery-item').first().waitFor();
    await page.getByTestId('sort').selectOption(`asc:${runId}`);
    // The images without ground truth (scene_03, scene_05) have no score: after every scored one, by name.
    await expect
      .poll(() => tileNames(page))
      .toEqual(['scene_01.png', 'scene_04.png', 'scene_02.png', 'scene_00.png', 'scene_03.png', 'scene_05.png']);
    expect(await page.getByTestId('tile-score').allTextContents()).toEqual(['25.0', '41.7', '58.3', '100.0', '—', '—']);
    // Score-ordered tiles carry the same badges as name order (the previous test tagged and rejected).
    const tile = (name: string) => page.locator(`[data-testid="gallery-item"][title="${name}"]`);
    await expect.poll(() => tile('scene_01.png').getByTestId('tile-tags').textContent()).toBe('hard cases');
    expect(await tile('scene_01.png').getByTestId('tile-review').textContent()).toBe('rejected');
    expect(await tile('scene_04.png').getByTestId('tile-review').textContent()).toBe('rejected');
    expect(await tile('scene_00.png').getByTestId('tile-review').count()).toBe(0);
    // A review state set in score order shows on its tile there.
    await tile('scene_00.png').getByTestId('tile-select').check();
    await page.getByTestId('review-select').selectOption('reviewed');
    await page.getByTestId('review-apply').click();
    await expect.poll(() => tile('scene_00.png').getByTestId('tile-review').textContent()).toBe('reviewed');
    await page.getByTestId('sort').selectOption(`desc:${runId}`);
    await expect
      .poll(() => tileNames(page))
      .toEqual(['scene_00.png', 'scene_02.png', 'scene_04.png', 'scene_01.png', 'scene_03.png', 'scene_05.png']);
    // Filters still apply in score order.
    await page.getByTestId('filter-class').selectOption('2');
    await expect.poll(() => tileNames(page)).toEqual(['scene_04.png']);
    expect(errors).toEqual([]);
    await page.close();
  });
});
