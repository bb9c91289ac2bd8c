import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Db } from '../store/db';
import {
  cachedOutputsOfImages,
  cachedOutputsOfModel,
  deleteCachedOutputsOfImages,
  deleteCachedOutputsOfModel,
  shasInTable,
  withShaTable,
} from '../store/repos/inferenceCache';
import type { JobsRepo } from '../store/repos/jobs';
import { EmbeddingCache } from '../models/embeddingCache';

/**
 * What deletes share: the jobs that block them, and the caches that only content hashes tie to the
 * rest of the store (inference outputs, SAM image embeddings, gallery thumbnails). Those caches are
 * keyed by content (model sha256, image sha256), so an entry goes only when nothing left in the
 * workspace has that content: the same photo imported twice keeps its thumbnail while one copy stays.
 */

/** A queued or running job whose params name this dataset/run/model, as one line for the user; null when none. */
export function liveJobOn(jobs: JobsRepo, what: { datasetId?: number; runId?: number; modelId?: number }): string | null {
  const row = jobs.activeJobOn(what);
  if (row === undefined) return null;
  return `a ${row.kind} job (${row.id}) is still running on it: wait for it or cancel it on the Jobs page first`;
}

/** Cached outputs and embedding files (under `cacheDir`) of the images in `_shas` (call inside withShaTable). */
export function imageCaches(db: Db, cacheDir: string): { cachedOutputs: number; embeddingFiles: string[] } {
  const cachedOutputs = cachedOutputsOfImages(db);
  const embeddingFiles = new EmbeddingCache(cacheDir, 0).imageFiles(shasInTable(db));
  return { cachedOutputs, embeddingFiles };
}

/**
 * Removes the cached outputs of these image hashes, 2,000 hashes a transaction with the event loop
 * free between (100k in one transaction held it ~0.4 s).
 */
export async function deleteCachedOutputsInSlices(db: Db, shas: readonly string[]): Promise<void> {
  const SLICE = 2000;
  for (let at = 0; at < shas.length; at += SLICE) {
    const slice = shas.slice(at, at + SLICE);
    db.transaction(() => withShaTable(db, slice, () => deleteCachedOutputsOfImages(db)))();
    await nextTurn();
  }
}

export function modelCacheCounts(db: Db, cacheDir: string, sha: string): { cachedOutputs: number; embeddings: number } {
  const cachedOutputs = cachedOutputsOfModel(db, sha);
  const embeddings = new EmbeddingCache(cacheDir, 0).modelFiles(sha).length;
  return { cachedOutputs, embeddings };
}

export function deleteModelCaches(db: Db, cacheDir: string, sha: string): void {
  deleteCachedOutputsOfModel(db, sha);
  EmbeddingCache.remove(new EmbeddingCache(cacheDir, 0).modelFiles(sha));
}

/** Thumbnail files of these image hashes (cache/thumbs/<sha[0:2]>/<sha>-<size>-o<orientation>[-<format>].webp). */
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
