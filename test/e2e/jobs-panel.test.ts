import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tessera } from '../helpers/cli';
import sharp from 'sharp';
import { tempDir } from '../helpers/fixtures';
import { ARTIFACTS, openPage } from './support/page';
import { startUi, stopUi, type Ui } from './support/ui';

// A job to watch and cancel: importing 12 copies (hard links) of one 1024x1024 noise JPEG. The test
// gate (src/main/engine/jobs/testGate.ts) holds the import before its 4th image until the test lets
// it go, which it never does: the job stays running with progress shown, however fast the machine.
// Cancel ends the wait, and an import that is cancelled writes nothing (one transaction at the end).
const COPIES = 12;
let ui: Ui;
let cleanup: () => void;
let ws = '';
let images = '';

beforeAll(async () => {
  const t = tempDir('tessera-e2e-jobs-');
  cleanup = t.cleanup;
  images = join(t.dir, 'images');
  mkdirSync(images);
  const original = join(t.dir, 'big.jpg');
  const noise = Buffer.alloc(1024 * 1024 * 3);
  for (let i = 0, x = 12345; i < noise.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    noise[i] = x >>> 24;
  }
  await sharp(noise, { raw: { width: 1024, height: 1024, channels: 3 } })
    .jpeg({ quality: 95 })
    .toFile(original);
  for (let i = 0; i < COPIES; i++) linkSync(original, join(images, `copy_${String(i).padStart(5, '0')}.jpg`));
  ws = join(t.dir, 'ws');
  expect(tessera(['--workspace', ws, 'init']).code).toBe(0);
  ui = await startUi(ws, { env: { TESSERA_TEST_GATE: `3:${join(t.dir, 'gate')}` } });
});

afterAll(() => stopUi(ui, cleanup));

describe('jobs and models panels', () => {
  it('shows a running import with progress and cancels it', async () => {
    const { page, errors } = await openPage(ui.browser, ui.server.url, '#/jobs');
    await expect.poll(() => page.locator('main').textContent()).toContain('No jobs yet');
    const started = await page.evaluate(async (dir) => {
      const token = new URLSearchParams(window.location.search).get('token') ?? '';
      const res = await fetch('/api/call/datasets.importFolder', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ dir, name: 'copies' }),
      });
      return (await res.json()) as { ok: boolean; value: { jobId: string } };
    }, images);
    expect(started.ok).toBe(true);
    const row = page.locator(`[data-testid="job-row"][data-job-id="${started.value.jobId}"]`);
    await expect.poll(() => row.getAttribute('data-status')).toBe('running');
    await expect
      .poll(() => row.getByTestId('job-progress').evaluate((p: HTMLProgressElement) => p.value), { timeout: 20_000 })
      .toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'jobs-running.png') });
    await row.getByTestId('job-cancel').click();
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 30_000 }).toBe('cancelled');
    await page.screenshot({ path: join(ARTIFACTS, 'jobs-cancelled.png') });

    const db = new Database(join(ws, 'tessera.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT status FROM jobs WHERE id = ?').get(started.value.jobId)).toEqual({ status: 'cancelled' });
      expect(db.prepare('SELECT COUNT(*) AS n FROM datasets').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM images').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens the models panel from the top bar', async () => {
    const { page, errors } = await openPage(ui.browser, ui.server.url);
    await page.getByTestId('nav-models').click();
    await expect.poll(() => page.locator('main').textContent()).toContain('No models yet');
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
