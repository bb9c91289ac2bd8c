import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { engineInternals } from '../../../src/main/engine/internals';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { makeFolderDataset, tempDir, writeFolderPredictions } from '../../helpers/fixtures';

// prediction_revs counts every write to a run's predictions per sample (score versions and count
// fingerprints depend on it). Its insert trigger skips a hidden run's rows, which the importer counts
// itself (migration 11): the counters must come out exactly as one per inserted row.
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('prediction counters', () => {
  it('an import counts its rows as the per-row trigger did; visible runs keep the trigger', async () => {
    const t = tempDir();
    const { engine, client } = openTestEngine(join(t.dir, 'ws'));
    cleanups.push(t.cleanup, () => engine.close());
    const data = await makeFolderDataset(t.dir, 5);
    const imported = await finishJob(client, () =>
      client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'd' }),
    );
    const datasetId = Number(imported.result?.['datasetId']);
    // The last one all background: no region, so no counter row either.
    const preds = writeFolderPredictions(
      join(t.dir, 'preds'),
      data.labels.map((l, i) => (i === 4 ? new Uint8Array(l.length) : l)),
    );
    const done = await finishJob(client, () => client.call('runs.importPredictions', { datasetId, run: 'p', format: 'png', path: preds }));
    expect(done.status).toBe('succeeded');
    const db = engineInternals(engine).db;
    const counters = () => db.prepare('SELECT run_id, sample_id, rev FROM prediction_revs ORDER BY 1, 2').raw().all();
    const rows = db.prepare('SELECT run_id, sample_id, COUNT(*) FROM predictions GROUP BY 1, 2 ORDER BY 1, 2').raw().all();
    expect(rows).toHaveLength(4);
    expect(counters()).toEqual(rows);

    // A visible run's insert still raises its counter by one, through the trigger.
    const [runId, sampleId, rev] = rows[0] as [number, number, number];
    db.prepare(
      `INSERT INTO predictions (run_id, sample_id, class_idx, instance, height, width, rle, area) VALUES (?, ?, 250, 0, 48, 64, '0', 0)`,
    ).run(runId, sampleId);
    expect(db.prepare('SELECT rev FROM prediction_revs WHERE run_id = ? AND sample_id = ?').pluck().get(runId, sampleId)).toBe(rev + 1);
    // A hidden run's is left to its importer.
    db.prepare("UPDATE runs SET hidden_by = 'job-x' WHERE id = ?").run(runId);
    db.prepare(
      `INSERT INTO predictions (run_id, sample_id, class_idx, instance, height, width, rle, area) VALUES (?, ?, 251, 0, 48, 64, '0', 0)`,
    ).run(runId, sampleId);
    expect(db.prepare('SELECT rev FROM prediction_revs WHERE run_id = ? AND sample_id = ?').pluck().get(runId, sampleId)).toBe(rev + 1);
  });
});
