/**
 * Owns `metric_rows`: per (run, sample, class) pixel counts. Every score is a SUM over these rows
 * joined to a subset, so re-scoring a subset, a class or a tag never reads a pixel (docs/design.md §2.3, §5.9).
 */
import { ApiError } from '../../../../shared/api/apiError';
import type { Db } from '../db';
import { multiRowInsert } from '../multiInsert';
import { sampleScore } from '../../metrics/aggregate';
import type { EvaluationTask } from '../../metrics/evaluationSet';
import type { CountRow } from '../../metrics/sampleCounts';

/** A subset restriction as SQL over `m.sample_id`; the empty string when there is none. */
export interface SubsetFilter {
  tag: string | null;
  sql: string;
  params: unknown[];
}

export interface SampleRows {
  sampleId: number;
  rows: CountRow[];
}

/**
 * A tag names the samples carrying it plus every sample whose image carries it (tags go on images
 * for semantic datasets and on samples for referring queries). An unknown tag is an error, not an
 * empty subset, because a typo would otherwise print scores of nothing.
 */
export function subsetFilter(db: Db, tag: string | undefined): SubsetFilter {
  if (tag === undefined) return { tag: null, sql: '', params: [] };
  const row = db.prepare('SELECT id FROM tags WHERE name = ?').get(tag) as { id: number } | undefined;
  if (row === undefined)
    throw new ApiError('NOT_FOUND', `no tag named "${tag}" in this workspace (tag images first, then use it as --subset)`, { tag });
  return {
    tag,
    sql: `AND m.sample_id IN (SELECT st.sample_id FROM sample_tags st WHERE st.tag_id = ?
            UNION SELECT s.id FROM samples s JOIN image_tags it ON it.image_id = s.image_id WHERE it.tag_id = ?)`,
    params: [row.id, row.id],
  };
}

/**
 * Refuses a subset tag that marks no image of the dataset (nor any of its queries): scored, it gave
 * "on 0 images" and empty tables with exit 0, as if the runs had nothing in common. Says where the
 * tag is used instead. Unknown tags are subsetFilter's NOT_FOUND.
 */
export function checkSubsetInDataset(db: Db, datasetId: number, tag: string | undefined): void {
  if (tag === undefined) return;
  const id = (db.prepare('SELECT id FROM tags WHERE name = ?').get(tag) as { id: number } | undefined)?.id;
  if (id === undefined) return;
  const inDataset = (datasetFilter: string, param: number[]): number =>
    (
      db
        .prepare(
          `SELECT COUNT(*) AS n FROM images i WHERE ${datasetFilter} AND (
             EXISTS (SELECT 1 FROM image_tags it WHERE it.image_id = i.id AND it.tag_id = ?)
             OR EXISTS (SELECT 1 FROM samples s JOIN sample_tags st ON st.sample_id = s.id WHERE s.image_id = i.id AND st.tag_id = ?))`,
        )
        .get(...param, id, id) as { n: number }
    ).n;
  if (inDataset('i.dataset_id = ?', [datasetId]) > 0) return;
  const elsewhere = inDataset('i.dataset_id <> ?', [datasetId]);
  const name =
    (db.prepare('SELECT name FROM datasets WHERE id = ?').get(datasetId) as { name: string } | undefined)?.name ?? `${datasetId}`;
  throw new ApiError(
    'INVALID_INPUT',
    `tag "${tag}" marks no image of dataset "${name}"${elsewhere > 0 ? ` (it marks ${elsewhere} image${elsewhere === 1 ? '' : 's'} of other datasets)` : ''}: tag this dataset's images first (tessera tags add ${tag} --dataset ${name} --images ... | --split S | --all)`,
    { tag },
  );
}

export function metricRowsStore(db: Db) {
  const insertRows = multiRowInsert(db, 'metric_rows', [
    'run_id',
    'sample_id',
    'class_idx',
    'tp',
    'fp',
    'fn',
    'gt_pixels',
    'annotation_rev',
  ]);
  const deleteSample = db.prepare('DELETE FROM metric_rows WHERE run_id = ? AND sample_id = ?');
  const upsertSample = db.prepare(
    `INSERT INTO metric_samples (run_id, sample_id, rev, score) VALUES (?, ?, ?, ?)
     ON CONFLICT (run_id, sample_id) DO UPDATE SET rev = excluded.rev, score = excluded.score`,
  );
  const deleteSampleRow = db.prepare('DELETE FROM metric_samples WHERE run_id = ? AND sample_id = ?');
  /** One multi-row INSERT of the sample's count rows, then its metric_samples row (score returned). */
  const insertSample = (runId: number, sampleId: number, rev: string, rows: readonly CountRow[], task: EvaluationTask): number | null => {
    const values: unknown[] = [];
    for (const r of rows) values.push(runId, sampleId, r.classIdx, r.tp, r.fp, r.fn, r.gtPixels, rev);
    if (values.length > 0) insertRows(values);
    const score = sampleScore(task, rows);
    upsertSample.run(runId, sampleId, rev, score);
    return score;
  };
  return {
    /** How many samples have rows in the run. */
    sampleCount(runId: number): number {
      return (db.prepare('SELECT COUNT(*) FROM metric_samples WHERE run_id = ?').pluck().get(runId) as number) ?? 0;
    },
    /** The samples with rows in the run. */
    sampleIds(runId: number): number[] {
      return db.prepare('SELECT sample_id FROM metric_samples WHERE run_id = ?').pluck().all(runId) as number[];
    },
    /** Call inside a transaction. `task` decides the stored per-sample score (aggregate.ts sampleScore), which is returned. */
    replaceSample(runId: number, sampleId: number, rev: string, rows: readonly CountRow[], task: EvaluationTask): number | null {
      deleteSample.run(runId, sampleId);
      return insertSample(runId, sampleId, rev, rows, task);
    },
    /** replaceSample for a sample without rows in the run yet (a run created in the same transaction). */
    insertSample,
    deleteSample(runId: number, sampleId: number): void {
      deleteSample.run(runId, sampleId);
      deleteSampleRow.run(runId, sampleId);
    },
    /** Samples in the subset with their stored score (null: no pixel of any class), in sample id order. */
    sampleScores(runId: number, subset: SubsetFilter): Map<number, number | null> {
      const rows = db
        .prepare(`SELECT m.sample_id, m.score FROM metric_samples m WHERE m.run_id = ? ${subset.sql}`)
        .raw()
        .all(runId, ...subset.params) as Array<[number, number | null]>;
      return new Map(rows);
    },
    /** Each subset sample's score for one class (semantic): IoU of that class, null when it has no pixel of it. */
    classScores(runId: number, subset: SubsetFilter, classIdx: number): Map<number, number | null> {
      const rows = db
        .prepare(
          `SELECT m.sample_id, r.tp, r.fp, r.fn FROM metric_samples m
           LEFT JOIN metric_rows r ON r.run_id = m.run_id AND r.sample_id = m.sample_id AND r.class_idx = ?
           WHERE m.run_id = ? ${subset.sql}`,
        )
        .raw()
        .all(classIdx, runId, ...subset.params) as Array<[number, number | null, number | null, number | null]>;
      const out = new Map<number, number | null>();
      for (const [sampleId, tp, fp, fn] of rows) {
        const union = (tp ?? 0) + (fp ?? 0) + (fn ?? 0);
        out.set(sampleId, union > 0 ? (tp ?? 0) / union : null);
      }
      return out;
    },
    /** Per-class sums over the subset: what a dataset score is computed from. */
    classSums(runId: number, subset: SubsetFilter): { samples: number; images: number; rows: CountRow[] } {
      const rows = db
        .prepare(
          `SELECT m.class_idx AS classIdx, SUM(m.tp) AS tp, SUM(m.fp) AS fp, SUM(m.fn) AS fn, SUM(m.gt_pixels) AS gtPixels
           FROM metric_rows m WHERE m.run_id = ? ${subset.sql} GROUP BY m.class_idx ORDER BY m.class_idx`,
        )
        .all(runId, ...subset.params) as CountRow[];
      const count = db
        .prepare(
          `SELECT COUNT(DISTINCT m.sample_id) AS samples, COUNT(DISTINCT s.image_id) AS images
           FROM metric_rows m JOIN samples s ON s.id = m.sample_id WHERE m.run_id = ? ${subset.sql}`,
        )
        .get(runId, ...subset.params) as { samples: number; images: number };
      return { ...count, rows };
    },
    /** Every sample's rows over the subset, in sample id order (comparisons, bootstrap, per-image scores). */
    perSample(runId: number, subset: SubsetFilter): SampleRows[] {
      const rows = db
        .prepare(
          `SELECT m.sample_id, m.class_idx, m.tp, m.fp, m.fn, m.gt_pixels FROM metric_rows m
           WHERE m.run_id = ? ${subset.sql} ORDER BY m.sample_id, m.class_idx`,
        )
        .raw()
        .all(runId, ...subset.params) as Array<[number, number, number, number, number, number]>;
      const out: SampleRows[] = [];
      for (const [sampleId, classIdx, tp, fp, fn, gtPixels] of rows) {
        let last = out[out.length - 1];
        if (last === undefined || last.sampleId !== sampleId) {
          last = { sampleId, rows: [] };
          out.push(last);
        }
        last.rows.push({ classIdx, tp, fp, fn, gtPixels });
      }
      return out;
    },
  };
}
