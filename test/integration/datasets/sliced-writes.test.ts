import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createEngine } from '../../../src/main/engine/engine';
import { createClient, inProcessTransport } from '../../../src/shared';
import { fillGalleryWorkspace } from '../../../bench/galleryWorkspace';
import { engineInternals } from '../../../src/main/engine/internals';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { makeFolderDataset, tempDir, writeFolderPredictions, writeGreyMask } from '../../helpers/fixtures';
import { BIN, tessera } from '../../helpers/cli';
import { hiddenRows } from '../../../src/main/engine/store/hiddenRows';
import { currentOwner, processStartTicks } from '../../../src/main/engine/jobs/owner';

// Imports write in slices, the dataset or run hidden until the last one (datasets/slicedWrite.ts),
// so the engine's event loop is free between slices and nothing half-written is ever listed. The
// test gate (jobs/testGate.ts, index -k = after slice k) holds an import between two slices;
// TESSERA_TEST_SLICE_ITEMS makes a small import take several slices.
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  delete process.env['TESSERA_TEST_GATE'];
  delete process.env['TESSERA_TEST_SLICE_ITEMS'];
  for (const c of cleanups.splice(0).reverse()) await c();
});

const TABLES = ['datasets', 'classes', 'images', 'samples', 'annotations', 'runs', 'predictions', 'metric_rows', 'metric_samples'];

function counts(db: Database.Database): Record<string, number> {
  return Object.fromEntries(TABLES.map((t) => [t, db.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get() as number]));
}

async function waitFor(file: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`${file} never appeared`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function setup(images = 7) {
  const t = tempDir();
  const { engine, client } = openTestEngine(join(t.dir, 'ws'));
  cleanups.push(t.cleanup, () => engine.close());
  const data = await makeFolderDataset(t.dir, images);
  return { root: t.dir, engine, client, data, db: engineInternals(engine).db };
}

/** setup() with the folder imported as dataset 'base' and prediction PNGs made from its label maps (preds/). */
async function setupWithPredictions() {
  const env = await setup();
  const imported = await finishJob(env.client, () =>
    env.client.call('datasets.importFolder', { dir: env.data.images, masksDir: env.data.masks, name: 'base' }),
  );
  const datasetId = Number(imported.result?.['datasetId']);
  // Predictions: the ground-truth label maps (their one void pixel as background), named like the images.
  const preds = writeFolderPredictions(join(env.root, 'preds'), env.data.labels);
  return { ...env, datasetId, preds };
}

describe('imports written in slices', () => {
  it('a dataset is hidden while its slices are written, answers go on meanwhile, and it shows whole at the end', async () => {
    const { root, client, data, db } = await setup();
    const gate = join(root, 'gate');
    process.env['TESSERA_TEST_SLICE_ITEMS'] = '2';
    process.env['TESSERA_TEST_GATE'] = `-2:${gate}`;
    const done = finishJob(client, () => client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'sliced' }));
    await waitFor(`${gate}.waiting`);
    // Held after two slices: four images are in the store, and nothing of them is listed or reachable.
    const hidden = db.prepare('SELECT id FROM datasets WHERE hidden_by IS NOT NULL').pluck().all() as number[];
    expect(hidden).toHaveLength(1);
    expect(db.prepare('SELECT COUNT(*) FROM images WHERE dataset_id = ?').pluck().get(hidden[0])).toBe(4);
    expect(await client.call('datasets.list', {})).toEqual([]);
    await expect(client.call('images.page', { datasetId: hidden[0]!, limit: 10 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(client.call('datasets.get', { datasetId: hidden[0]! })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // The engine answers between slices.
    await client.call('workspace.info', {});
    writeFileSync(gate, '');
    const finished = await done;
    expect(finished.status).toBe('succeeded');
    const [dataset] = await client.call('datasets.list', {});
    expect(dataset).toMatchObject({ id: hidden[0], name: 'sliced', imageCount: 7, annotatedImageCount: 7 });
    expect(db.prepare('SELECT COUNT(*) FROM datasets WHERE hidden_by IS NOT NULL').pluck().get()).toBe(0);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('a cancel between slices removes what was written: the store is as it was', async () => {
    const { root, client, data, db } = await setup();
    const before = counts(db);
    const gate = join(root, 'gate');
    process.env['TESSERA_TEST_SLICE_ITEMS'] = '2';
    process.env['TESSERA_TEST_GATE'] = `-1:${gate}`;
    let jobId = '';
    const done = finishJob(client, async () => {
      const started = await client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'cancelled' });
      jobId = started.jobId;
      return started;
    });
    await waitFor(`${gate}.waiting`);
    expect(db.prepare('SELECT COUNT(*) FROM images').pluck().get()).toBe(2);
    await client.call('jobs.cancel', { jobId });
    const finished = await done;
    expect(finished.status).toBe('cancelled');
    expect(counts(db)).toEqual(before);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });

  it('a prediction import is a hidden run until its last slice, and a cancel takes it away', async () => {
    const { root, client, db, datasetId, preds } = await setupWithPredictions();
    const before = counts(db);
    const gate = join(root, 'gate');
    process.env['TESSERA_TEST_SLICE_ITEMS'] = '3';
    process.env['TESSERA_TEST_GATE'] = `-1:${gate}`;
    let jobId = '';
    const cancelled = finishJob(client, async () => {
      const started = await client.call('runs.importPredictions', { datasetId, run: 'p', format: 'png', path: preds });
      jobId = started.jobId;
      return started;
    });
    await waitFor(`${gate}.waiting`);
    expect(db.prepare('SELECT COUNT(DISTINCT sample_id) FROM predictions').pluck().get()).toBe(3);
    expect(await client.call('runs.list', { datasetId })).toEqual([]);
    await client.call('jobs.cancel', { jobId });
    expect((await cancelled).status).toBe('cancelled');
    expect(counts(db)).toEqual(before);

    // Let through: the run appears whole, scored while imported.
    delete process.env['TESSERA_TEST_GATE'];
    const ok = await finishJob(client, () => client.call('runs.importPredictions', { datasetId, run: 'p', format: 'png', path: preds }));
    expect(ok.status).toBe('succeeded');
    const runs = await client.call('runs.list', { datasetId });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ name: 'p', status: 'complete', predictedSamples: 7 });
    const scores = await client.call('metrics.scores', { datasetId, runId: runs[0]!.id });
    expect(scores.semantic?.miou).toBe(1);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('PNG predictions are written while later files are read: a bad file after written slices leaves the store as it was', async () => {
    const { root, client, db, datasetId, preds } = await setupWithPredictions();
    const name = (i: number): string => `img_${String(i).padStart(3, '0')}`;
    // The last file (in name order) holds a value that is no class of the dataset.
    writeGreyMask(join(preds, `${name(6)}.png`), 64, 48, new Uint8Array(64 * 48).fill(77));
    const before = counts(db);
    const gate = join(root, 'gate');
    process.env['TESSERA_TEST_SLICE_ITEMS'] = '2';
    process.env['TESSERA_TEST_GATE'] = `-2:${gate}`;
    const failed = finishJob(client, () => client.call('runs.importPredictions', { datasetId, run: 'p', format: 'png', path: preds }));
    await waitFor(`${gate}.waiting`);
    // Two slices are written, hidden; the bad file has not been reached yet.
    expect(db.prepare('SELECT COUNT(DISTINCT sample_id) FROM predictions').pluck().get()).toBe(4);
    expect(await client.call('runs.list', { datasetId })).toEqual([]);
    writeFileSync(gate, '');
    const done = await failed;
    expect(done.status).toBe('failed');
    expect(done.error?.message).toBe(`${join(preds, `${name(6)}.png`)}: value 77 (3072 pixels) is not a class of the dataset (0..3)`);
    expect(counts(db)).toEqual(before);
    expect(db.prepare('SELECT COUNT(*) FROM prediction_revs').pluck().get()).toBe(0);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');

    // Two files for one image (a.png and a.PNG) are refused before anything is written, naming both.
    delete process.env['TESSERA_TEST_GATE'];
    writeGreyMask(join(preds, `${name(6)}.png`), 64, 48, new Uint8Array(64 * 48));
    writeGreyMask(join(preds, `${name(1)}.PNG`), 64, 48, new Uint8Array(64 * 48));
    const twice = await finishJob(client, () => client.call('runs.importPredictions', { datasetId, run: 'p', format: 'png', path: preds }));
    expect(twice.error?.message).toBe(
      `${join(preds, `${name(1)}.png`)}: ${name(1)}.PNG and ${name(1)}.png are both predictions for image ${name(1)}.png`,
    );
    expect(counts(db)).toEqual(before);
  });

  it('a live import stays hidden from other processes; killed between slices, it is removed by the next process to open the workspace', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const ws = join(t.dir, 'ws');
    const data = await makeFolderDataset(t.dir, 7);
    expect(tessera(['--workspace', ws, 'init']).code).toBe(0);
    const gate = join(t.dir, 'gate');
    const child = spawn(process.execPath, [BIN, '--workspace', ws, 'import', 'folder', data.images, '--masks', data.masks], {
      stdio: 'ignore',
      env: { ...process.env, TESSERA_WORKSPACE: '', TESSERA_TEST_GATE: `-2:${gate}`, TESSERA_TEST_SLICE_ITEMS: '2' },
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await waitFor(`${gate}.waiting`);
    // Another process opening the workspace meanwhile neither lists the import nor removes it: its job is alive.
    const during = tessera(['--workspace', ws, 'datasets', 'list', '--json']);
    expect(during.code).toBe(0);
    expect(JSON.parse(during.stdout)).toEqual([]);
    const live = new Database(join(ws, 'tessera.db'), { readonly: true });
    expect(live.prepare('SELECT COUNT(*) FROM images').pluck().get()).toBe(4);
    live.close();
    child.kill('SIGKILL');
    await exited;
    const raw = new Database(join(ws, 'tessera.db'), { readonly: true });
    expect(raw.prepare('SELECT COUNT(*) FROM images').pluck().get()).toBe(4);
    raw.close();

    // A CLI listing opens the workspace: the dead process's hidden dataset goes, nothing is listed.
    const listed = tessera(['--workspace', ws, 'datasets', 'list', '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([]);
    const engine = createEngine({ workspace: ws });
    cleanups.push(() => engine.close());
    const db = engineInternals(engine).db;
    expect(counts(db)).toMatchObject({ datasets: 0, classes: 0, images: 0, samples: 0, annotations: 0 });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(readdirSync(ws)).toContain('tessera.db');
  });
});

const fileSha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('WAL checkpoints between slices', () => {
  it("the read worker checkpoints the WAL between an import's slices, so the engine's own commits need not (store/walCheckpoint.ts)", async () => {
    // Whether the database file itself changed during the import (pages copied in from the WAL).
    const changed: Record<string, boolean> = {};
    for (const readWorker of [true, false]) {
      const t = tempDir();
      const engine = createEngine({ workspace: join(t.dir, 'ws'), create: true, readWorker });
      cleanups.push(t.cleanup, () => engine.close());
      const client = createClient(inProcessTransport({ dispatch: engine.dispatch, subscribe: (l) => engine.events.subscribe(l) }));
      const db = engineInternals(engine).db;
      await client.call('datasets.list', {}); // starts the read worker, as the app's first screen does
      // Only a checkpoint made elsewhere can move pages into the database file now.
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.pragma('wal_autocheckpoint = 0');
      const before = fileSha(engine.paths.db);
      const data = await makeFolderDataset(t.dir, 12, { w: 160, h: 120 });
      process.env['TESSERA_TEST_SLICE_ITEMS'] = '2';
      const finished = await finishJob(client, () =>
        client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'wal' }),
      );
      expect(finished.status).toBe('succeeded');
      changed[readWorker ? 'worker' : 'no worker'] = fileSha(engine.paths.db) !== before;
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    }
    expect(changed).toEqual({ worker: true, 'no worker': false });
  });
});

describe('deletes done in slices', () => {
  async function gallery(count: number) {
    const t = tempDir();
    const engine = createEngine({ workspace: join(t.dir, 'ws'), create: true });
    cleanups.push(t.cleanup, () => engine.close());
    const g = fillGalleryWorkspace(engine, count);
    const client = createClient(inProcessTransport({ dispatch: engine.dispatch, subscribe: (l) => engine.events.subscribe(l) }));
    return { t, engine, client, g, db: engineInternals(engine).db };
  }

  it('a run or dataset delete hides it at once, and other calls are answered before it ends', async () => {
    const { client, g, db } = await gallery(1500);
    const order: string[] = [];
    const deleted = client.call('runs.delete', { runId: g.runId }).then(() => order.push('delete'));
    const info = client.call('workspace.info', {}).then(() => order.push('info'));
    const runs = client.call('runs.list', { datasetId: g.datasetId });
    await Promise.all([deleted, info]);
    expect(order).toEqual(['info', 'delete']);
    expect((await runs).map((r) => r.id)).toEqual([g.partialRunId]);
    for (const table of ['predictions', 'metric_rows', 'metric_samples', 'prediction_revs'])
      expect(db.prepare(`SELECT COUNT(*) FROM ${table} WHERE run_id = ?`).pluck().get(g.runId), table).toBe(0);

    order.length = 0;
    const gone = client.call('datasets.delete', { datasetId: g.datasetId }).then(() => order.push('delete'));
    const pinged = client.call('workspace.info', {}).then(() => order.push('info'));
    const listed = client.call('datasets.list', {});
    await Promise.all([gone, pinged]);
    expect(order).toEqual(['info', 'delete']);
    expect(await listed).toEqual([]);
    expect(counts(db)).toEqual(Object.fromEntries(TABLES.map((t) => [t, 0])));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });

  it('a delete its process did not finish is finished by the next process to open the workspace', async () => {
    const { t, engine, g, db } = await gallery(40);
    db.prepare("UPDATE datasets SET hidden_by = 'delete' WHERE id = ?").run(g.datasetId);
    await engine.close();
    const again = createEngine({ workspace: join(t.dir, 'ws') });
    cleanups.push(() => again.close());
    expect(counts(engineInternals(again).db)).toEqual(Object.fromEntries(TABLES.map((t) => [t, 0])));
  });

  it('a delete another live process is still doing is left to it by an open; once that process is gone, the next open finishes it', async () => {
    const { t, engine, g, db } = await gallery(40);
    // Another process (a `tessera serve` deleting it in slices): a live child stands for it.
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    cleanups.push(() => void other.kill('SIGKILL'));
    await new Promise<void>((r) => other.once('spawn', () => r()));
    const owner = { pid: other.pid!, host: currentOwner().host, start: processStartTicks(other.pid!) };
    hiddenRows(db).hideForDelete('datasets', g.datasetId, owner);
    const rowsBefore = counts(db);
    await engine.close();
    const opened = createEngine({ workspace: join(t.dir, 'ws') });
    // Its rows stay for their owner (they used to be deleted in one transaction, logged as a half-import).
    expect(counts(engineInternals(opened).db)).toEqual(rowsBefore);
    await opened.close();
    other.kill('SIGKILL');
    await new Promise<void>((r) => (other.exitCode !== null || other.signalCode !== null ? r() : other.once('exit', () => r())));
    const after = createEngine({ workspace: join(t.dir, 'ws') });
    cleanups.push(() => after.close());
    expect(counts(engineInternals(after).db)).toEqual(Object.fromEntries(TABLES.map((t) => [t, 0])));
  });
});

describe('score catch-up in slices', () => {
  it('counting a run that has no scores yet leaves the engine answering, and scores it whole', async () => {
    const t = tempDir();
    const engine = createEngine({ workspace: join(t.dir, 'ws'), create: true });
    cleanups.push(t.cleanup, () => engine.close());
    const g = fillGalleryWorkspace(engine, 3000);
    const client = createClient(inProcessTransport({ dispatch: engine.dispatch, subscribe: (l) => engine.events.subscribe(l) }));
    const db = engineInternals(engine).db;
    // The partial run has predictions on every other image and no stored counts: its first score read counts them all.
    expect(db.prepare('SELECT COUNT(*) FROM metric_samples WHERE run_id = ?').pluck().get(g.partialRunId)).toBe(0);
    // Looking at the stored counts whenever the event loop turns: the catch-up is seen part-way.
    const seen = new Set<number>();
    let settled = false;
    const scored = client.call('metrics.scores', { datasetId: g.datasetId, runId: g.partialRunId }).finally(() => (settled = true));
    while (!settled) {
      seen.add(db.prepare('SELECT COUNT(*) FROM metric_samples WHERE run_id = ?').pluck().get(g.partialRunId) as number);
      await new Promise((r) => setImmediate(r));
    }
    const scores = await scored;
    expect([...seen].some((n) => n > 0 && n < scores.images)).toBe(true);
    const predicted = db
      .prepare('SELECT COUNT(DISTINCT sample_id) FROM predictions WHERE run_id = ?')
      .pluck()
      .get(g.partialRunId) as number;
    expect(predicted).toBeGreaterThan(1000);
    expect(db.prepare('SELECT COUNT(*) FROM metric_samples WHERE run_id = ?').pluck().get(g.partialRunId)).toBe(
      scores.semantic === null ? 0 : scores.images,
    );
    expect(scores.images).toBeGreaterThan(1000);
  });
});
