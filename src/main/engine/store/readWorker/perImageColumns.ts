/**
 * Per-image scores as columns: how the read worker hands 100k scores to the engine's thread (as
 * transferred buffers in the kept lists' format, worker.ts; 100k objects took ~60 ms), the samples
 * first when it lists them (SamplesAhead: the engine's thread decodes them while the worker reads their
 * scores), and the fast way to list them for a complete run over the whole dataset, the gallery's score sort:
 *  - the scored samples in gallery order (100k rows: the slow part) are kept while the sample set is
 *    unchanged (store/scoreInputs.ts, clock 'samples'), so new scores do not list them again;
 *  - the run's stored scores are read as two columns once the run has no stale row
 *    (store/staleScores.ts), instead of a fingerprint per listed row.
 * Same answer as currentSamples + perImageOfSamples (metrics/evaluationSet.ts, metrics/scores.ts),
 * which the other cases (a subset, a class, an unfinished run) still take.
 */
import type { ImageScore, PerImageScores } from '../../../../shared/api/methods/metrics';
import type { Db } from '../db';
import {
  datasetHasClasses,
  datasetTaskOf,
  hasStoredScores,
  runCoverage,
  runDatasetAndStatus,
  runHasPredictions,
  scoredSampleColumns,
  type ScoredSampleColumns,
} from '../repos/evaluation';
import type { ScoreInputVersions, VersionedCache } from '../scoreInputs';
import { currentRunScores, type StoredScoreColumns } from '../staleScores';
import {
  decodeSampleList,
  readSampleListSnapshot,
  withScores,
  type SampleListColumns,
  type ScoreListColumns,
  type ScoreListKeeper,
} from '../scoreSnapshots';

/** Columns of per-image scores (one definition with the kept lists of store/scoreSnapshots.ts). */
export type ImageScoreColumns = ScoreListColumns;

export function imageScoreColumns(rows: readonly ImageScore[]): ImageScoreColumns {
  return {
    sampleIds: Float64Array.from(rows, (r) => r.sampleId),
    imageIds: Float64Array.from(rows, (r) => r.imageId),
    fileNames: rows.map((r) => r.fileName),
    queries: rows.map((r) => r.query),
    scores: Float64Array.from(rows, (r) => r.score ?? NaN),
  };
}

/**
 * Columns no one keeps (decoded in the engine's thread from a read worker's reply, for one answer),
 * with the parts of their answer made already (from samples sent ahead of their scores).
 */
const onceColumns = new WeakMap<ImageScoreColumns, Partial<Pick<PerImageScores, 'sampleIds' | 'imageIds'>>>();

/** Marks columns as used once: perImageWire may hand their name lists on as they are. */
export function usedOnce(c: ImageScoreColumns): ImageScoreColumns {
  onceColumns.set(c, {});
  return c;
}

/**
 * A whole dataset's scored samples that a read worker sent ahead of their scores (score-list bytes
 * without scores), decoded, with the id columns of the answer made: the engine's thread does this
 * while the worker reads the scores (~35-45 ms each at 100k images, in parallel).
 */
export interface SamplesAhead {
  samples: SampleListColumns;
  sampleIds: number[];
  imageIds: number[];
}

/** The samples sent ahead as `bytes`; null when they are not a sample list (a check). */
export function samplesAhead(bytes: Uint8Array): SamplesAhead | null {
  const samples = decodeSampleList(bytes, false);
  if (samples === null) return null;
  const n = samples.sampleIds.length;
  const sampleIds: number[] = new Array(n);
  const imageIds: number[] = new Array(n);
  for (let k = 0; k < n; k++) {
    sampleIds[k] = samples.sampleIds[k]!;
    imageIds[k] = samples.imageIds[k]!;
  }
  return { samples, sampleIds, imageIds };
}

/** The columns of samples sent ahead with their scores (in the same order); null when the counts differ. */
export function withScoresAhead(ahead: SamplesAhead, scores: Float64Array): ImageScoreColumns | null {
  if (scores.length !== ahead.samples.sampleIds.length) return null;
  const columns: ImageScoreColumns = { ...ahead.samples, scores };
  onceColumns.set(columns, { sampleIds: ahead.sampleIds, imageIds: ahead.imageIds });
  return columns;
}

/**
 * The contract's columns (metrics.perImage): plain arrays, null for no score. New arrays throughout,
 * except those of columns used once (usedOnce, withScoresAhead): their name lists and any columns
 * made ahead are handed on. `c` may be a kept read (in the engine's thread there is no clone between
 * them), which no caller may change.
 */
export function perImageWire(c: ImageScoreColumns): PerImageScores {
  const n = c.scores.length;
  const once = onceColumns.get(c);
  onceColumns.delete(c);
  // Columns used once hand their name lists on (a second 100k copy saved); any other list is copied.
  const own = once !== undefined && c.fileNames.length === n && c.queries.length === n;
  const scores: Array<number | null> = new Array(n);
  // Indexed copies: Array.from over a typed array walks its iterator (~8 ms per 100k column, ~1 ms this way).
  const madeIds = once?.sampleIds?.length === n && once.imageIds?.length === n;
  const sampleIds: number[] = madeIds ? once.sampleIds! : new Array(n);
  const imageIds: number[] = madeIds ? once.imageIds! : new Array(n);
  // Names copied in the same loop: slice() of a frozen list (a decoded one) takes twice as long.
  const fileNames: string[] = own ? c.fileNames : new Array<string>(n);
  const queries: Array<string | null> = own ? c.queries : new Array<string | null>(n);
  for (let k = 0; k < n; k++) {
    const s = c.scores[k]!;
    scores[k] = Number.isNaN(s) ? null : s;
    if (!madeIds) {
      sampleIds[k] = c.sampleIds[k]!;
      imageIds[k] = c.imageIds[k]!;
    }
    if (!own) {
      fileNames[k] = c.fileNames[k]!;
      queries[k] = c.queries[k] ?? null;
    }
  }
  return { sampleIds, imageIds, fileNames, queries, scores };
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
  keeper?: ScoreListKeeper,
  sendAhead?: (samples: ScoredSampleColumns) => void,
): ImageScoreColumns | null | 'other' {
  const task = datasetTaskOf(db, datasetId);
  const run = runDatasetAndStatus(db, runId);
  if (run === undefined || run.datasetId !== datasetId || run.status !== 'complete') return 'other';
  // A run started on a subset scores only its samples: the general path lists them.
  if (runCoverage(db, runId, run.status) !== 'all') return 'other';
  if (task !== 'semantic' && task !== 'referring') return 'other';
  if (!runHasPredictions(db, runId) || !datasetHasClasses(db, datasetId)) return 'other';
  const samples = scoredSamples(db, cache, versions, datasetId, task, keeper);
  // The engine's thread can make the samples' part of the answer while this thread reads their scores.
  sendAhead?.(samples);
  // The check and the scores from one snapshot (the read worker's connection commits nothing).
  const stored = db.transaction(() => currentRunScores(db, runId, samples.sampleIds.length)).deferred(); // reads only: no write lock
  if (stored === null || stored.scores.length !== samples.sampleIds.length) return null;
  const scores = scoresInOrder(stored, samples.sampleIds);
  return scores === null ? null : withScores(samples, scores);
}

/**
 * The stored scores (in sample id order) in the order of `sampleIds`; null when one of those samples
 * has no stored row. Sample ids are dense in practice, so a table from id to row answers in ~5 ms at
 * 100k (a binary search per sample took ~15 ms); sparse ids fall back to the search.
 */
export function scoresInOrder(stored: StoredScoreColumns, sampleIds: Float64Array): Float64Array | null {
  const n = sampleIds.length;
  const scores = new Float64Array(n);
  const m = stored.sampleIds.length;
  const first = m > 0 ? stored.sampleIds[0]! : 0;
  const span = m > 0 ? stored.sampleIds[m - 1]! - first + 1 : 0;
  if (span <= 4 * m + 1024) {
    const rowOf = new Int32Array(span).fill(-1);
    for (let k = 0; k < m; k++) rowOf[stored.sampleIds[k]! - first] = k;
    for (let k = 0; k < n; k++) {
      const at = rowOf[sampleIds[k]! - first] ?? -1; // undefined outside the table
      if (at < 0) return null; // a scored sample without a row (so some row is of a sample outside the set)
      scores[k] = stored.scores[at]!;
    }
    return scores;
  }
  for (let k = 0; k < n; k++) {
    const at = indexOfSorted(stored.sampleIds, sampleIds[k]!);
    if (at < 0) return null;
    scores[k] = stored.scores[at]!;
  }
  return scores;
}

/**
 * The scored samples of a dataset in gallery order, kept while the sample set is unchanged: in memory,
 * and in the store for later processes (store/scoreSnapshots.ts).
 */
function scoredSamples(
  db: Db,
  cache: VersionedCache,
  versions: ScoreInputVersions | null,
  datasetId: number,
  task: 'semantic' | 'referring',
  keeper: ScoreListKeeper | undefined,
): ScoredSampleColumns {
  return cache.get<ScoredSampleColumns>(
    JSON.stringify(['scored samples', datasetId, task]),
    versions === null ? null : () => versions.samples(datasetId),
    (version) => {
      if (version === null) return scoredSampleColumns(db, datasetId, task);
      const kept = readSampleListSnapshot(db, datasetId, task, version);
      if (kept !== null) return kept;
      const listed = scoredSampleColumns(db, datasetId, task);
      keeper?.keepSamples(datasetId, task, version, listed);
      return listed;
    },
  );
}

/**
 * Lists a dataset's scored samples ahead of its first score sort (the slow part of that read: ~0.08-0.12 s
 * at 100k images) when some complete run of it has stored scores. The read worker calls it when idle
 * after serving the dataset's gallery or the dataset list; a no-op while the kept list is current.
 */
export function prepareScoreSort(
  db: Db,
  cache: VersionedCache,
  versions: ScoreInputVersions | null,
  datasetId: number,
  keeper?: ScoreListKeeper,
): void {
  if (versions === null) return;
  const task = datasetTaskOf(db, datasetId);
  if (task !== 'semantic' && task !== 'referring') return;
  if (!hasStoredScores(db, datasetId)) return;
  scoredSamples(db, cache, versions, datasetId, task, keeper);
}

function indexOfSorted(sorted: Float64Array, value: number): number {
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
