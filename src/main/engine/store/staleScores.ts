/**
 * Whether a run's stored per-sample scores (metric_samples) are current, and the scores when they are.
 *
 * A stored score is current while its fingerprint `rev` is 'g' || the sample's ground-truth counter ||
 * 'p' || the run's prediction counter of the sample (migration 6). Since migration 12, triggers on the
 * three tables the fingerprint is made of keep the stale rows listed in `stale_scores`, so the check
 * of a whole run is one indexed lookup, and the scores are one scan of the run's rows. A workspace
 * opened read-only at an older schema (db.ts READABLE_FROM) has no such table: its check joins the
 * three tables per row as before.
 */
import type { Db } from './db';
import { numberColumns } from './numberColumns';
import { hasTable } from './schemaTables';

/** A run's stored scores in sample id order; NaN for a sample without a score. */
export interface StoredScoreColumns {
  sampleIds: Float64Array;
  scores: Float64Array;
}

/** Whether the database keeps `stale_scores` (schema 12 and later). */
export function keepsStaleScores(db: Db): boolean {
  return hasTable(db, 'stale_scores');
}

/**
 * The run's stored scores in sample id order when every one is current; null when some row is stale.
 * Call inside a transaction when both answers must come from one snapshot. `expected`: about how many
 * rows the run has (its arrays are made that long at once).
 */
export function currentRunScores(db: Db, runId: number, expected = 0): StoredScoreColumns | null {
  if (!keepsStaleScores(db)) return joinedCheck(db, runId);
  if (db.prepare('SELECT 1 FROM stale_scores WHERE run_id = ? LIMIT 1').get(runId) !== undefined) return null;
  // Two packed columns from one scan (store/numberColumns.ts: ~30-60 ms at 100k, against ~55-70 ms for
  // two JSON arrays and ~260 ms for rows through the driver), bit for bit.
  const [sampleIds, scores] = numberColumns(
    db,
    'SELECT sample_id, score FROM metric_samples WHERE run_id = ? ORDER BY sample_id',
    'sample_id',
    'score',
    [runId],
    expected,
  );
  return ascending(sampleIds) ? { sampleIds, scores } : orderedRows(db, runId);
}

function ascending(ids: Float64Array): boolean {
  for (let k = 1; k < ids.length; k++) if (!(ids[k - 1]! < ids[k]!)) return false;
  return true;
}

/** The row query (when the aggregate's order is not the ids' order; never seen). */
function orderedRows(db: Db, runId: number): StoredScoreColumns {
  const rows = db.prepare('SELECT sample_id, score FROM metric_samples WHERE run_id = ? ORDER BY sample_id').raw().all(runId) as Array<
    [number, number | null]
  >;
  return { sampleIds: Float64Array.from(rows, (r) => r[0]), scores: Float64Array.from(rows, (r) => r[1] ?? NaN) };
}

/** Before migration 12: the ids of current rows (the check rides on them), and every row's score. */
function joinedCheck(db: Db, runId: number): StoredScoreColumns | null {
  const currentIds = db
    .prepare(
      `SELECT m.sample_id FROM metric_samples m
       LEFT JOIN ground_truth_revs g ON g.sample_id = m.sample_id
       LEFT JOIN prediction_revs r ON r.run_id = m.run_id AND r.sample_id = m.sample_id
       WHERE m.run_id = ? AND m.rev IS ('g' || COALESCE(g.rev, 0) || 'p' || COALESCE(r.rev, 0))
       ORDER BY m.sample_id`,
    )
    .pluck()
    .all(runId) as number[];
  const scores = db.prepare('SELECT score FROM metric_samples WHERE run_id = ? ORDER BY sample_id').pluck().all(runId) as Array<
    number | null
  >;
  return currentIds.length === scores.length
    ? { sampleIds: Float64Array.from(currentIds), scores: Float64Array.from(scores, (s) => s ?? NaN) }
    : null;
}
