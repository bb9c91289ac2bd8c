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
  /** `gt=<annotation>.<version>,…;pred=<hash>`: what metric_rows.annotation_rev holds. */
  rev: string;
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
  const rows = db
    .prepare(
      `SELECT s.id AS sampleId, s.image_id AS imageId, i.file_name AS fileName, s.query, i.height, i.width,
         (EXISTS (SELECT 1 FROM predictions p WHERE p.run_id = ? AND p.sample_id = s.id)
           OR EXISTS (SELECT 1 FROM heatmaps h WHERE h.run_id = ? AND h.sample_id = s.id)) AS predicted,
         (SELECT group_concat(a.id || '.' || a.current_version, ',' ORDER BY a.id) FROM annotations a WHERE a.sample_id = s.id) AS gtRev
       FROM samples s JOIN images i ON i.id = s.image_id
       WHERE i.dataset_id = ? AND ${scored}
       ORDER BY i.file_name, i.id, s.id`,
    )
    .all(run.id, run.id, dataset.id) as Array<Omit<EvaluationSample, 'rev'> & { predicted: number; gtRev: string | null }>;
  const predictionHashes = predictionFingerprints(db, run.id);
  const samples: EvaluationSample[] = [];
  let unpredicted = 0;
  for (const r of rows) {
    if (r.predicted !== 1 && !complete) {
      unpredicted++;
      continue;
    }
    const rev = `gt=${r.gtRev ?? ''};pred=${predictionHashes.get(r.sampleId) ?? ''}`;
    samples.push({ sampleId: r.sampleId, imageId: r.imageId, fileName: r.fileName, query: r.query, height: r.height, width: r.width, rev });
  }
  return { task, numClasses: classCount(db, dataset), samples, unpredicted };
}

/** Class ids are label values, so the label set is [0, max index + 1). */
function classCount(db: Db, dataset: DatasetSummary): number {
  const row = db.prepare('SELECT MAX(idx) AS max FROM classes WHERE dataset_id = ?').get(dataset.id) as { max: number | null };
  if (row.max === null) {
    throw new ApiError('INVALID_INPUT', `dataset "${dataset.name}" has no classes; import it with masks to evaluate runs on it`);
  }
  return row.max + 1;
}

/**
 * One hash per sample over its prediction regions (class, instance, size, RLE): a rerun that changes
 * a mask changes the hash, so its counts are recomputed. SQLite concatenates each sample's RLE
 * strings; they are hashed, never decoded. cyrb53 (bryc, public domain) rather than sha1: this runs
 * before every score read, it only has to notice changes, and it is ~4x faster here.
 */
function predictionFingerprints(db: Db, runId: number): Map<number, string> {
  const rows = db
    .prepare(
      `SELECT sample_id, group_concat(class_idx || ':' || instance || ':' || height || 'x' || width || ':' || rle, '|' ORDER BY class_idx, instance)
       FROM predictions WHERE run_id = ? GROUP BY sample_id`,
    )
    .raw()
    .all(runId) as Array<[number, string]>;
  return new Map(rows.map(([sampleId, text]) => [sampleId, cyrb53(text)]));
}

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
