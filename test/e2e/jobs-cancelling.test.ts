import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { writeToys } from '../../tools/toy-models';
import { launchChromium } from '../helpers/browser';
import { startServe, tessera } from '../helpers/cli';
import { tempDir, writeSolidImage } from '../helpers/fixtures';
import { writeSceneDataset } from '../helpers/scenes';
import { ARTIFACTS } from './support/page';

// "cancelling…" between Cancel and the job's end, wherever a job can be cancelled (the Jobs page,
// Run a model on the Models page). The test gate (src/main/engine/jobs/testGate.ts) holds each job
// before its item GATE_AT; with GATE.hold present the held item does not notice the cancel (as one
// long inference would not), so the job stays live after Cancel until the test opens the gate.
const GATE_AT = 2;
let browser: Browser;
let server: { url: string; stop(): Promise<void> };
let cleanup: () => void;
let ws = '';
let gate = '';
let images = '';

beforeAll(async () => {
  const t = tempDir('tessera-e2e-cancelling-');
  cleanup = t.cleanup;
  ws = join(t.dir, 'ws');
  gate = join(t.dir, 'gate');
  images = join(t.dir, 'images');
  mkdirSync(images);
  for (let i = 0; i < 6; i++) await writeSolidImage(join(images, `img_${i}.png`), 32, 24, [40 * i, 90, 200]);
  const models = join(t.dir, 'models');
  mkdirSync(models);
  writeToys(models, ['semantic-seg']);
  const scenes = await writeSceneDataset(
    join(t.dir, 'scenes'),
    Array.from({ length: 5 }, (_, i) => ({
      name: `s${i}`,
      width: 64,
      height: 64,
      rects: [{ x: 4 * i, y: 8, w: 24, h: 24, cls: 1 + (i % 3) }],
    })),
  );
  for (const args of [
    ['init'],
    ['import', 'folder', scenes.images, '--masks', scenes.masks, '--name', 'scenes'],
    ['models', 'add', join(models, 'toy-colour-semantic.manifest.json')],
  ]) {
    const r = tessera(['--workspace', ws, ...args]);
    if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  }
  server = await startServe(ws, [], { TESSERA_TEST_GATE: `${GATE_AT}:${gate}` });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  cleanup?.();
});

/** Closes the gate for the next job: it will wait at item GATE_AT and not notice a cancel there. */
function closeGate(): void {
  rmSync(gate, { force: true });
  rmSync(`${gate}.waiting`, { force: true });
  writeFileSync(`${gate}.hold`, '');
}

function jobRow(jobId: string): { status: string; done: number } {
  const db = new Database(join(ws, 'tessera.db'), { readonly: true });
  try {
    return db.prepare('SELECT status, done FROM jobs WHERE id = ?').get(jobId) as { status: string; done: number };
  } finally {
    db.close();
  }
}

function count(table: 'datasets' | 'images' | 'runs'): number {
  const db = new Database(join(ws, 'tessera.db'), { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function open(hash: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url + hash);
  return { page, errors };
}

describe('cancelling a job', () => {
  it('Jobs page: Cancel shows "cancelling…" while the job finishes its item, then cancelled; the store keeps nothing', async () => {
    closeGate();
    const datasetsBefore = count('datasets');
    const { page, errors } = await open('#/jobs');
    await page.getByTestId('jobs-table').waitFor();
    const started = await page.evaluate(async (dir) => {
      const token = new URLSearchParams(window.location.search).get('token') ?? '';
      const res = await fetch('/api/call/datasets.importFolder', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ dir, name: 'to-cancel' }),
      });
      return (await res.json()) as { ok: boolean; value: { jobId: string } };
    }, images);
    expect(started.ok).toBe(true);
    const jobId = started.value.jobId;
    const row = page.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`);
    await expect.poll(() => existsSync(`${gate}.waiting`), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 20_000 }).toBe('running');
    expect(await row.getByTestId('job-status').textContent()).toBe('running');

    await row.getByTestId('job-cancel').click();
    await expect.poll(() => row.getByTestId('job-status').textContent()).toBe('cancelling…');
    expect(await row.getByTestId('job-cancel').textContent()).toBe('Cancelling…');
    expect(await row.getByTestId('job-cancel').isDisabled()).toBe(true);
    // The engine has the request but the job has not ended: its row is still running.
    expect(jobRow(jobId).status).toBe('running');
    await page.screenshot({ path: join(ARTIFACTS, 'jobs-cancelling.png') });

    writeFileSync(gate, ''); // the held item ends; the job sees the cancel at once
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 30_000 }).toBe('cancelled');
    expect(await row.getByTestId('job-status').textContent()).toBe('cancelled');
    expect(await row.getByTestId('job-cancel').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'jobs-cancelled-final.png') });
    // The row keeps the count reached before the cancel (GATE_AT images read), and so does the page.
    expect(jobRow(jobId)).toEqual({ status: 'cancelled', done: GATE_AT });
    await expect.poll(() => row.textContent()).toContain(`${GATE_AT}/6`);
    expect(count('datasets')).toBe(datasetsBefore);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('Run a model (Models page): Cancel shows "cancelling…" until the run stops, then cancelled; committed items stay', async () => {
    closeGate();
    const { page, errors } = await open('#/models');
    await expect.poll(() => page.getByTestId('model-row').count(), { timeout: 20_000 }).toBe(1);
    await page.getByTestId('run-model-select').selectOption({ label: 'toy-colour-semantic (semantic-seg) TOY' });
    await page.getByTestId('run-dataset-select').selectOption({ index: 1 });
    await page.getByTestId('run-name').fill('to-cancel');
    await page.getByTestId('run-device').selectOption('cpu');
    await page.getByTestId('run-start').click();
    await expect.poll(() => existsSync(`${gate}.waiting`), { timeout: 60_000 }).toBe(true);
    const model = await page.getByTestId('run-model-select').inputValue();
    const dataset = await page.getByTestId('run-dataset-select').inputValue();
    // Leave the page and come back while it runs: the progress and the form (model, dataset, name) come back.
    await page.evaluate(() => (window.location.hash = '#/'));
    await expect.poll(() => page.getByTestId('run-cancel').count()).toBe(0);
    await page.goBack();
    const cancel = page.getByTestId('run-cancel');
    await cancel.waitFor();
    await expect.poll(() => page.getByTestId('run-name').inputValue()).toBe('to-cancel');
    expect(await page.getByTestId('run-model-select').inputValue()).toBe(model);
    expect(await page.getByTestId('run-dataset-select').inputValue()).toBe(dataset);
    await cancel.click();
    await expect.poll(() => cancel.textContent()).toBe('Cancelling…');
    expect(await cancel.isDisabled()).toBe(true);
    expect(await page.getByTestId('run-progress').textContent()).toContain('cancelling…');
    const db = new Database(join(ws, 'tessera.db'), { readonly: true });
    const job = db.prepare("SELECT id, status FROM jobs WHERE kind = 'runs.start' ORDER BY created_at DESC LIMIT 1").get() as {
      id: string;
      status: string;
    };
    db.close();
    expect(job.status).toBe('running');
    await page.screenshot({ path: join(ARTIFACTS, 'run-cancelling.png') });

    writeFileSync(gate, '');
    await page.getByTestId('run-result').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('run-result').getAttribute('data-status')).toBe('cancelled');
    expect(await page.getByTestId('run-cancel').count()).toBe(0);
    expect(jobRow(job.id)).toEqual({ status: 'cancelled', done: GATE_AT });
    await expect.poll(() => page.getByTestId('run-cancelled').textContent()).toContain(`Cancelled after ${GATE_AT} of 5 images`);
    // As the message says: the same form now continues the run.
    await expect.poll(() => page.getByTestId('run-start').textContent()).toBe('Continue run');
    // The run keeps the items it committed before the gate.
    const db2 = new Database(join(ws, 'tessera.db'), { readonly: true });
    const run = db2
      .prepare(
        "SELECT status, (SELECT COUNT(DISTINCT sample_id) FROM predictions p WHERE p.run_id = runs.id) AS n FROM runs WHERE name = 'to-cancel'",
      )
      .get() as { status: string; n: number };
    db2.close();
    expect(run.n).toBe(GATE_AT);
    expect(run.status).not.toBe('complete');
    await page.screenshot({ path: join(ARTIFACTS, 'run-cancelled-final.png') });
    expect(errors).toEqual([]);
    await page.close();
  });
});
