/**
 * Imports write in slices, hidden until their last one (migration 10). One transaction for a whole
 * import held the engine's event loop for its length (COCO val: 0.4 s, 1,449 prediction PNGs: 0.2 s,
 * COCO train: seconds), and `tessera serve` answered nothing meanwhile. Now the dataset or run row is
 * written first, carrying its job's id (`import_job`), which keeps it out of every listing and
 * lookup; its images, regions, predictions and scores follow in transactions of ~25 ms each, with
 * the event loop free between them; the last one clears `import_job`. Everything is still read and
 * checked before the first write, so the slices only fail on faults (a full disk, a cancel); then the
 * hidden rows are removed, in slices too. A process killed mid-import leaves them hidden, and the
 * next process that opens the workspace removes them once it sees their job gone
 * (removeAbandonedImports).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { testGate } from '../jobs/testGate';
import type { Db } from '../store/db';
import type { Repos } from '../store/store';

/** How long one slice's transaction may run before the event loop gets a turn. */
const SLICE_MS = 25;

/** At most this many items a slice (tests set TESSERA_TEST_SLICE_ITEMS to get several slices from a small import). */
function sliceItems(): number {
  const n = Number(process.env['TESSERA_TEST_SLICE_ITEMS']);
  return Number.isInteger(n) && n > 0 ? n : Number.POSITIVE_INFINITY;
}

/**
 * Writes `items` with `write`, in transactions of about SLICE_MS, yielding to the event loop between
 * them. A cancel is seen between slices. Tests can hold it after slice k (k = 1, 2, ...) with
 * TESSERA_TEST_GATE=-k:FILE (jobs/testGate.ts).
 */
export async function writeInSlices<T>(
  db: Db,
  items: readonly T[],
  write: (item: T, index: number) => void,
  signal: AbortSignal,
  onSlice?: (done: number) => void,
): Promise<void> {
  const most = sliceItems();
  let next = 0;
  let slice = 0;
  while (next < items.length) {
    signal.throwIfAborted();
    db.transaction(() => {
      const until = performance.now() + SLICE_MS;
      const end = Math.min(items.length, next + most);
      do {
        write(items[next] as T, next);
        next++;
      } while (next < end && performance.now() < until);
    })();
    slice++;
    onSlice?.(next);
    if (next < items.length) {
      await nextTurn();
      await testGate(-slice, signal);
    }
  }
}

/** Deletes rows `statement` picks (a bounded batch per run) until none is left, a slice at a time. */
async function deleteInSlices(db: Db, sql: string, id: number): Promise<void> {
  const step = db.prepare(sql);
  while (db.transaction(() => step.run(id, BATCH).changes)() > 0) await nextTurn();
}

const BATCH = 500;

/** Removes a hidden (partly imported) dataset: its images in slices (samples, regions and tags cascade), then the rest. */
export async function removeHiddenDataset(db: Db, repos: Repos, datasetId: number): Promise<void> {
  await deleteInSlices(db, 'DELETE FROM images WHERE id IN (SELECT id FROM images WHERE dataset_id = ? LIMIT ?)', datasetId);
  db.transaction(() => repos.datasets.delete(datasetId))();
}

/** Removes a hidden (partly imported) run: its predictions, count rows and heatmaps in slices, then the run. */
export async function removeHiddenRun(db: Db, repos: Repos, runId: number): Promise<void> {
  for (const table of ['predictions', 'metric_rows', 'heatmaps'])
    await deleteInSlices(db, `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE run_id = ? LIMIT ?)`, runId);
  db.transaction(() => repos.runs.delete(runId))();
}

/**
 * On open: datasets and runs left hidden by an import whose job is no longer running (its process
 * was killed) are removed. Jobs of live processes keep theirs (their job stays 'running'). Returns
 * how many went.
 */
export function removeAbandonedImports(db: Db, repos: Repos): { datasets: number; runs: number } {
  const abandoned = (table: 'datasets' | 'runs'): number[] =>
    db
      .prepare(
        `SELECT id FROM ${table} WHERE import_job IS NOT NULL
           AND import_job NOT IN (SELECT id FROM jobs WHERE status IN ('queued', 'running'))`,
      )
      .pluck()
      .all() as number[];
  const datasets = abandoned('datasets');
  const runs = abandoned('runs');
  db.transaction(() => {
    for (const id of runs) repos.runs.delete(id);
    for (const id of datasets) repos.datasets.delete(id);
  })();
  return { datasets: datasets.length, runs: runs.length };
}
