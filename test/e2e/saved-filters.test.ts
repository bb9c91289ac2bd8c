import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startServe } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { importScenes, labelsOf } from './support/scene';

const W = 32;
const H = 24;
let browser: Browser;
let server: { url: string; stop(): Promise<void> };
let cleanup: () => void;
let ws = '';

beforeAll(async () => {
  const t = tempDir('tessera-e2e-saved-');
  cleanup = t.cleanup;
  const left = labelsOf(W, H, (x) => (x < W / 2 ? 1 : 0));
  ws = await importScenes(t.dir, W, H, [left, null, left, null]);
  server = await startServe(ws);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  cleanup?.();
});

describe('saved gallery filters', () => {
  it('saves the current filter under a name, stores it, and applies it again later', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}#/datasets/1`);
    const titles = () => page.getByTestId('gallery-item').evaluateAll((els) => els.map((e) => e.getAttribute('title') ?? ''));
    await expect.poll(titles).toHaveLength(4);
    await page.getByTestId('filter-gt').selectOption({ index: 1 });
    await expect.poll(titles).toHaveLength(2);
    await page.getByTestId('saved-filter-name').fill('annotated only');
    await page.getByTestId('saved-filter-save').click();
    await expect
      .poll(() => {
        const db = new Database(join(ws, 'tessera.db'), { readonly: true });
        const rows = db.prepare('SELECT name, query FROM saved_filters').all();
        db.close();
        return rows;
      })
      .toEqual([{ name: 'annotated only', query: JSON.stringify({ hasGroundTruth: true }) }]);
    // The filter lives in the URL: a reload keeps it; the gallery's plain address shows everything.
    await page.reload();
    await expect.poll(titles).toHaveLength(2);
    await page.goto(`${server.url}#/datasets/1`);
    await page.reload();
    await expect.poll(titles).toHaveLength(4);
    await page.getByTestId('saved-filter-select').selectOption({ label: 'annotated only' });
    await expect.poll(titles).toHaveLength(2);
    await page.close();
  });
});
