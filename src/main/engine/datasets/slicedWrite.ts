/**
 * Imports and deletes work in slices on hidden rows (migration 10). One transaction for a whole import
 * or delete held the engine's event loop for its length (COCO val import: 0.4 s, 1,449 prediction
 * PNGs: 0.2 s, deleting a run of 100k images: 1.7 s, the dataset: 10 s), and `tessera serve`
 * answered nothing meanwhile. Now the dataset or run row is hidden first (`hidden_by`: the import's
 * job id, or 'delete'), which keeps it out of every listing and lookup; its images, regions,
 * predictions and scores are then written or deleted in transactions of ~25 ms each, with the event
 * loop free between them. An import's last slice reveals the row; a delete's removes it. Everything
 * is read and checked before an import's first write, so its slices only fail on faults (a full disk,
 * a cancel), except PNG predictions: their slices are written while the pool reads the next files
 * (StreamedSlices), and a bad file later on fails the import there. Either way the hidden rows are
 * then removed, in slices too. A process killed meanwhile
 * leaves them hidden, and the next process that opens the workspace removes them once no running job
 * owns them (removeAbandonedHidden).
 */
import { currentOwner } from '../jobs/owner';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { checkpointBetweenSlices, requestCheckpoint } from '../store/walCheckpoint';
import { testGate } from '../jobs/testGate';
import type { Db } from '../store/db';
import type { Repos } from '../store/store';
import { hiddenRows, type HiddenTable } from '../store/hiddenRows';

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
      await checkpointBetweenSlices(db);
      await testGate(-slice, signal);
    }
  }
}

/** Items a streamed slice writes at most: a few ms of writing, so the pool's queued tasks outlast it. */
const STREAM_BATCH = 32;

/**
 * writeInSlices for items that arrive while others are still being read (a pool's results, in
 * order): `add` keeps an item and, once STREAM_BATCH are kept, writes them in one short transaction;
 * `end` writes the rest. The pool's workers go on with their queued tasks meanwhile, so reading and
 * writing overlap instead of following each other. Between slices the WAL checkpoint is asked for
 * without waiting for it (store/walCheckpoint.ts), as a model run does after each item. A cancel is
 * seen at each slice; TESSERA_TEST_GATE=-k:FILE holds it after slice k, as in writeInSlices.
 */
export class StreamedSlices<T> {
  private pending: T[] = [];
  private written = 0;
  private slice = 0;
  private readonly batch = Math.min(STREAM_BATCH, sliceItems());

  constructor(
    private readonly db: Db,
    private readonly write: (item: T) => void,
    private readonly signal: AbortSignal,
    private readonly onSlice?: (done: number) => void,
  ) {}

  async add(item: T): Promise<void> {
    this.pending.push(item);
    if (this.pending.length >= this.batch) await this.flush();
  }

  async end(): Promise<void> {
    while (this.pending.length > 0) await this.flush();
  }

  private async flush(): Promise<void> {
    this.signal.throwIfAborted();
    const items = this.pending.splice(0, this.batch);
    this.db.transaction(() => {
      for (const item of items) this.write(item);
    })();
    this.written += items.length;
    this.slice++;
    this.onSlice?.(this.written);
    requestCheckpoint(this.db);
    await testGate(-this.slice, this.signal);
  }
}

/**
 * Runs `step` (which deletes up to `batch` rows and returns how many went) in slices of about
 * SLICE_MS, the batch grown or shrunk to fit, yielding to the event loop between them, until nothing
 * is left.
 */
async function deleteInSlices(db: Db, step: (batch: number) => number): Promise<void> {
  let batch = 256;
  for (;;) {
    const t = performance.now();
    const changes = db.transaction(() => step(batch))();
    if (changes === 0) return;
    const ms = performance.now() - t;
    // Toward SLICE_MS in proportion, growing at most 1.5x a step (doubling overshot to 50-65 ms where
    // a batch of images cascades into many samples and regions) and shrinking at most 2x.
    const fit = (batch * SLICE_MS) / Math.max(ms, 0.1);
    batch = Math.max(16, Math.min(65_536, Math.round(Math.min(batch * 1.5, Math.max(batch / 2, fit)))));
    await nextTurn();
    await checkpointBetweenSlices(db);
  }
}

/** Removes a hidden dataset (a partial import, or one being deleted): its runs, its images in slices (samples, regions and tags cascade), then the rest. */
export async function removeHiddenDataset(db: Db, repos: Repos, datasetId: number): Promise<void> {
  const hidden = hiddenRows(db);
  for (const runId of hidden.runIdsOf(datasetId)) await removeHiddenRun(db, repos, runId);
  await deleteInSlices(db, (n) => hidden.deleteImages(datasetId, n));
  db.transaction(() => repos.datasets.delete(datasetId))();
}

/** Removes a hidden run (a partial import, or one being deleted): its rows in slices, then the run. */
export async function removeHiddenRun(db: Db, repos: Repos, runId: number): Promise<void> {
  for (const step of hiddenRows(db).runRowSteps) await deleteInSlices(db, (n) => step(runId, n));
  db.transaction(() => repos.runs.delete(runId))();
}

/** Hides a run or dataset at once (its delete then goes on in slices: removeHiddenRun / removeHiddenDataset). */
export function hideForDelete(db: Db, table: HiddenTable, id: number): void {
  hiddenRows(db).hideForDelete(table, id, currentOwner());
}

/**
 * On open: datasets and runs left hidden by an import whose job is no longer running, or by a delete
 * (its process was killed), are removed. Imports of live processes keep theirs (their job stays
 * 'running'). Returns how many went.
 */
export function removeAbandonedHidden(db: Db, repos: Repos): { datasets: number; runs: number } {
  const hidden = hiddenRows(db);
  const datasets = hidden.abandoned('datasets');
  const runs = hidden.abandoned('runs');
  db.transaction(() => {
    for (const id of runs) repos.runs.delete(id);
    for (const id of datasets) repos.datasets.delete(id);
  })();
  return { datasets: datasets.length, runs: runs.length };
}
