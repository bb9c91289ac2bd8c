/**
 * WAL checkpoints between the slices of a long write (datasets/slicedWrite.ts), taken off the engine's
 * thread. SQLite checkpoints inside the commit that takes the WAL past 1000 pages: copying them into
 * the database file and syncing it held the engine's event loop 50-230 ms at a time during a 100k-image
 * delete. Between slices the engine writes nothing, so a checkpoint made then by another connection
 * (the read worker's writer: store/readWorker/worker.ts) copies the whole WAL, and the next slice's
 * transaction starts the WAL over: the engine's own automatic checkpoint is then never reached.
 * Without a worker (a CLI command, a read-only store) nothing is registered and SQLite checkpoints as
 * before. A checkpoint elsewhere is only ever an optimisation: failures are ignored.
 */
import type { Db } from './db';

const checkpointers = new WeakMap<Db, () => Promise<unknown>>();

/** Registers (or, with null, removes) the off-thread checkpoint of the WAL `db` writes to. */
export function setOffThreadCheckpoint(db: Db, checkpoint: (() => Promise<unknown>) | null): void {
  if (checkpoint === null) checkpointers.delete(db);
  else checkpointers.set(db, checkpoint);
}

/** Checkpoints the WAL off the engine's thread when a checkpointer is registered, else does nothing. */
export async function checkpointBetweenSlices(db: Db): Promise<void> {
  const checkpoint = checkpointers.get(db);
  if (checkpoint === undefined) return;
  try {
    await checkpoint();
  } catch {
    // SQLite's own automatic checkpoint stays in place.
  }
}

/**
 * Asks for an off-thread checkpoint without waiting for it: after a model run's per-item commit, the
 * next commit is an inference away, so the checkpoint is usually complete before it (and the WAL
 * starts over) without the run ever waiting on it.
 */
export function requestCheckpoint(db: Db): void {
  void checkpointBetweenSlices(db);
}
