/**
 * stale_scores (migration 12) against its definition: after any sequence of writes to the tables a
 * stored score's fingerprint is made of, it lists exactly the metric_samples rows whose `rev` is not
 * 'g' || ground-truth counter || 'p' || prediction counter. Real SQLite, real migrations, the writes
 * the product makes (region inserts, edits and deletes through the counter triggers, an importer's
 * own counter upserts, evaluation's upserts, run and sample deletes).
 */
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../../../src/main/engine/store/db';
import { migrations } from '../../../../src/main/engine/store/migrations';
import { currentRunScores, keepsStaleScores, type StoredScoreColumns } from '../../../../src/main/engine/store/staleScores';
import { scoreInputVersions } from '../../../../src/main/engine/store/scoreInputs';
import { random } from '../../../../bench/evalData';
import { BACK_TO_SCHEMA_11, BACK_TO_SCHEMA_12 } from '../../../helpers/schema';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-stale-'));
  dirs.push(dir);
  return join(dir, 'tessera.db');
}

/** The definition: stored rows whose fingerprint is not the current one, as "run:sample", sorted. */
function staleByDefinition(db: Db): string[] {
  return (
    db
      .prepare(
        `SELECT m.run_id || ':' || m.sample_id FROM metric_samples m
         LEFT JOIN ground_truth_revs g ON g.sample_id = m.sample_id
         LEFT JOIN prediction_revs r ON r.run_id = m.run_id AND r.sample_id = m.sample_id
         WHERE m.rev IS NOT ('g' || COALESCE(g.rev, 0) || 'p' || COALESCE(r.rev, 0))`,
      )
      .pluck()
      .all() as string[]
  ).sort();
}

function listed(db: Db): string[] {
  return (db.prepare("SELECT run_id || ':' || sample_id FROM stale_scores").pluck().all() as string[]).sort();
}

/** A dataset of `images` images (one sample each) and `runs` runs; ids returned. */
function seed(db: Db, images: number, runs: number): { samples: number[]; runs: number[] } {
  db.prepare("INSERT INTO datasets (id, name, format, task, created_at) VALUES (1, 'd', 'folder', 'semantic', 'now')").run();
  const samples: number[] = [];
  for (let k = 1; k <= images; k++) {
    db.prepare("INSERT INTO images (id, dataset_id, path, file_name, sha256, bytes, width, height) VALUES (?, 1, ?, ?, 'x', 1, 4, 4)").run(
      k,
      `/p/${k}.png`,
      `${k}.png`,
    );
    samples.push(Number(db.prepare('INSERT INTO samples (image_id) VALUES (?)').run(k).lastInsertRowid));
  }
  const runIds: number[] = [];
  for (let k = 1; k <= runs; k++)
    runIds.push(
      Number(
        db
          .prepare("INSERT INTO runs (dataset_id, name, source, status, created_at) VALUES (1, ?, 'import', 'complete', 'now')")
          .run(`r${k}`).lastInsertRowid,
      ),
    );
  return { samples, runs: runIds };
}

/** The fingerprint evaluation would store now for (run, sample). */
/** The columns as plain arrays (NaN: no score, as null) for toEqual. */
function plain(c: StoredScoreColumns | null): { sampleIds: number[]; scores: Array<number | null> } | null {
  return c === null ? null : { sampleIds: Array.from(c.sampleIds), scores: Array.from(c.scores, (s) => (Number.isNaN(s) ? null : s)) };
}

function currentRev(db: Db, runId: number, sampleId: number): string {
  const g = db.prepare('SELECT rev FROM ground_truth_revs WHERE sample_id = ?').pluck().get(sampleId) as number | undefined;
  const p = db.prepare('SELECT rev FROM prediction_revs WHERE run_id = ? AND sample_id = ?').pluck().get(runId, sampleId) as
    number | undefined;
  return `g${g ?? 0}p${p ?? 0}`;
}

describe('stale_scores lists exactly the stale stored scores', () => {
  it('after random sequences of the writes the product makes', () => {
    for (const seedValue of [1, 2, 3, 4, 5, 6]) {
      const db = openDatabase(tempFile());
      try {
        expect(keepsStaleScores(db)).toBe(true);
        const rnd = random(seedValue * 7919);
        const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
        let { samples, runs } = seed(db, 6, 3);
        const rle = (): string => `rle${Math.floor(rnd() * 1e6)}`;
        const ops: Array<[string, () => void]> = [
          // Ground truth: region insert, a new current version, a delete (migration 6 triggers).
          [
            'region insert',
            () =>
              void db.prepare('INSERT INTO annotations (sample_id, class_idx) VALUES (?, ?)').run(pick(samples), 1 + Math.floor(rnd() * 5)),
          ],
          [
            'region edit',
            () =>
              void db
                .prepare(
                  'UPDATE annotations SET current_version = current_version + 1 WHERE id = (SELECT id FROM annotations ORDER BY random() LIMIT 1)',
                )
                .run(),
          ],
          [
            'region delete',
            () => void db.prepare('DELETE FROM annotations WHERE id = (SELECT id FROM annotations ORDER BY random() LIMIT 1)').run(),
          ],
          // Predictions of a visible run: per-row counter triggers.
          [
            'prediction insert',
            () =>
              void db
                .prepare(
                  'INSERT OR IGNORE INTO predictions (run_id, sample_id, class_idx, instance, height, width, rle, area) VALUES (?, ?, ?, 0, 4, 4, ?, 1)',
                )
                .run(pick(runs), pick(samples), Math.floor(rnd() * 4), rle()),
          ],
          [
            'prediction edit',
            () =>
              void db
                .prepare('UPDATE predictions SET rle = ? WHERE id = (SELECT id FROM predictions ORDER BY random() LIMIT 1)')
                .run(rle()),
          ],
          [
            'prediction delete',
            () => void db.prepare('DELETE FROM predictions WHERE id = (SELECT id FROM predictions ORDER BY random() LIMIT 1)').run(),
          ],
          // An importer's own counter upsert (a hidden run, migration 11).
          [
            'counter upsert',
            () =>
              void db
                .prepare(
                  'INSERT INTO prediction_revs (run_id, sample_id, rev) VALUES (?, ?, ?) ON CONFLICT (run_id, sample_id) DO UPDATE SET rev = rev + excluded.rev',
                )
                .run(pick(runs), pick(samples), 1 + Math.floor(rnd() * 3)),
          ],
          // Writes the product does not make (counters go only with their sample or run): the list holds for any write.
          ['ground-truth counter delete', () => void db.prepare('DELETE FROM ground_truth_revs WHERE sample_id = ?').run(pick(samples))],
          [
            'prediction counter delete',
            () => void db.prepare('DELETE FROM prediction_revs WHERE run_id = ? AND sample_id = ?').run(pick(runs), pick(samples)),
          ],
          [
            'ground-truth counter moved to another sample',
            () =>
              void db.prepare('UPDATE OR IGNORE ground_truth_revs SET sample_id = ? WHERE sample_id = ?').run(pick(samples), pick(samples)),
          ],
          [
            'prediction counter moved to another run',
            () =>
              void db
                .prepare('UPDATE OR IGNORE prediction_revs SET run_id = ? WHERE run_id = ? AND sample_id = ?')
                .run(pick(runs), pick(runs), pick(samples)),
          ],
          // Evaluation: the current fingerprint (or, as a process that read the counters before a write, an old one).
          [
            'score upsert',
            () => {
              const runId = pick(runs);
              const sampleId = pick(samples);
              const rev = rnd() < 0.8 ? currentRev(db, runId, sampleId) : `g${Math.floor(rnd() * 3)}p${Math.floor(rnd() * 3)}`;
              db.prepare(
                `INSERT INTO metric_samples (run_id, sample_id, rev, score) VALUES (?, ?, ?, ?)
                 ON CONFLICT (run_id, sample_id) DO UPDATE SET rev = excluded.rev, score = excluded.score`,
              ).run(runId, sampleId, rev, rnd());
            },
          ],
          [
            'score delete',
            () => void db.prepare('DELETE FROM metric_samples WHERE run_id = ? AND sample_id = ?').run(pick(runs), pick(samples)),
          ],
          [
            'score moved to another sample',
            () =>
              void db
                .prepare('UPDATE OR IGNORE metric_samples SET sample_id = ? WHERE run_id = ? AND sample_id = ?')
                .run(pick(samples), pick(runs), pick(samples)),
          ],
          [
            // The product deletes a sample only with its dataset, whose runs' rows go first (migration 19:
            // a run's regions and counts have no foreign key to samples); the rest cascades.
            "sample delete (its runs' rows first, the rest cascades)",
            () => {
              if (samples.length < 3) return;
              const s = pick(samples);
              db.prepare('DELETE FROM predictions WHERE sample_id = ?').run(s);
              db.prepare('DELETE FROM metric_rows WHERE sample_id = ?').run(s);
              db.prepare('DELETE FROM samples WHERE id = ?').run(s);
              samples = samples.filter((x) => x !== s);
            },
          ],
          [
            'run delete (cascades)',
            () => {
              if (runs.length < 2) return;
              const r = pick(runs);
              db.prepare('DELETE FROM runs WHERE id = ?').run(r);
              runs = runs.filter((x) => x !== r);
            },
          ],
        ];
        let staleSeen = 0;
        for (let step = 0; step < 400; step++) {
          const [name, op] = pick(ops);
          // Half the steps in a transaction of several writes, as importers and evaluation write.
          if (rnd() < 0.5) op();
          else
            db.transaction(() => {
              op();
              pick(ops)[1]();
            })();
          const expected = staleByDefinition(db);
          staleSeen += expected.length;
          expect(listed(db), `seed ${seedValue}, step ${step} (${name})`).toEqual(expected);
        }
        expect(staleSeen).toBeGreaterThan(0);
        expect(db.prepare('PRAGMA integrity_check').pluck().get()).toBe('ok');
      } finally {
        db.close();
      }
    }
  });

  it('a counter or a stored score moved to another key lists both keys anew', () => {
    const db = openDatabase(tempFile());
    try {
      const { samples, runs } = seed(db, 2, 2);
      const [a, b] = [runs[0]!, runs[1]!];
      const [s, t] = [samples[0]!, samples[1]!];
      for (const sampleId of [s, t]) db.prepare('INSERT INTO annotations (sample_id, class_idx) VALUES (?, 1)').run(sampleId);
      db.prepare('INSERT INTO prediction_revs (run_id, sample_id, rev) VALUES (?, ?, 3)').run(a, s);
      const score = (runId: number, sampleId: number): void =>
        void db
          .prepare(
            'INSERT INTO metric_samples (run_id, sample_id, rev, score) VALUES (?, ?, ?, 0.5) ON CONFLICT (run_id, sample_id) DO UPDATE SET rev = excluded.rev',
          )
          .run(runId, sampleId, currentRev(db, runId, sampleId));
      score(a, s);
      score(b, s);
      score(a, t);
      expect(listed(db)).toEqual([]);
      // The prediction counter of (a, s) moves to run b: (a, s) loses it, (b, s) gains it.
      db.prepare('UPDATE prediction_revs SET run_id = ? WHERE run_id = ? AND sample_id = ?').run(b, a, s);
      expect(listed(db)).toEqual([`${a}:${s}`, `${b}:${s}`].sort());
      expect(listed(db)).toEqual(staleByDefinition(db));
      score(a, s);
      db.prepare('DELETE FROM metric_samples WHERE run_id = ? AND sample_id = ?').run(b, s);
      score(b, s);
      expect(listed(db)).toEqual([]);
      // The ground-truth counter of s moves to t: every stored score of both samples.
      db.prepare('DELETE FROM ground_truth_revs WHERE sample_id = ?').run(t);
      expect(listed(db)).toEqual([`${a}:${t}`]);
      db.prepare('UPDATE ground_truth_revs SET sample_id = ? WHERE sample_id = ?').run(t, s);
      expect(listed(db)).toEqual(staleByDefinition(db));
      // s lost its counter (both its scores are stale); t has one again, as (a, t) was scored with.
      expect(listed(db)).toEqual([`${a}:${s}`, `${b}:${s}`].sort());
      // A stored score moved to another sample: the old key leaves the list, the new one is checked.
      db.prepare('UPDATE metric_samples SET sample_id = ? WHERE run_id = ? AND sample_id = ?').run(t, b, s);
      expect(listed(db)).toEqual(staleByDefinition(db));
      expect(listed(db)).toEqual([`${a}:${s}`, `${b}:${t}`].sort());
    } finally {
      db.close();
    }
  });

  it('migration 12 lists the stale rows of a workspace written at schema 11', () => {
    const file = tempFile();
    const raw = new Database(file);
    raw.pragma('foreign_keys = ON');
    for (let v = 0; v < 11; v++) {
      raw.exec(migrations[v]!);
      raw.pragma(`user_version = ${v + 1}`);
    }
    const { samples, runs } = seed(raw, 5, 2);
    for (const s of samples) raw.prepare('INSERT INTO annotations (sample_id, class_idx) VALUES (?, 1)').run(s);
    for (const r of runs)
      for (const s of samples) {
        raw
          .prepare("INSERT INTO predictions (run_id, sample_id, class_idx, height, width, rle, area) VALUES (?, ?, 1, 4, 4, 'x', 1)")
          .run(r, s);
        raw.prepare('INSERT INTO metric_samples (run_id, sample_id, rev, score) VALUES (?, ?, ?, 0.5)').run(r, s, currentRev(raw, r, s));
      }
    // Stale: a region edited after scoring (every run of the sample), and one run's prediction re-imported.
    raw.prepare('UPDATE annotations SET current_version = 2 WHERE sample_id = ?').run(samples[1]);
    raw.prepare("UPDATE predictions SET rle = 'y' WHERE run_id = ? AND sample_id = ?").run(runs[0], samples[3]);
    raw.close();

    const db = openDatabase(file);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
      // Migration 13 gives every dataset its clocks.
      expect(db.prepare('SELECT count(*) FROM datasets WHERE id NOT IN (SELECT dataset_id FROM dataset_clocks)').pluck().get()).toBe(0);
      expect(listed(db)).toEqual([`${runs[0]}:${samples[1]}`, `${runs[0]}:${samples[3]}`, `${runs[1]}:${samples[1]}`].sort());
      expect(listed(db)).toEqual(staleByDefinition(db));
      expect(currentRunScores(db, runs[0]!)).toBeNull();
      expect(currentRunScores(db, runs[1]!)).toBeNull();
      // Re-scored with the current fingerprints: current again, and the scores read back.
      for (const [r, s] of [
        [runs[0]!, samples[1]!],
        [runs[0]!, samples[3]!],
        [runs[1]!, samples[1]!],
      ] as const)
        db.prepare('UPDATE metric_samples SET rev = ?, score = ? WHERE run_id = ? AND sample_id = ?').run(currentRev(db, r, s), 0.25, r, s);
      expect(listed(db)).toEqual([]);
      expect(plain(currentRunScores(db, runs[1]!))).toEqual({
        sampleIds: samples,
        scores: samples.map((s) => (s === samples[1] ? 0.25 : 0.5)),
      });
    } finally {
      db.close();
    }
  });

  it('scores come back bit for bit, nulls included; a schema 11 workspace opened read-only is checked by the join', () => {
    const file = tempFile();
    const db = openDatabase(file);
    const { samples, runs } = seed(db, 6, 1);
    const values = [0.1 + 0.2, null, 5e-324, 1 / 3, -1.7976931348623157e308, 2 ** 53 - 1];
    samples.forEach((s, k) =>
      db.prepare('INSERT INTO metric_samples (run_id, sample_id, rev, score) VALUES (?, ?, ?, ?)').run(runs[0], s, 'g0p0', values[k]),
    );
    expect(plain(currentRunScores(db, runs[0]!))).toEqual({ sampleIds: samples, scores: values });
    // Bit for bit: the packed columns (store/numberColumns.ts) copy the doubles, SQLite never prints them.
    const read = currentRunScores(db, runs[0]!)!;
    values.forEach((v, k) => expect(Object.is(read.scores[k], v ?? NaN)).toBe(true));
    // As a read-only schema 11 store: no stale_scores table, the join answers the same.
    for (const name of db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'stale_scores_%'")
      .pluck()
      .all() as string[])
      db.exec(`DROP TRIGGER ${name}`);
    db.exec('DROP TABLE stale_scores');
    db.close();
    const old = new Database(file, { readonly: true }) as unknown as Db;
    try {
      expect(keepsStaleScores(old)).toBe(false);
      expect(plain(currentRunScores(old, runs[0]!))).toEqual({ sampleIds: samples, scores: values });
    } finally {
      old.close();
    }
    const writable = new Database(file) as unknown as Db;
    writable.prepare("UPDATE metric_samples SET rev = 'g1p0' WHERE sample_id = ?").run(samples[2]);
    writable.close();
    const again = new Database(file, { readonly: true }) as unknown as Db;
    try {
      expect(currentRunScores(again, runs[0]!)).toBeNull();
    } finally {
      again.close();
    }
  });

  it("a run's version moves with every write of its counters, stored scores, heatmaps and ground truth, and not with another run's", () => {
    // Clocked: per dataset (schema 13) or workspace-wide (12); summed before (11).
    for (const schema of [13, 12, 11] as const) {
      const clocked = schema >= 12;
      const db = openDatabase(tempFile());
      try {
        if (schema === 12) db.exec(BACK_TO_SCHEMA_12);
        if (schema === 11) db.exec(BACK_TO_SCHEMA_11);
        const { samples, runs } = seed(db, 3, 2);
        const versions = scoreInputVersions(db)!;
        const [mine, other] = [runs[0]!, runs[1]!];
        let before = versions.run(mine);
        const moves = (what: string, write: () => void, expected: boolean): void => {
          write();
          const now = versions.run(mine);
          expect(now !== before, `schema ${schema}: ${what}`).toBe(expected);
          before = now;
        };
        const predict = (runId: number): void =>
          void db
            .prepare("INSERT INTO predictions (run_id, sample_id, class_idx, height, width, rle, area) VALUES (?, ?, 1, 4, 4, 'x', 1)")
            .run(runId, samples[0]);
        moves("another run's prediction", () => predict(other), false);
        moves('a prediction', () => predict(mine), true);
        moves('a prediction edited', () => void db.prepare("UPDATE predictions SET rle = 'y' WHERE run_id = ?").run(mine), true);
        moves('a prediction deleted', () => void db.prepare('DELETE FROM predictions WHERE run_id = ?').run(mine), true);
        moves(
          "an importer's counter upsert",
          () =>
            void db
              .prepare(
                'INSERT INTO prediction_revs (run_id, sample_id, rev) VALUES (?, ?, 2) ON CONFLICT (run_id, sample_id) DO UPDATE SET rev = rev + 2',
              )
              .run(mine, samples[1]),
          true,
        );
        moves('a region', () => void db.prepare('INSERT INTO annotations (sample_id, class_idx) VALUES (?, 1)').run(samples[2]), true);
        moves('a region edited', () => void db.prepare('UPDATE annotations SET current_version = 2').run(), true);
        moves('a review state', () => void db.prepare("UPDATE images SET review_state = 'reviewed'").run(), false);
        const score = (runId: number): void =>
          void db
            .prepare(
              `INSERT INTO metric_samples (run_id, sample_id, rev, score) VALUES (?, ?, 'g1p1', 0.5)
               ON CONFLICT (run_id, sample_id) DO UPDATE SET score = score / 2`,
            )
            .run(runId, samples[0]);
        // Before migration 12 one clock moved with every run's stored scores.
        moves("another run's stored score", () => score(other), !clocked);
        moves('a stored score', () => score(mine), true);
        moves('a stored score updated', () => score(mine), true);
        moves('a stored score deleted', () => void db.prepare('DELETE FROM metric_samples WHERE run_id = ?').run(mine), true);
        const heatmap = (runId: number): void =>
          void db
            .prepare("INSERT INTO heatmaps (run_id, sample_id, name, shape, dtype, data) VALUES (?, ?, 'cam', '[1,1]', 'float32', ?)")
            .run(runId, samples[1], Buffer.alloc(4));
        // Before migration 12 heatmaps moved the workspace-wide 'runs and classes' clock.
        moves("another run's heatmap", () => heatmap(other), !clocked);
        moves('a heatmap', () => heatmap(mine), true);
        moves('a heatmap deleted', () => void db.prepare('DELETE FROM heatmaps WHERE run_id = ?').run(mine), true);
      } finally {
        db.close();
      }
    }
  });
});
