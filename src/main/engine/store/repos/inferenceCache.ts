/**
 * Owns `inference_cache`: a model's encoded outputs for one image, keyed by model and image content
 * (models/cacheKey.ts), so a rerun of the same model is instant. Schema 5 on, each entry records
 * which model and image it is for, so deletes can take the entries nothing else needs; the
 * `_shas` temp table (withShaTable) names a set of image hashes without SQLite's variable limit.
 */
import type { Db } from '../db';

/** Whether `inference_cache` records which model and image each entry is for (schema 5 on). */
export function cacheHasOwners(db: Db): boolean {
  return (db.prepare('PRAGMA table_info(inference_cache)').all() as Array<{ name: string }>).some((c) => c.name === 'model_sha256');
}

/** Whether cached outputs can keep their heatmaps in a run's rows (schema 20 on). */
function cacheHasHeatmapRuns(db: Db): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cached_heatmap_runs'").get() !== undefined;
}

/** Lookup and insert for a run's item loop (statements prepared once). */
export function inferenceCacheRepo(db: Db) {
  const lookup = db.prepare('SELECT outputs FROM inference_cache WHERE key = ?');
  const insert = db.prepare(
    'INSERT OR REPLACE INTO inference_cache (key, outputs, created_at, model_sha256, image_sha256) VALUES (?, ?, ?, ?, ?)',
  );
  // The replace above took the key's old row here with it (ON DELETE CASCADE).
  const insertRun = db.prepare('INSERT INTO cached_heatmap_runs (key, run_id) VALUES (?, ?)');
  return {
    get(key: string): Buffer | undefined {
      return (lookup.get(key) as { outputs: Buffer } | undefined)?.outputs;
    },
    /** `heatmapsRunId`: the run whose heatmap rows hold the entry's heatmap bytes (models/resultCodec.ts), null when it holds them itself. */
    put(key: string, outputs: Buffer, modelSha256: string, imageSha256: string, heatmapsRunId: number | null): void {
      insert.run(key, outputs, new Date().toISOString(), modelSha256, imageSha256);
      if (heatmapsRunId !== null) insertRun.run(key, heatmapsRunId);
    },
  };
}

/** Runs `fn` with a temp table `_shas(sha)` filled with `shas` (SQLite's variable limit stays out of the way). */
export function withShaTable<T>(db: Db, shas: readonly string[], fn: () => T): T {
  db.exec('CREATE TEMP TABLE IF NOT EXISTS _shas (sha TEXT PRIMARY KEY)');
  db.exec('DELETE FROM temp._shas');
  const insert = db.prepare('INSERT OR IGNORE INTO temp._shas (sha) VALUES (?)');
  // One transaction: 100k hashes inserted one autocommit at a time took ~5 s (a delete plan of a 100k-image dataset).
  db.transaction(() => {
    for (const s of shas) insert.run(s);
  })();
  try {
    return fn();
  } finally {
    db.exec('DELETE FROM temp._shas');
  }
}

/** Image hashes in `_shas` (call inside withShaTable). */
export function shasInTable(db: Db): string[] {
  return (db.prepare('SELECT sha FROM temp._shas').all() as Array<{ sha: string }>).map((r) => r.sha);
}

/** Cached outputs of the images in `_shas` (call inside withShaTable); 0 before schema 5. */
export function cachedOutputsOfImages(db: Db): number {
  if (!cacheHasOwners(db)) return 0;
  return (db.prepare('SELECT COUNT(*) AS n FROM inference_cache WHERE image_sha256 IN (SELECT sha FROM temp._shas)').get() as { n: number })
    .n;
}

export function deleteCachedOutputsOfImages(db: Db): void {
  if (cacheHasOwners(db)) db.prepare('DELETE FROM inference_cache WHERE image_sha256 IN (SELECT sha FROM temp._shas)').run();
}

/** Cached outputs of one model file; 0 before schema 5. */
export function cachedOutputsOfModel(db: Db, modelSha256: string): number {
  if (!cacheHasOwners(db)) return 0;
  return (db.prepare('SELECT COUNT(*) AS n FROM inference_cache WHERE model_sha256 = ?').get(modelSha256) as { n: number }).n;
}

export function deleteCachedOutputsOfModel(db: Db, modelSha256: string): void {
  if (cacheHasOwners(db)) db.prepare('DELETE FROM inference_cache WHERE model_sha256 = ?').run(modelSha256);
}

/**
 * Cached outputs of a model file for the images a run has results for, apart from those whose heatmaps
 * are the run's own rows (cachedOutputsInRun: they go with it); 0 before schema 5.
 */
export function cachedOutputsOfRun(db: Db, modelSha256: string, runId: number): number {
  if (!cacheHasOwners(db)) return 0;
  return (
    db
      .prepare(
        `SELECT COUNT(*) AS n FROM inference_cache WHERE model_sha256 = ?
           AND ${cacheHasHeatmapRuns(db) ? 'key NOT IN (SELECT key FROM cached_heatmap_runs WHERE run_id = ?)' : '? IS NOT NULL'} AND image_sha256 IN (
           SELECT i.sha256 FROM images i JOIN samples s ON s.image_id = i.id JOIN predictions p ON p.sample_id = s.id WHERE p.run_id = ?
           UNION SELECT i.sha256 FROM images i JOIN samples s ON s.image_id = i.id JOIN heatmaps h ON h.sample_id = s.id WHERE h.run_id = ?)`,
      )
      .get(modelSha256, runId, runId, runId) as { n: number }
  ).n;
}

/** Cached outputs whose heatmap bytes are the run's own rows: its delete takes them (migration 20). */
export function cachedOutputsInRun(db: Db, runId: number): number {
  if (!cacheHasHeatmapRuns(db)) return 0;
  return (db.prepare('SELECT COUNT(*) AS n FROM cached_heatmap_runs WHERE run_id = ?').get(runId) as { n: number }).n;
}
