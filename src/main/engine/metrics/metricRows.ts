/**
 * Owns `metric_rows`: per (run, sample, class) pixel counts. Every score is a SUM over these rows
 * joined to a subset, so re-scoring a subset, a class or a tag never reads a pixel (DESIGN §2).
 */
import { ApiError } from '../../../shared/api/errors';
import type { Db } from '../store/db';
import type { CountRow } from './sampleCounts';

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

export function metricRowsStore(db: Db) {
  const insert = db.prepare(
    'INSERT INTO metric_rows (run_id, sample_id, class_idx, tp, fp, fn, gt_pixels, annotation_rev) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const deleteSample = db.prepare('DELETE FROM metric_rows WHERE run_id = ? AND sample_id = ?');
  return {
    /** The fingerprint each stored sample was computed from. */
    storedRevisions(runId: number): Map<number, string> {
      const rows = db
        .prepare('SELECT sample_id, MIN(annotation_rev) AS rev FROM metric_rows WHERE run_id = ? GROUP BY sample_id')
        .raw()
        .all(runId) as Array<[number, string]>;
      return new Map(rows);
    },
    /** Call inside a transaction. */
    replaceSample(runId: number, sampleId: number, rev: string, rows: readonly CountRow[]): void {
      deleteSample.run(runId, sampleId);
      for (const r of rows) insert.run(runId, sampleId, r.classIdx, r.tp, r.fp, r.fn, r.gtPixels, rev);
    },
    deleteSample(runId: number, sampleId: number): void {
      deleteSample.run(runId, sampleId);
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
export type MetricRowsStore = ReturnType<typeof metricRowsStore>;
