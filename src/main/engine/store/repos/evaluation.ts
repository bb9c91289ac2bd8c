/**
 * The queries behind a run's evaluation set (metrics/evaluationSet.ts): which samples a run is scored
 * on, their ground-truth and prediction counters, and the stored per-sample rows (metric_samples).
 */
import type { Db } from '../db';
import { hasTable } from '../schemaTables';
import { compareUtf8 } from '../../../../shared/domain/imageOrder';
import { sampleListOfNameText } from '../scoreSnapshots';

type Task = 'semantic' | 'referring';

/** Semantic: the image's sample when it has ground truth; referring: every query sample. */
const scoredSql = (task: Task): string =>
  task === 'semantic' ? 's.query IS NULL AND EXISTS (SELECT 1 FROM annotations a WHERE a.sample_id = s.id)' : 's.query IS NOT NULL';

/**
 * Which samples a run is scored on: 'all' of its dataset's (a complete run: it stores no region for
 * background); 'listed', the samples its starts asked for (a complete model run started on a subset,
 * migration 18's run_samples); 'predicted', those it holds results (regions or heatmaps) for (an
 * unfinished run).
 */
export type RunCoverage = 'all' | 'listed' | 'predicted';

export function runCoverage(db: Db, runId: number, status: string): RunCoverage {
  if (status !== 'complete') return 'predicted';
  // A store read at an older schema (read-only) has no run_samples: its subset runs score as before.
  if (!hasTable(db, 'run_samples')) return 'all';
  return db.prepare('SELECT 1 FROM run_samples WHERE run_id = ? LIMIT 1').get(runId) === undefined ? 'all' : 'listed';
}

const predictedSql = (coverage: RunCoverage): string =>
  coverage === 'all'
    ? '1'
    : coverage === 'listed'
      ? 'EXISTS (SELECT 1 FROM run_samples rs WHERE rs.run_id = $run AND rs.sample_id = s.id)'
      : `(EXISTS (SELECT 1 FROM predictions p WHERE p.run_id = $run AND p.sample_id = s.id)
         OR EXISTS (SELECT 1 FROM heatmaps h WHERE h.run_id = $run AND h.sample_id = s.id))`;

/** [sampleId, imageId, fileName, query, height, width, predicted (1 or 0), gtRev, predRev, stored rev, stored score] */
export type EvaluationRow = [
  number,
  number,
  string,
  string | null,
  number,
  number,
  number,
  number | null,
  number | null,
  string | null,
  number | null,
];

/** Every candidate sample of the dataset for the run, in file name, image, sample order. */
export function evaluationRows(db: Db, datasetId: number, runId: number, task: Task, coverage: RunCoverage): EvaluationRow[] {
  return db
    .prepare(
      `SELECT s.id, s.image_id, i.file_name, s.query, i.height, i.width, ${predictedSql(coverage)},
         (SELECT g.rev FROM ground_truth_revs g WHERE g.sample_id = s.id),
         (SELECT r.rev FROM prediction_revs r WHERE r.run_id = $run AND r.sample_id = s.id),
         m.rev, m.score
       FROM images i JOIN samples s ON s.image_id = i.id
       LEFT JOIN metric_samples m ON m.run_id = $run AND m.sample_id = s.id
       WHERE i.dataset_id = $dataset AND ${scoredSql(task)}
       ORDER BY i.file_name, i.id, s.id`,
    )
    .raw()
    .all({ run: runId, dataset: datasetId }) as EvaluationRow[];
}

/**
 * [sampleId, imageId, fileName, query, stored score, stale]: stale is 0 when the stored fingerprint
 * (metric_samples.rev) equals the current `g<gt rev>p<pred rev>`, 1 when not, NULL when an unfinished
 * run has not predicted the sample. Same order as evaluationRows.
 */
export type CurrentSampleRow = [number, number, string, string | null, number | null, number | null];

export function currentSampleRows(db: Db, datasetId: number, runId: number, task: Task, coverage: RunCoverage): CurrentSampleRow[] {
  return db
    .prepare(
      `SELECT s.id, s.image_id, i.file_name, s.query, m.score,
         CASE WHEN ${predictedSql(coverage)} THEN m.rev IS NOT ('g' || COALESCE((SELECT g.rev FROM ground_truth_revs g WHERE g.sample_id = s.id), 0)
           || 'p' || COALESCE((SELECT r.rev FROM prediction_revs r WHERE r.run_id = $run AND r.sample_id = s.id), 0)) END
       FROM images i JOIN samples s ON s.image_id = i.id
       LEFT JOIN metric_samples m ON m.run_id = $run AND m.sample_id = s.id
       WHERE i.dataset_id = $dataset AND ${scoredSql(task)}
       ORDER BY i.file_name, i.id, s.id`,
    )
    .raw()
    .all({ run: runId, dataset: datasetId }) as CurrentSampleRow[];
}

/** Whether some complete run of the dataset has stored per-sample scores (a score sort can be asked for). */
export function hasStoredScores(db: Db, datasetId: number): boolean {
  return (
    db
      .prepare(
        `SELECT 1 FROM runs r WHERE r.dataset_id = ? AND r.status = 'complete' AND r.hidden_by IS NULL AND EXISTS (SELECT 1 FROM metric_samples m WHERE m.run_id = r.id) LIMIT 1`,
      )
      .get(datasetId) !== undefined
  );
}

/** The most recent complete runs of the dataset with stored per-sample scores (newest first). */
export function scoredRunIds(db: Db, datasetId: number, limit: number): number[] {
  return db
    .prepare(
      `SELECT r.id FROM runs r WHERE r.dataset_id = ? AND r.status = 'complete' AND r.hidden_by IS NULL
         AND EXISTS (SELECT 1 FROM metric_samples m WHERE m.run_id = r.id) ORDER BY r.id DESC LIMIT ?`,
    )
    .pluck()
    .all(datasetId, limit) as number[];
}

/** Model kinds whose runs write masks (a label map or binary masks; run writers store no region for background). */
const MASK_MODEL_KINDS = ['semantic-seg', 'probability-map', 'cam', 'seg-token', 'prompt-decoder'];
/** Prediction import formats that are masks (npy and toco-cam import heatmaps). */
const MASK_IMPORT_FORMATS = ['png', 'coco-results'];

/**
 * Whether a run holds masks to score: it stored a region, or it is a complete run of masks that
 * predicted background (or empty masks) everywhere — a model of a mask-writing kind, or an import
 * of PNGs or COCO results. Not a run of heatmaps only (patch tokens, imported CAMs), nor an
 * unfinished run with nothing stored yet.
 */
export function runHasPredictions(db: Db, runId: number): boolean {
  return db.prepare(`SELECT 1 FROM runs r WHERE r.id = ? AND ${runHoldsMasksSql('r')}`).get(runId) !== undefined;
}

/** runHasPredictions as an SQL condition on the runs row `r` (runs.list reports it as hasMasks). */
export function runHoldsMasksSql(r: string): string {
  return `(EXISTS (SELECT 1 FROM predictions WHERE run_id = ${r}.id)
    OR (${r}.status = 'complete' AND (
         json_extract(${r}.provenance, '$.modelKind') IN (${MASK_MODEL_KINDS.map((k) => `'${k}'`).join(', ')})
      OR (${r}.source = 'import' AND json_extract(${r}.params, '$.format') IN (${MASK_IMPORT_FORMATS.map((f) => `'${f}'`).join(', ')})))))`;
}

export function datasetTaskOf(db: Db, datasetId: number): string | undefined {
  return (db.prepare('SELECT task FROM datasets WHERE id = ?').get(datasetId) as { task: string } | undefined)?.task;
}

export function runDatasetAndStatus(db: Db, runId: number): { datasetId: number; status: string } | undefined {
  const row = db.prepare('SELECT dataset_id, status FROM runs WHERE id = ? AND hidden_by IS NULL').get(runId) as
    { dataset_id: number; status: string } | undefined;
  return row === undefined ? undefined : { datasetId: row.dataset_id, status: row.status };
}

export function datasetHasClasses(db: Db, datasetId: number): boolean {
  return db.prepare('SELECT 1 FROM classes WHERE dataset_id = ? LIMIT 1').get(datasetId) !== undefined;
}

/** The largest class index of the dataset; null when it has no classes. */
export function maxClassIdx(db: Db, datasetId: number): number | null {
  return (db.prepare('SELECT MAX(idx) AS max FROM classes WHERE dataset_id = ?').get(datasetId) as { max: number | null }).max;
}

/** A sample's ground-truth and (for the run) prediction counters (migration 6). */
export function sampleRevs(db: Db, runId: number, sampleId: number): [number | null, number | null] {
  return db
    .prepare(
      `SELECT (SELECT rev FROM ground_truth_revs WHERE sample_id = $sample), (SELECT rev FROM prediction_revs WHERE run_id = $run AND sample_id = $sample)`,
    )
    .raw()
    .get({ run: runId, sample: sampleId }) as [number | null, number | null];
}

/** How many samples have a stored row (metric_samples) in the run. */
export function storedSampleCount(db: Db, runId: number): number {
  return (db.prepare('SELECT COUNT(*) FROM metric_samples WHERE run_id = ?').pluck().get(runId) as number) ?? 0;
}

/** Readers of the per-sample counters (statements prepared once, for loops over many samples). */
export function revReaders(db: Db) {
  const gt = db.prepare('SELECT rev FROM ground_truth_revs WHERE sample_id = ?').pluck();
  const gts = db.prepare('SELECT sample_id, rev FROM ground_truth_revs WHERE sample_id IN (SELECT value FROM json_each(?))').raw();
  const pred = db.prepare('SELECT rev FROM prediction_revs WHERE run_id = ? AND sample_id = ?').pluck();
  return {
    groundTruth: (sampleId: number): number | null => (gt.get(sampleId) as number | undefined) ?? null,
    /** The ground-truth counters of several samples (samples without one are absent). */
    groundTruths: (sampleIds: readonly number[]): Map<number, number> =>
      new Map(gts.all(JSON.stringify(sampleIds)) as Array<[number, number]>),
    prediction: (runId: number, sampleId: number): number | null => (pred.get(runId, sampleId) as number | undefined) ?? null,
  };
}

/** The samples a run of a `task` dataset is scored on, as columns in file name, image, sample order. */
export interface ScoredSampleColumns {
  sampleIds: Float64Array;
  imageIds: Float64Array;
  fileNames: string[];
  queries: Array<string | null>;
}

/**
 * The scored samples of a dataset in gallery order. 100k rows fetched as rows cost ~150 ms, two thirds
 * of it in making a JS array per row; fetched as four JSON arrays built by SQLite they cost ~80 ms.
 * JSON is exact here (integer ids and text). An aggregate over an ordered subquery follows that order
 * in SQLite, but the documentation leaves it unspecified, so the order is checked and the row query
 * answers when the check fails.
 */
export function scoredSampleColumns(db: Db, datasetId: number, task: Task): ScoredSampleColumns {
  const listed = `SELECT s.id, s.image_id, i.file_name, s.query FROM images i JOIN samples s ON s.image_id = i.id
       WHERE i.dataset_id = ? AND ${scoredSql(task)} ORDER BY i.file_name, i.id, s.id`;
  // A semantic dataset's scored samples have no query (scoredSql): that column is not listed, the ids
  // come as decimal text and the names as one UTF-8 text (scoreSnapshots.ts sampleListOfNameText), not as JSON.
  const withQueries = task !== 'semantic';
  if (!withQueries) {
    const [count, ids, imageIds, named] = db
      .prepare(
        `SELECT count(*), CAST(group_concat(id) AS BLOB), CAST(group_concat(image_id) AS BLOB),
           CAST(group_concat(file_name, char(0)) || char(0) AS BLOB) FROM (${listed})`,
      )
      .raw()
      .get(datasetId) as [number, Buffer | null, Buffer | null, Buffer | null];
    const none = new Uint8Array(0);
    const sampleIds = decimalList(ids ?? none, count);
    const imageIdColumn = decimalList(imageIds ?? none, count);
    const text = named ?? none;
    // The order is checked on the bytes: the names stay bytes until someone reads them.
    const out =
      sampleIds !== null && imageIdColumn !== null && nameTextInGalleryOrder(sampleIds, imageIdColumn, text)
        ? sampleListOfNameText(sampleIds, imageIdColumn, text)
        : null;
    return out ?? scoredSampleRows(db, listed, datasetId);
  }
  const arrays = db
    .prepare(
      `SELECT json_group_array(id), json_group_array(image_id), json_group_array(file_name)${withQueries ? ', json_group_array(query)' : ''} FROM (${listed})`,
    )
    .raw()
    .get(datasetId) as [string, string, string, string?];
  const fileNames = JSON.parse(arrays[2]) as string[];
  const out: ScoredSampleColumns = {
    sampleIds: Float64Array.from(JSON.parse(arrays[0]) as number[]),
    imageIds: Float64Array.from(JSON.parse(arrays[1]) as number[]),
    fileNames,
    queries: withQueries ? (JSON.parse(arrays[3]!) as Array<string | null>) : new Array<null>(fileNames.length).fill(null),
  };
  return inGalleryOrder(out) ? out : scoredSampleRows(db, listed, datasetId);
}

/** The row query's answer (the slow way, when the aggregate's order is not the gallery's). */
function scoredSampleRows(db: Db, listed: string, datasetId: number): ScoredSampleColumns {
  const rows = db.prepare(listed).raw().all(datasetId) as Array<[number, number, string, string | null]>;
  const n = rows.length;
  const out: ScoredSampleColumns = {
    sampleIds: new Float64Array(n),
    imageIds: new Float64Array(n),
    fileNames: new Array(n),
    queries: new Array(n),
  };
  for (let k = 0; k < n; k++) {
    const [sampleId, imageId, fileName, query] = rows[k]!;
    out.sampleIds[k] = sampleId;
    out.imageIds[k] = imageId;
    out.fileNames[k] = fileName;
    out.queries[k] = query;
  }
  return out;
}

/**
 * `n` non-negative integers as SQLite's group_concat writes them ("12,7,3"; an empty text for none), or
 * null when the text is anything else (a sign, more digits than a double holds exactly, another count).
 * Read ~4x faster than json_group_array's text through JSON.parse, which SQLite also writes more slowly.
 */
export function decimalList(text: Uint8Array, n: number): Float64Array | null {
  const out = new Float64Array(n);
  let k = 0;
  let value = 0;
  let digits = 0;
  for (let at = 0; at < text.length; at++) {
    const c = text[at]!;
    if (c === 0x2c) {
      if (digits === 0 || k === n) return null;
      out[k++] = value;
      value = 0;
      digits = 0;
      continue;
    }
    const d = c - 0x30;
    if (d < 0 || d > 9 || ++digits > 15) return null;
    value = value * 10 + d;
  }
  if (text.length > 0) {
    if (digits === 0 || k === n) return null; // a trailing comma, or one number too many
    out[k++] = value;
  }
  return k === n ? out : null;
}

/**
 * inGalleryOrder over names as SQLite gave them: UTF-8, each followed by a NUL byte (the BINARY
 * collation compares those bytes). False when the text does not hold one name per id.
 */
export function nameTextInGalleryOrder(sampleIds: Float64Array, imageIds: Float64Array, named: Uint8Array): boolean {
  const n = sampleIds.length;
  if (imageIds.length !== n) return false;
  let row = 0;
  let start = 0; // of the current name
  let before = -1; // start of the previous name (its NUL ends it)
  for (let end = 0; end < named.length; end++) {
    if (named[end] !== 0) continue;
    if (row === n) return false;
    if (before >= 0) {
      // The previous name against this one, byte by byte; a name that is a prefix of the other sorts first.
      let a = before;
      let b = start;
      while (named[a] === named[b] && named[a] !== 0) {
        a++;
        b++;
      }
      const byName = named[a]! - named[b]!; // the NUL of a shorter name is the smallest byte
      if (byName > 0) return false;
      if (byName === 0) {
        const x = imageIds[row - 1]!;
        const y = imageIds[row]!;
        if (x > y || (x === y && sampleIds[row - 1]! >= sampleIds[row]!)) return false;
      }
    }
    before = start;
    start = end + 1;
    row++;
  }
  return row === n && start === named.length;
}

/** Whether the columns are ordered by (file name as SQLite's BINARY collation orders it, image id, sample id). */
export function inGalleryOrder(c: ScoredSampleColumns): boolean {
  const n = c.sampleIds.length;
  if (c.imageIds.length !== n || c.fileNames.length !== n || c.queries.length !== n) return false;
  for (let k = 1; k < n; k++) {
    const byName = compareUtf8(c.fileNames[k - 1]!, c.fileNames[k]!);
    if (byName < 0) continue;
    if (byName > 0) return false;
    const a = c.imageIds[k - 1]!;
    const b = c.imageIds[k]!;
    if (a > b || (a === b && c.sampleIds[k - 1]! >= c.sampleIds[k]!)) return false;
  }
  return true;
}
