/**
 * Which samples a run is scored on, and the fingerprint of the inputs of each sample's counts, so a
 * stored row is reused only while its ground truth and prediction are unchanged.
 */
import { ApiError } from '../../../shared/api/apiError';
import type { RunSummary } from '../../../shared/domain';
import type { DatasetHeader } from '../store/repos/datasets';
import type { Db } from '../store/db';
import {
  currentSampleRows,
  datasetHasClasses,
  datasetTaskOf,
  evaluationRows,
  maxClassIdx,
  runCoverage,
  runDatasetAndStatus,
  runHasPredictions,
  sampleRevs,
  storedSampleCount,
} from '../store/repos/evaluation';

export type EvaluationTask = 'semantic' | 'referring';

export interface EvaluationSample {
  sampleId: number;
  imageId: number;
  fileName: string;
  query: string | null;
  height: number;
  width: number;
  /** `g<ground-truth rev>p<prediction rev>` (migration 6's counters): what metric_rows.annotation_rev holds. */
  rev: string;
  /** The fingerprint the sample's stored metric rows were computed from; null when it has none. */
  stored: string | null;
  /** The stored per-sample score (metric_samples), valid when `stored === rev`. */
  storedScore: number | null;
}

export interface EvaluationSet {
  task: EvaluationTask;
  numClasses: number;
  samples: EvaluationSample[];
  /** Samples with ground truth that an unfinished run has no result for yet (not scored, reported). */
  unpredicted: number;
}

export function evaluationTask(dataset: DatasetHeader): EvaluationTask {
  if (dataset.task === 'unlabelled') {
    throw new ApiError(
      'INVALID_INPUT',
      `dataset "${dataset.name}" has no ground truth to evaluate against (it was imported without masks)`,
    );
  }
  return dataset.task;
}

/**
 * What eval refuses about a dataset before it counts anything (evaluationTask, classCount), for a
 * caller that scores a run right after making it (`import predictions --eval`): checked before the
 * run exists, so a refused command leaves nothing behind.
 */
export function requireScorableDataset(db: Db, dataset: DatasetHeader): void {
  evaluationTask(dataset);
  classCount(db, dataset);
}

/**
 * Semantic datasets: the image's semantic sample (query NULL), when it has ground truth (any region,
 * even one whose current version is deleted: an image corrected to all background still counts).
 * Referring datasets: every query sample, since an empty target is a valid pair (empty vs empty = 1).
 * Run writers store no region for background (models/runExecute.ts, datasets/predictions.ts), so a
 * sample without regions is an all-background (or empty) prediction once the run is complete. While
 * a run is unfinished (running, cancelled, failed) only samples it has results for (regions or
 * heatmaps) are scored and the rest are counted as unpredicted; a model run started on a subset
 * (run --subset TAG) scores the samples its starts asked for (run_samples), the rest unpredicted too.
 */
export function loadEvaluationSet(db: Db, dataset: DatasetHeader, run: RunSummary): EvaluationSet {
  const task = evaluationTask(dataset);
  if (!runHasPredictions(db, run.id)) {
    throw new ApiError(
      'INVALID_INPUT',
      `run "${run.name}" has no masks to score (it holds ${
        run.predictedSamples > 0
          ? 'only heatmaps: CAMs are scored by eval --cam-sweep; logits or probabilities need their argmax saved as PNG label maps'
          : 'no results yet'
      })`,
    );
  }
  const rows = evaluationRows(db, dataset.id, run.id, task, runCoverage(db, run.id, run.status));
  const samples: EvaluationSample[] = [];
  let unpredicted = 0;
  for (const [sampleId, imageId, fileName, query, height, width, isPredicted, gtRev, predRev, stored, storedScore] of rows) {
    if (isPredicted !== 1) {
      unpredicted++;
      continue;
    }
    samples.push({ sampleId, imageId, fileName, query, height, width, rev: fingerprint(gtRev, predRev), stored, storedScore });
  }
  return { task, numClasses: classCount(db, dataset), samples, unpredicted };
}

/** A scored sample as the per-image read needs it (no sizes, no fingerprint strings). */
export interface CurrentSample {
  sampleId: number;
  imageId: number;
  fileName: string;
  query: string | null;
  storedScore: number | null;
}

/**
 * The read side's shortcut to a run's evaluation set (metrics.perImage in the read worker): one query
 * that lists the scored samples with their stored scores and compares each stored fingerprint with
 * the current counters in SQL, so no per-sample fingerprint string or summary count is built in JS.
 * 'stale' when some row needs a catch-up (or rows of samples outside the set are left); undefined when
 * the dataset or run is missing or cannot be scored (the full path, loadEvaluationSet, throws the
 * error); else the samples in loadEvaluationSet's order.
 */
export function currentSamples(
  db: Db,
  datasetId: number,
  runId: number,
): { task: EvaluationTask; samples: CurrentSample[] } | 'stale' | undefined {
  const datasetTask = datasetTaskOf(db, datasetId);
  const run = runDatasetAndStatus(db, runId);
  if (datasetTask === undefined || run === undefined || run.datasetId !== datasetId) return undefined;
  if (datasetTask !== 'semantic' && datasetTask !== 'referring') return undefined;
  const task: EvaluationTask = datasetTask;
  if (!runHasPredictions(db, runId) || !datasetHasClasses(db, datasetId)) return undefined;
  // The last column: 0 current, 1 stale (fingerprint() in SQL), NULL not predicted by an unfinished run.
  const rows = currentSampleRows(db, datasetId, runId, task, runCoverage(db, runId, run.status));
  const samples: CurrentSample[] = [];
  for (const [sampleId, imageId, fileName, query, storedScore, stale] of rows) {
    if (stale === null) continue;
    if (stale === 1) return 'stale';
    samples.push({ sampleId, imageId, fileName, query, storedScore });
  }
  // Every set sample has its row (none is stale), so any other row belongs to a sample outside the set.
  return storedSampleCount(db, runId) === samples.length ? { task, samples } : 'stale';
}

/**
 * What a sample's counts were computed from: its ground-truth and prediction counters (migration 6
 * keeps them in step with every write by triggers), so a changed mask on either side changes it.
 */
export function fingerprint(gtRev: number | null, predRev: number | null): string {
  return `g${gtRev ?? 0}p${predRev ?? 0}`;
}

/** The current fingerprint of one sample's inputs (writers that store counts with the masks they score). */
export function sampleFingerprint(db: Db, runId: number, sampleId: number): string {
  const row = sampleRevs(db, runId, sampleId);
  return fingerprint(row[0], row[1]);
}

/** Class ids are label values, so the label set is [0, max index + 1). */
function classCount(db: Db, dataset: DatasetHeader): number {
  const max = maxClassIdx(db, dataset.id);
  if (max === null) {
    throw new ApiError('INVALID_INPUT', `dataset "${dataset.name}" has no classes; import it with masks to evaluate runs on it`);
  }
  return max + 1;
}

/** A fast 53-bit string hash (cyrb53, bryc, public domain): stand-in hashes in generated workspaces. */
export function cyrb53(text: string, seed = 0): string {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return `${(h2 >>> 0).toString(16).padStart(8, '0')}${(h1 >>> 0).toString(16).padStart(8, '0')}`;
}
