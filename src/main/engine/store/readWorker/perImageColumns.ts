/**
 * Per-image scores as columns: how the read worker hands 100k scores to the engine's thread (as JSON,
 * like every read: five arrays parse several times faster than 100k objects), and the fast way to
 * list them for a complete run over the whole dataset, the gallery's score sort:
 *  - the scored samples in gallery order (100k rows: the slow part) are kept while the sample set and
 *    the ground truth are unchanged (store/scoreInputs.ts), so new scores do not list them again;
 *  - the run's stored scores are read as two columns, and checked as current by one aggregate
 *    (staleStoredCount) instead of a fingerprint per listed row.
 * Same answer as currentSamples + perImageOfSamples (metrics/evaluationSet.ts, metrics/scores.ts),
 * which the other cases (a subset, a class, an unfinished run) still take.
 */
import type { ImageScore } from '../../../../shared/api/methods/metrics';
import type { Db } from '../db';
import {
  datasetHasClasses,
  datasetTaskOf,
  runDatasetAndStatus,
  runHasPredictions,
  scoredSampleColumns,
  staleStoredCount,
  storedScoreColumns,
  type ScoredSampleColumns,
} from '../repos/evaluation';
import type { ScoreInputVersions, VersionedCache } from '../scoreInputs';

export interface ImageScoreColumns {
  sampleIds: number[];
  imageIds: number[];
  fileNames: string[];
  queries: Array<string | null>;
  scores: Array<number | null>;
}

export function imageScoreColumns(rows: readonly ImageScore[]): ImageScoreColumns {
  return {
    sampleIds: rows.map((r) => r.sampleId),
    imageIds: rows.map((r) => r.imageId),
    fileNames: rows.map((r) => r.fileName),
    queries: rows.map((r) => r.query),
    scores: rows.map((r) => r.score),
  };
}

export function imageScoresOf(c: ImageScoreColumns): ImageScore[] {
  const out: ImageScore[] = new Array(c.sampleIds.length);
  for (let k = 0; k < out.length; k++) {
    out[k] = { sampleId: c.sampleIds[k]!, imageId: c.imageIds[k]!, fileName: c.fileNames[k]!, query: c.queries[k]!, score: c.scores[k]! };
  }
  return out;
}

/**
 * A complete run's per-image scores over the whole dataset; null when some stored row is missing,
 * stale or left over (a catch-up is due); 'other' when the general path must answer (not a complete
 * run with predictions on a scored task, or a missing dataset/run: that path throws the error).
 */
export function completeRunScores(
  db: Db,
  cache: VersionedCache,
  versions: ScoreInputVersions | null,
  datasetId: number,
  runId: number,
): ImageScoreColumns | null | 'other' {
  const task = datasetTaskOf(db, datasetId);
  const run = runDatasetAndStatus(db, runId);
  if (run === undefined || run.datasetId !== datasetId || run.status !== 'complete') return 'other';
  if (task !== 'semantic' && task !== 'referring') return 'other';
  if (!runHasPredictions(db, runId) || !datasetHasClasses(db, datasetId)) return 'other';
  const samples = cache.get<ScoredSampleColumns>(
    JSON.stringify(['scored samples', datasetId, task]),
    versions === null ? null : () => versions.samples(),
    () => scoredSampleColumns(db, datasetId, task),
  );
  // Both columns and the check from one snapshot (the read worker's connection commits nothing).
  const stored = db.transaction(() => ({ ...storedScoreColumns(db, runId), stale: staleStoredCount(db, runId) }))();
  const n = samples.sampleIds.length;
  if (stored.stale > 0 || stored.sampleIds.length !== n) return null;
  const scores: Array<number | null> = new Array(n);
  for (let k = 0; k < n; k++) {
    const at = indexOfSorted(stored.sampleIds, samples.sampleIds[k]!);
    if (at < 0) return null; // a scored sample without a row (so some row is of a sample outside the set)
    scores[k] = stored.scores[at] ?? null;
  }
  return { ...samples, scores };
}

function indexOfSorted(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v === value) return mid;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
