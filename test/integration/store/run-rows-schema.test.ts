import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { engineInternals } from '../../../src/main/engine/internals';
import { migrations, SCHEMA_VERSION } from '../../../src/main/engine/store/migrations';
import { hasCanonicalSchema } from '../../../src/main/engine/store/schemaRepair';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { makeFolderDataset, tempDir, writeFolderPredictions } from '../../helpers/fixtures';

type TestEngine = ReturnType<typeof openTestEngine>;

// Migration 19: a run's regions (predictions) and counts (metric_rows) hang off the run alone. An index
// leading with sample_id took an entry on nearly every one of its pages at each import, so imports
// rewrote it whole and slowed as runs piled up; it served only the cascade from samples, which are
// deleted only with their dataset, after its runs.
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * The two tables as schema 18 had them (a sample_id foreign key and an index on it each), read from
 * a database the first 18 migrations made: their tables, then their indexes and triggers.
 */
function schema18(): { tables: string; rest: string } {
  const old = new Database(':memory:');
  for (const step of migrations.slice(0, 18)) old.exec(step);
  const sql = (type: string): string =>
    (
      old
        .prepare(
          `SELECT sql FROM sqlite_master WHERE type = ? AND tbl_name IN ('predictions', 'metric_rows') AND sql IS NOT NULL ORDER BY name`,
        )
        .pluck()
        .all(type) as string[]
    )
      .map((q) => `${q};`)
      .join('\n');
  const made = { tables: `DROP TABLE predictions; DROP TABLE metric_rows;\n${sql('table')}`, rest: `${sql('index')}\n${sql('trigger')}` };
  old.close();
  return made;
}

/** Indexes of a table whose first column is sample_id. */
function sampleLeadingIndexes(db: Database.Database, table: string): string[] {
  const indexes = db.prepare(`PRAGMA index_list(${table})`).all() as Array<{ name: string }>;
  return indexes
    .filter((i) => (db.prepare(`PRAGMA index_info(${i.name})`).all() as Array<{ seqno: number; name: string }>)[0]?.name === 'sample_id')
    .map((i) => i.name);
}

function sampleForeignKeys(db: Database.Database, table: string): string[] {
  return (db.prepare(`PRAGMA foreign_key_list(${table})`).all() as Array<{ from: string; table: string }>)
    .filter((f) => f.from === 'sample_id')
    .map((f) => f.table);
}

const everyRow = (db: Database.Database): unknown => ({
  predictions: db.prepare('SELECT * FROM predictions ORDER BY id').raw().all(),
  metric_rows: db.prepare('SELECT * FROM metric_rows ORDER BY run_id, sample_id, class_idx').raw().all(),
  prediction_revs: db.prepare('SELECT * FROM prediction_revs ORDER BY run_id, sample_id').raw().all(),
});

/** A dataset of 6 images with two prediction runs, both scored. */
async function scoredWorkspace(dir: string): Promise<{ env: TestEngine; datasetId: number; runIds: number[] }> {
  const env = openTestEngine(join(dir, 'ws'));
  const { client } = env;
  const data = await makeFolderDataset(dir, 6);
  const imported = await finishJob(client, () =>
    client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'd' }),
  );
  const datasetId = Number(imported.result?.['datasetId']);
  const runIds: number[] = [];
  for (const [k, shift] of [1, 2].entries()) {
    // Each run: speckles of class `shift` on the background, and the objects of that class missed.
    const labels = data.labels.map((l, i) =>
      l.map((v, p) => (v === 0 || v === 255 ? (p % (7 + i) === 0 ? shift : 0) : v === shift ? 0 : v)),
    );
    const preds = writeFolderPredictions(join(dir, `preds-${k}`), labels);
    const done = await finishJob(client, () =>
      client.call('runs.importPredictions', { datasetId, run: `p${k}`, format: 'png', path: preds }),
    );
    const runId = Number(done.result?.['runId']);
    await finishJob(client, () => client.call('metrics.evaluate', { datasetId, runId }));
    runIds.push(runId);
  }
  return { env, datasetId, runIds };
}

describe("a run's rows (schema 19)", () => {
  it('a new workspace has no index leading with sample_id on predictions or metric_rows, and metric_rows has no rowid', () => {
    const t = tempDir();
    const env = openTestEngine(join(t.dir, 'ws'));
    cleanups.push(t.cleanup, () => env.engine.close());
    const { db } = engineInternals(env.engine);
    for (const table of ['predictions', 'metric_rows']) {
      expect(sampleLeadingIndexes(db, table), table).toEqual([]);
      expect(sampleForeignKeys(db, table), table).toEqual([]);
    }
    expect(() => db.prepare('SELECT rowid FROM metric_rows').all()).toThrow(/no such column: rowid/);
  });

  it('upgrades a schema-18 workspace keeping every row, score and counter; deletes then leave nothing behind', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const made = await scoredWorkspace(t.dir);
    const { datasetId, runIds } = made;
    let env = made.env;
    let { db } = engineInternals(env.engine);
    const before = everyRow(db);
    const scoresBefore = await Promise.all(runIds.map((runId) => env.client.call('metrics.scores', { datasetId, runId })));
    expect((before as { metric_rows: unknown[] }).metric_rows.length).toBeGreaterThan(12);
    // What schema 18 left: both tables with their sample_id foreign key and index, rows as they were.
    db.exec(`CREATE TEMP TABLE p AS SELECT * FROM predictions; CREATE TEMP TABLE m AS SELECT * FROM metric_rows;`);
    const old = schema18();
    db.transaction(() => {
      db.exec(old.tables);
      db.exec('INSERT INTO predictions SELECT * FROM temp.p; INSERT INTO metric_rows SELECT * FROM temp.m;');
      db.exec(old.rest);
    })();
    db.pragma('user_version = 18');
    expect(sampleLeadingIndexes(db, 'predictions')).toEqual(['predictions_by_sample']);
    expect(sampleLeadingIndexes(db, 'metric_rows')).toEqual(['metric_rows_by_sample']);
    expect(sampleForeignKeys(db, 'predictions')).toEqual(['samples']);
    await env.engine.close();

    env = openTestEngine(join(t.dir, 'ws'));
    cleanups.push(() => env.engine.close());
    db = engineInternals(env.engine).db;
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    // The upgrade copies both tables: the log says it ran and how long it took.
    expect(readFileSync(join(t.dir, 'ws', 'tessera.log'), 'utf8')).toMatch(
      new RegExp(`upgraded from schema 18 to ${SCHEMA_VERSION} in \\d+\\.\\d\\d s`),
    );
    expect(hasCanonicalSchema(db)).toBe(true);
    expect(everyRow(db)).toEqual(before);
    for (const table of ['predictions', 'metric_rows']) expect(sampleLeadingIndexes(db, table), table).toEqual([]);
    const scoresAfter = await Promise.all(runIds.map((runId) => env.client.call('metrics.scores', { datasetId, runId })));
    expect(scoresAfter).toEqual(scoresBefore);

    // The counter triggers came back with the table: a visible run's insert raises its counter.
    const [run0, sample0, rev0] = (before as { prediction_revs: Array<[number, number, number]> }).prediction_revs[0]!;
    db.prepare(
      `INSERT INTO predictions (run_id, sample_id, class_idx, instance, height, width, rle, area) VALUES (?, ?, 250, 0, 48, 64, '0', 0)`,
    ).run(run0, sample0);
    expect(db.prepare('SELECT rev FROM prediction_revs WHERE run_id = ? AND sample_id = ?').pluck().get(run0, sample0)).toBe(rev0 + 1);
    // A score read sees the change as stale and recomputes it from the counters.
    expect(db.prepare('SELECT COUNT(*) FROM stale_scores WHERE run_id = ? AND sample_id = ?').pluck().get(run0, sample0)).toBe(1);

    // A run's delete takes its rows through run_id; the dataset's delete takes everything.
    await env.client.call('runs.delete', { runId: runIds[0]! });
    const left = (table: string, runId: number): number =>
      db.prepare(`SELECT COUNT(*) FROM ${table} WHERE run_id = ?`).pluck().get(runId) as number;
    expect([left('predictions', runIds[0]!), left('metric_rows', runIds[0]!)]).toEqual([0, 0]);
    expect(left('metric_rows', runIds[1]!)).toBeGreaterThan(0);
    await env.client.call('datasets.delete', { datasetId });
    for (const table of ['samples', 'predictions', 'metric_rows', 'metric_samples', 'prediction_revs'])
      expect(db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get(), table).toBe(0);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});
