import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../store/db';
import { EmbeddingCache } from '../models/embeddingCache';

/**
 * What deletes share: the jobs that block them, and the caches that only content hashes tie to the
 * rest of the store (inference outputs, SAM image embeddings, gallery thumbnails). Those caches are
 * keyed by content (model sha256, image sha256), so an entry goes only when nothing left in the
 * workspace has that content: the same photo imported twice keeps its thumbnail while one copy stays.
 */

/** A queued or running job whose params name this dataset/run/model, as one line for the user; null when none. */
export function liveJobOn(db: Db, what: { datasetId?: number; runId?: number; modelId?: number }): string | null {
  const conds: string[] = [];
  const args: number[] = [];
  if (what.datasetId !== undefined) {
    conds.push("json_extract(params, '$.datasetId') = ?");
    args.push(what.datasetId);
  }
  if (what.runId !== undefined) {
    conds.push("json_extract(params, '$.runId') = ?");
    conds.push(
      "EXISTS (SELECT 1 FROM json_each(CASE WHEN json_type(params, '$.runIds') = 'array' THEN json_extract(params, '$.runIds') ELSE '[]' END) WHERE value = ?)",
    );
    args.push(what.runId, what.runId);
  }
  if (what.modelId !== undefined) {
    conds.push("json_extract(params, '$.modelId') = ?");
    args.push(what.modelId);
  }
  if (conds.length === 0) return null;
  const row = db
    .prepare(
      `SELECT id, kind, stage FROM jobs WHERE status IN ('queued','running') AND (${conds.join(' OR ')}) ORDER BY created_at LIMIT 1`,
    )
    .get(...args) as { id: string; kind: string; stage: string } | undefined;
  if (row === undefined) return null;
  return `a ${row.kind} job (${row.id}) is still running on it: wait for it or cancel it on the Jobs page first`;
}

/** Whether `inference_cache` records which model and image each entry is for (schema 5 on). */
export function cacheHasOwners(db: Db): boolean {
  return (db.prepare('PRAGMA table_info(inference_cache)').all() as Array<{ name: string }>).some((c) => c.name === 'model_sha256');
}

/** Image hashes of `imageIds`' dataset that no image outside it shares: what a dataset delete orphans. */
export function orphanedImageShas(db: Db, datasetId: number): string[] {
  return (
    db
      .prepare(
        `SELECT DISTINCT sha256 FROM images WHERE dataset_id = ?
           AND sha256 NOT IN (SELECT sha256 FROM images WHERE dataset_id != ?)`,
      )
      .all(datasetId, datasetId) as Array<{ sha256: string }>
  ).map((r) => r.sha256);
}

/** Runs `fn` with a temp table `_shas(sha)` filled with `shas` (SQLite's variable limit stays out of the way). */
export function withShaTable<T>(db: Db, shas: readonly string[], fn: () => T): T {
  db.exec('CREATE TEMP TABLE IF NOT EXISTS _shas (sha TEXT PRIMARY KEY)');
  db.exec('DELETE FROM temp._shas');
  const insert = db.prepare('INSERT OR IGNORE INTO temp._shas (sha) VALUES (?)');
  for (const s of shas) insert.run(s);
  try {
    return fn();
  } finally {
    db.exec('DELETE FROM temp._shas');
  }
}

/** Image hashes in `_shas` (call inside withShaTable). */
function shasInTable(db: Db): string[] {
  return (db.prepare('SELECT sha FROM temp._shas').all() as Array<{ sha: string }>).map((r) => r.sha);
}

/** Cached outputs and embedding files (under `cacheDir`) of the images in `_shas` (call inside withShaTable). */
export function imageCacheCounts(db: Db, cacheDir: string): { cachedOutputs: number; embeddings: number } {
  const cachedOutputs = cacheHasOwners(db)
    ? (db.prepare('SELECT COUNT(*) AS n FROM inference_cache WHERE image_sha256 IN (SELECT sha FROM temp._shas)').get() as { n: number }).n
    : 0;
  const embeddings = new EmbeddingCache(cacheDir, 0).imageFiles(shasInTable(db)).length;
  return { cachedOutputs, embeddings };
}

export function deleteImageCaches(db: Db, cacheDir: string): void {
  if (cacheHasOwners(db)) db.prepare('DELETE FROM inference_cache WHERE image_sha256 IN (SELECT sha FROM temp._shas)').run();
  EmbeddingCache.remove(new EmbeddingCache(cacheDir, 0).imageFiles(shasInTable(db)));
}

/** Whether another model than `modelId` has the same file (sha256): then its caches stay. */
export function modelShaShared(db: Db, modelId: number, sha: string): boolean {
  return db.prepare('SELECT 1 FROM models WHERE sha256 = ? AND id != ?').get(sha, modelId) !== undefined;
}

export function modelCacheCounts(db: Db, cacheDir: string, sha: string): { cachedOutputs: number; embeddings: number } {
  const cachedOutputs = cacheHasOwners(db)
    ? (db.prepare('SELECT COUNT(*) AS n FROM inference_cache WHERE model_sha256 = ?').get(sha) as { n: number }).n
    : 0;
  const embeddings = new EmbeddingCache(cacheDir, 0).modelFiles(sha).length;
  return { cachedOutputs, embeddings };
}

export function deleteModelCaches(db: Db, cacheDir: string, sha: string): void {
  if (cacheHasOwners(db)) db.prepare('DELETE FROM inference_cache WHERE model_sha256 = ?').run(sha);
  EmbeddingCache.remove(new EmbeddingCache(cacheDir, 0).modelFiles(sha));
}

/** Thumbnail files of these image hashes (cache/thumbs/<sha[0:2]>/<sha>-<size>-o<orientation>.webp). */
export function thumbnailFiles(cacheDir: string, shas: readonly string[]): string[] {
  const files: string[] = [];
  const byDir = new Map<string, Set<string>>();
  for (const sha of shas) {
    const dir = sha.slice(0, 2);
    const set = byDir.get(dir) ?? new Set<string>();
    set.add(sha);
    byDir.set(dir, set);
  }
  for (const [dir, set] of byDir) {
    let names: string[];
    try {
      names = readdirSync(join(cacheDir, 'thumbs', dir));
    } catch {
      continue;
    }
    for (const name of names) {
      const sha = name.split('-')[0] ?? '';
      if (set.has(sha)) files.push(join(cacheDir, 'thumbs', dir, name));
    }
  }
  return files;
}

/** Removes cache files; a file already gone or one that cannot be removed is skipped (the cache is best effort). */
export function removeFiles(files: readonly string[]): number {
  let removed = 0;
  for (const f of files) {
    try {
      rmSync(f);
      removed++;
    } catch {
      // Already gone, or a read-only cache: the store is consistent either way.
    }
  }
  return removed;
}
