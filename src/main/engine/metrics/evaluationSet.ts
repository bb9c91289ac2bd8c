/**
 * Which samples a run is scored on, and the fingerprint of the inputs of each sample's counts, so a
 * stored row is reused only while its ground truth and prediction are unchanged.
 */
import { ApiError } from '../../../shared/api/errors';
import type { DatasetSummary, RunSummary } from '../../../shared/domain';
import type { Db } from '../store/db';

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

export function evaluationTask(dataset: DatasetSummary): EvaluationTask {
  if (dataset.task === 'unlabelled') {
    throw new ApiError(
      'INVALID_INPUT',
      `dataset "${dataset.name}" has no ground truth to evaluate against (it was imported without masks)`,
    );
  }
  return dataset.task;
}

/**
 * Semantic datasets: the image's semantic sample (query NULL), when it has ground truth (any region,
 * even one whose current version is deleted: an image corrected to all background still counts).
 * Referring datasets: every query sample, since an empty target is a valid pair (empty vs empty = 1).
 * Run writers store no region for background (models/runJob.ts, datasets/predictions.ts), so a
 * sample without regions is an all-background (or empty) prediction once the run is complete. While
 * a run is unfinished (running, cancelled, failed) only samples it has results for (regions or
 * heatmaps) are scored and the rest are counted as unpredicted.
 */
export function loadEvaluationSet(db: Db, dataset: DatasetSummary, run: RunSummary): EvaluationSet {
  const task = evaluationTask(dataset);
  if (db.prepare('SELECT 1 FROM predictions WHERE run_id = ? LIMIT 1').get(run.id) === undefined) {
    throw new ApiError(
      'INVALID_INPUT',
      `run "${run.name}" has no masks to score (it holds ${run.predictedSamples > 0 ? 'only heatmaps' : 'no results yet'})`,
    );
  }
  const complete = run.status === 'complete';
  const scored =
    task === 'semantic' ? 's.query IS NULL AND EXISTS (SELECT 1 FROM annotations a WHERE a.sample_id = s.id)' : 's.query IS NOT NULL';
  // A complete run scores every sample, so "predicted" is only looked up for unfinished runs.
  const predicted = complete
    ? '1'
    : `(EXISTS (SELECT 1 FROM predictions p WHERE p.run_id = $run AND p.sample_id = s.id)
         OR EXISTS (SELECT 1 FROM heatmaps h WHERE h.run_id = $run AND h.sample_id = s.id))`;
  const rows = db
    .prepare(
      `SELECT s.id, s.image_id, i.file_name, s.query, i.height, i.width, ${predicted},
         (SELECT g.rev FROM ground_truth_revs g WHERE g.sample_id = s.id),
         (SELECT r.rev FROM prediction_revs r WHERE r.run_id = $run AND r.sample_id = s.id),
         m.rev, m.score
       FROM images i JOIN samples s ON s.image_id = i.id
       LEFT JOIN metric_samples m ON m.run_id = $run AND m.sample_id = s.id
       WHERE i.dataset_id = $dataset AND ${scored}
       ORDER BY i.file_name, i.id, s.id`,
    )
    .raw()
    .all({ run: run.id, dataset: dataset.id }) as Array<
    [number, number, string, string | null, number, number, number, number | null, number | null, string | null, number | null]
  >;
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

/**
 * What a sample's counts were computed from: its ground-truth and prediction counters (migration 6
 * keeps them in step with every write by triggers), so a changed mask on either side changes it.
 */
export function fingerprint(gtRev: number | null, predRev: number | null): string {
  return `g${gtRev ?? 0}p${predRev ?? 0}`;
}

/** The current fingerprint of one sample's inputs (writers that store counts with the masks they score). */
export function sampleFingerprint(db: Db, runId: number, sampleId: number): string {
  const row = db
    .prepare(
      `SELECT (SELECT rev FROM ground_truth_revs WHERE sample_id = $sample), (SELECT rev FROM prediction_revs WHERE run_id = $run AND sample_id = $sample)`,
    )
    .raw()
    .get({ run: runId, sample: sampleId }) as [number | null, number | null];
  return fingerprint(row[0], row[1]);
}

/** Class ids are label values, so the label set is [0, max index + 1). */
function classCount(db: Db, dataset: DatasetSummary): number {
  const row = db.prepare('SELECT MAX(idx) AS max FROM classes WHERE dataset_id = ?').get(dataset.id) as { max: number | null };
  if (row.max === null) {
    throw new ApiError('INVALID_INPUT', `dataset "${dataset.name}" has no classes; import it with masks to evaluate runs on it`);
  }
  return row.max + 1;
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
