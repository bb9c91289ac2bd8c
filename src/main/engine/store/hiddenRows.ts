/**
 * The SQL of hidden rows (migration 10, datasets/slicedWrite.ts): datasets and runs an import or a
 * delete is still working on carry `hidden_by` and stay out of every listing and lookup; these
 * statements hide them, remove their rows a bounded batch at a time, and find the ones a killed
 * process left behind.
 */
import type { Db } from './db';
import { ownerAlive, parseOwner, type JobOwner } from '../jobs/owner';

export type HiddenTable = 'datasets' | 'runs';

/** Tables of a run's rows with a rowid, and those keyed by (run_id, sample_id) without one. */
const RUN_ROWID_TABLES = ['predictions', 'heatmaps'] as const;
const RUN_KEYED_TABLES = ['metric_samples', 'prediction_revs', 'metric_rows'] as const;

/** hidden_by of a row being deleted starts so (then the deleting process as JSON; plain 'delete' before it was recorded). */
export const DELETE_MARK = 'delete';

function deletedByLiveProcess(hiddenBy: string): boolean {
  if (!hiddenBy.startsWith(DELETE_MARK)) return false;
  let owner: JobOwner | null;
  try {
    owner = parseOwner(JSON.parse(hiddenBy.slice(DELETE_MARK.length)));
  } catch {
    owner = null; // plain 'delete' (before the deleting process was recorded): no owner to wait for
  }
  return ownerAlive(owner, null);
}

export function hiddenRows(db: Db) {
  const deleteImages = db.prepare('DELETE FROM images WHERE id IN (SELECT id FROM images WHERE dataset_id = ? LIMIT ?)');
  // The stored scores and the prediction counters go first: a prediction deleted after its counter
  // raises nothing (the counter trigger's UPDATE finds no row), where before every deleted region
  // raised its counter and re-checked the sample's stored score (migration 12), ~15% of a 100k delete.
  const runSteps = [
    ...RUN_KEYED_TABLES.map((t) => {
      const s = db.prepare(`DELETE FROM ${t} WHERE run_id = ? AND sample_id IN (SELECT sample_id FROM ${t} WHERE run_id = ? LIMIT ?)`);
      return (runId: number, limit: number): number => s.run(runId, runId, limit).changes;
    }),
    ...RUN_ROWID_TABLES.map((t) => {
      const s = db.prepare(`DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} WHERE run_id = ? LIMIT ?)`);
      return (runId: number, limit: number): number => s.run(runId, limit).changes;
    }),
  ];
  return {
    /**
     * Hides a run or dataset for its delete: hidden_by is 'delete' and the deleting process
     * (jobs/owner.ts), so that another process's open leaves a live delete alone (it used to finish
     * it, in one transaction, and log it as a half-import of a stopped process).
     */
    hideForDelete(table: HiddenTable, id: number, owner: JobOwner): void {
      db.prepare(`UPDATE ${table} SET hidden_by = ? WHERE id = ?`).run(`${DELETE_MARK}${JSON.stringify(owner)}`, id);
    },
    /** Every run of a dataset, hidden ones included. */
    runIdsOf(datasetId: number): number[] {
      return db.prepare('SELECT id FROM runs WHERE dataset_id = ?').pluck().all(datasetId) as number[];
    },
    /** Deletes up to `limit` of the dataset's images (samples, regions and tags cascade); how many went. */
    deleteImages(datasetId: number, limit: number): number {
      return deleteImages.run(datasetId, limit).changes;
    },
    /** Per table of a run's rows, a step deleting up to `limit` of them; each returns how many went. */
    runRowSteps: runSteps,
    /**
     * Hidden datasets or runs no queued or running job owns (an import whose process died) and no
     * live process is deleting (a delete whose process died, or one hidden by a Tessera that did not
     * record its deleting process).
     */
    abandoned(table: HiddenTable): number[] {
      const rows = db
        .prepare(
          `SELECT id, hidden_by FROM ${table} WHERE hidden_by IS NOT NULL
             AND hidden_by NOT IN (SELECT id FROM jobs WHERE status IN ('queued', 'running'))`,
        )
        .raw()
        .all() as Array<[number, string]>;
      return rows.filter(([, by]) => !deletedByLiveProcess(by)).map(([id]) => id);
    },
  };
}
