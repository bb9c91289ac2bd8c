/**
 * Probe U: released migrations were edited after some builds had run them, so workspaces those builds
 * wrote reached the current version with another schema. Today's build left them unusable ("no such
 * column: hidden_by" on every command, "no such column: c.meta", "no such table:
 * sample_list_snapshots" on every score sort) or with clocks that never moved. Each case below makes
 * the end state such a build left (the variant's statements, or their effect on the final schema) on
 * a real workspace, then opens it: the schema is the canonical one, every row is kept, every score is
 * the same, and writing works again.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ImportResult } from '../../../src/shared';
import { PredictionsImportResult } from '../../../src/shared/api/methods/datasets';
import { schemaRepairsOf } from '../../../src/main/engine/store/db';
import { migrations, SCHEMA_VERSION } from '../../../src/main/engine/store/migrations';
import {
  canonicalDatabase,
  hasCanonicalSchema,
  schemaFingerprint,
  schemaTextFingerprint,
  SCHEMA_FINGERPRINT,
  SCHEMA_TEXT_FINGERPRINT,
} from '../../../src/main/engine/store/schemaRepair';
import { engineInternals } from '../../../src/main/engine/internals';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { rectLabels, tempDir, writeGreyMask, writeSolidImage } from '../../helpers/fixtures';

const W = 16;
const H = 12;

/**
 * sha1 of each released migration's text. A released migration is never edited (workspaces that ran
 * it keep what it made): append a new one, and add its hash here.
 */
const RELEASED_HASHES = [
  '0c6ced7f51e0', // 0 -> 1
  '6a079c8a9303', // 1 -> 2
  '1fcba5e7ea9c', // 2 -> 3
  'f865b2c1dfc4', // 3 -> 4
  '41e53f0a6120', // 4 -> 5
  '2f91bc016572', // 5 -> 6
  '163dd419791e', // 6 -> 7
  '85ac9a1ede38', // 7 -> 8
  'a6c1b91f45a7', // 8 -> 9
  '9099f2cf9de1', // 9 -> 10
  '7e1340888191', // 10 -> 11
  'da2418929281', // 11 -> 12
  '36e39afe2cc0', // 12 -> 13
  '699b72e1da52', // 13 -> 14
  'd797a9a481b0', // 14 -> 15
  '4e12979fca8a', // 15 -> 16
  '5a7580dec59c', // 16 -> 17
  'da5c16e936f4', // 17 -> 18
  'd93080871e02', // 18 -> 19
  '92caea6e9d41', // 19 -> 20
  'ffb860dc682c', // 20 -> 21
  '16b025971ec3', // 21 -> 22
];

async function workspace(root: string): Promise<{ ws: string; scores: unknown; perImage: unknown; counts: Record<string, number> }> {
  const images = join(root, 'img');
  const masks = join(root, 'mask');
  const preds = join(root, 'pred');
  for (const d of [images, masks, preds]) mkdirSync(d, { recursive: true });
  for (let k = 0; k < 4; k++) {
    await writeSolidImage(join(images, `im${k}.png`), W, H, [k * 40, 60, 90]);
    writeGreyMask(join(masks, `im${k}.png`), W, H, rectLabels(W, H, { x: 1, y: 1, w: 6, h: 5 }, 1));
    writeGreyMask(join(preds, `im${k}.png`), W, H, rectLabels(W, H, { x: 1 + k, y: 2, w: 6, h: 5 }, 1));
  }
  const ws = join(root, 'ws');
  const { engine, client } = openTestEngine(ws);
  try {
    const ds = ImportResult.parse(
      (await finishJob(client, () => client.call('datasets.importFolder', { dir: images, masksDir: masks }))).result,
    );
    const run = PredictionsImportResult.parse(
      (
        await finishJob(client, () =>
          client.call('runs.importPredictions', { datasetId: ds.datasetId, run: 'p', format: 'png', path: preds }),
        )
      ).result,
    );
    expect(
      (await finishJob(client, () => client.call('metrics.evaluate', { datasetId: ds.datasetId, runId: run.runId }))).error,
    ).toBeNull();
    const scores = await client.call('metrics.scores', { datasetId: ds.datasetId, runId: run.runId });
    const perImage = await client.call('metrics.perImage', { datasetId: ds.datasetId, runId: run.runId });
    return { ws, scores, perImage, counts: rowCounts(engineInternals(engine).db) };
  } finally {
    await engine.close();
  }
}

function rowCounts(db: Database.Database): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of [
    'datasets',
    'images',
    'samples',
    'annotations',
    'annotation_versions',
    'runs',
    'predictions',
    'metric_rows',
    'metric_samples',
  ])
    out[t] = (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
  return out;
}

/** Each variant: what a build with an edited migration left, made on a canonical workspace. */
const variants: Array<[string, (db: Database.Database) => void, RegExp]> = [
  [
    '4e1c89b: migration 10 named the hidden column import_job (renamed hidden_by later)',
    (db) => {
      // The broken store: the column under its old name, and the later migrations' triggers that name hidden_by.
      const triggers = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger'").pluck().all() as string[];
      for (const name of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").pluck().all() as string[])
        db.exec(`DROP TRIGGER "${name}"`);
      db.exec('ALTER TABLE datasets RENAME COLUMN hidden_by TO import_job; ALTER TABLE runs RENAME COLUMN hidden_by TO import_job;');
      for (const sql of triggers) db.exec(sql);
    },
    /column datasets\.import_job renamed hidden_by/,
  ],
  [
    '47e166a: migration 9 without sample_list_snapshots',
    (db) => db.exec('DROP TABLE sample_list_snapshots'),
    /table sample_list_snapshots created/,
  ],
  [
    '46ca8a3: migration 13 without dataset_clocks.meta',
    (db) => {
      db.exec(`DROP TABLE dataset_clocks;
        CREATE TABLE dataset_clocks (dataset_id INTEGER PRIMARY KEY, samples INTEGER NOT NULL DEFAULT 0, other INTEGER NOT NULL DEFAULT 0);
        INSERT INTO dataset_clocks (dataset_id) SELECT id FROM datasets;`);
    },
    /column dataset_clocks\.meta added/,
  ],
  [
    'c2fa257: migration 12 kept prediction_clocks (run_clocks later) and the older stale-score triggers',
    (db) => {
      db.exec(`DROP TABLE run_clocks; CREATE TABLE prediction_clocks (run_id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
        DROP TRIGGER run_clocks_run_delete;
        CREATE TRIGGER prediction_clocks_run_delete AFTER DELETE ON runs BEGIN DELETE FROM prediction_clocks WHERE run_id = OLD.id; END;`);
    },
    /table run_clocks created/,
  ],
  [
    'c2fa257 at schema 17: migration 18 bumps run_clocks, which that store lacks (probe W: every command failed)',
    (db) => {
      db.exec(`DROP TABLE run_clocks; CREATE TABLE prediction_clocks (run_id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
        DROP TRIGGER run_clocks_run_delete;
        CREATE TRIGGER prediction_clocks_run_delete AFTER DELETE ON runs BEGIN DELETE FROM prediction_clocks WHERE run_id = OLD.id; END;
        DROP TABLE run_samples;`);
      db.pragma('user_version = 17');
    },
    /table run_clocks created/,
  ],
  [
    "b4de497: migration 8 without the 'runs and classes' clock, its triggers bumping the samples clock",
    (db) => {
      db.exec(`DELETE FROM score_inputs_clock WHERE id = 3; DROP TRIGGER score_inputs_runs_update;
        CREATE TRIGGER score_inputs_runs_update AFTER UPDATE ON runs BEGIN UPDATE score_inputs_clock SET n = n + 1 WHERE id = 1; END;`);
    },
    /trigger score_inputs_runs_update rewritten/,
  ],
];

describe('workspaces whose migrations were edited after they ran', () => {
  it('the canonical schema has the fingerprints the store compares with', () => {
    const db = canonicalDatabase();
    expect(schemaFingerprint(db), 'update SCHEMA_FINGERPRINT in store/schemaRepair.ts after adding a migration').toBe(SCHEMA_FINGERPRINT);
    expect(schemaTextFingerprint(db), 'update SCHEMA_TEXT_FINGERPRINT in store/schemaRepair.ts after adding a migration').toBe(
      SCHEMA_TEXT_FINGERPRINT,
    );
  });

  it('no released migration is edited (append a new one instead)', () => {
    const hashes = migrations.map((m) => createHash('sha1').update(m).digest('hex').slice(0, 12));
    expect(hashes.slice(0, RELEASED_HASHES.length)).toEqual(RELEASED_HASHES);
    expect(hashes.length, 'a new migration: add its hash to RELEASED_HASHES').toBe(RELEASED_HASHES.length);
  });

  it.each(variants)('%s: opened, repaired in place, every row and score kept, writes work', async (_, make, change) => {
    const t = tempDir();
    try {
      const before = await workspace(t.dir);
      const file = join(before.ws, 'tessera.db');
      const raw = new Database(file);
      // Kept lists and summaries a variant's clocks left unmoved must not be served after the repair.
      const kept = (raw.prepare('SELECT COUNT(*) FROM score_snapshots').pluck().get() as number) + 0;
      make(raw);
      expect(hasCanonicalSchema(raw)).toBe(false);
      raw.close();

      const { engine, client } = openTestEngine(before.ws);
      try {
        const { db } = engineInternals(engine);
        expect(schemaRepairsOf(db).join('; ')).toMatch(change);
        expect(hasCanonicalSchema(db)).toBe(true);
        expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(db.pragma('foreign_key_check')).toEqual([]);
        expect(rowCounts(db)).toEqual(before.counts);
        expect(kept).toBeGreaterThanOrEqual(0);
        expect(db.prepare('SELECT COUNT(*) FROM score_snapshots').pluck().get()).toBe(0);
        const [dataset] = await client.call('datasets.list', {});
        const runs = await client.call('runs.list', { datasetId: dataset!.id });
        expect(await client.call('metrics.scores', { datasetId: dataset!.id, runId: runs[0]!.id })).toEqual(before.scores);
        expect(await client.call('metrics.perImage', { datasetId: dataset!.id, runId: runs[0]!.id })).toEqual(before.perImage);
        // Writes work again: a rename, a tag and a second run's import, then its score.
        await client.call('runs.rename', { runId: runs[0]!.id, name: 'p2' });
        const imported = await finishJob(client, () =>
          client.call('runs.importPredictions', { datasetId: dataset!.id, run: 'again', format: 'png', path: join(t.dir, 'pred') }),
        );
        expect(imported.error).toBeNull();
        const again = PredictionsImportResult.parse(imported.result).runId;
        expect((await finishJob(client, () => client.call('metrics.evaluate', { datasetId: dataset!.id, runId: again }))).error).toBeNull();
        const rescored = await client.call('metrics.scores', { datasetId: dataset!.id, runId: again });
        expect(rescored.semantic).toEqual((before.scores as typeof rescored).semantic);
      } finally {
        await engine.close();
      }
      // Opened again: nothing left to repair.
      const { engine: second } = openTestEngine(before.ws);
      expect(schemaRepairsOf(engineInternals(second).db)).toEqual([]);
      await second.close();
    } finally {
      t.cleanup();
    }
  });

  it('c2fa257 at schema 17 with a subset model run: migration 18 backfills it through run_clocks, made first (probe W: every command failed)', async () => {
    const t = tempDir();
    try {
      const { ws } = await workspace(t.dir);
      const raw = new Database(join(ws, 'tessera.db'));
      raw.exec(`DROP TABLE run_clocks; CREATE TABLE prediction_clocks (run_id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
        DROP TRIGGER run_clocks_run_delete; DROP TABLE run_samples;
        INSERT INTO tags (name) VALUES ('t'); INSERT INTO image_tags (image_id, tag_id) SELECT MIN(id), (SELECT id FROM tags WHERE name = 't') FROM images;
        UPDATE runs SET source = 'model', params = json_set(params, '$.subset', 't');`);
      raw.pragma('user_version = 17');
      raw.close();
      const { engine } = openTestEngine(ws);
      try {
        const { db } = engineInternals(engine);
        expect(schemaRepairsOf(db).join('; ')).toMatch(/table run_clocks created/);
        expect(hasCanonicalSchema(db)).toBe(true);
        expect(db.prepare('SELECT COUNT(*) FROM run_samples').pluck().get()).toBeGreaterThan(0);
      } finally {
        await engine.close();
      }
    } finally {
      t.cleanup();
    }
  });

  it('an upgrade while another process has the workspace open is refused in one line, the file left as it was', async () => {
    const t = tempDir();
    try {
      const { ws } = await workspace(t.dir);
      const file = join(ws, 'tessera.db');
      const raw = new Database(file);
      // Schema 17 as a build of that time left it; that build's `serve` keeps the file open.
      raw.exec('DROP TABLE run_samples');
      raw.pragma('user_version = 17');
      expect(() => openTestEngine(ws)).toThrow(
        /another process has this workspace open .*; close it, then try again: upgrading it from schema 17 to \d+ needs the workspace to itself$/,
      );
      expect(raw.pragma('user_version', { simple: true })).toBe(17);
      raw.prepare("INSERT INTO tags (name) VALUES ('written by the old process')").run();
      raw.close();
      const { engine } = openTestEngine(ws);
      expect(engineInternals(engine).db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      // After the upgrade the lock is shared again: another connection writes beside it.
      const beside = new Database(file);
      beside.pragma('busy_timeout = 2000');
      beside.prepare("INSERT INTO tags (name) VALUES ('beside')").run();
      beside.close();
      await engine.close();
    } finally {
      t.cleanup();
    }
  });

  it('an upgrade that fails part way leaves the workspace at the version it had (one transaction)', async () => {
    const t = tempDir();
    try {
      const { ws } = await workspace(t.dir);
      const file = join(ws, 'tessera.db');
      const raw = new Database(file);
      // Back to schema 15 as a build of that time left it, plus a table migration 17 will fail to create.
      raw.exec(`DROP TRIGGER retired_ids_runs; DROP TRIGGER retired_ids_datasets; DROP TRIGGER retired_ids_images; DROP TRIGGER retired_ids_models;
        DROP TABLE run_samples; DROP TABLE retired_ids; CREATE TABLE retired_ids (x INTEGER);`);
      raw.pragma('user_version = 15');
      raw.close();
      expect(() => openTestEngine(ws)).toThrow(/retired_ids/);
      const after = new Database(file, { readonly: true });
      expect(after.pragma('user_version', { simple: true })).toBe(15);
      after.close();
    } finally {
      t.cleanup();
    }
  });
});
