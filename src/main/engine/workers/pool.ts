/**
 * A small pool of worker threads shared by imports, prediction import and evaluation: decoding,
 * hashing, encoding and counting of independent images run there (tasks.ts), one task per image,
 * while the engine's thread keeps SQLite (writes batched in its transactions) and stays responsive.
 * Workers start on first use, are unref'd (they never keep a process alive) and stop after a while
 * idle. Where no worker can start, tasks run inline with the same code.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerScript } from '../workerScript';
import { ApiError } from '../../../shared/api/errors';
import type { PoolRequest, PoolResponse } from './protocol';
import { currentReadRoots } from '../api/readScope';
import { tasks, type TaskInput, type TaskName, type TaskOutput } from './tasks';
import { testGate } from '../jobs/testGate';

/** Beside the bundle when built (out/node/poolWorker.js), else the TypeScript source through tsx. */
function workerUrl(): URL {
  return workerScript('poolWorker', import.meta.url, './devWorker.mjs');
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: number;
}

const IDLE_MS = 20_000;

export class WorkerPool {
  private slots: Slot[] = [];
  private pending = new Map<number, Pending & { slot: Slot }>();
  private nextId = 1;
  private failed = false;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(readonly size = Math.max(1, Math.min(4, availableParallelism()))) {}

  /** How many tasks to keep in flight to use every worker, `depth` per worker (one where tasks run inline). */
  concurrency(depth = 3): number {
    return this.failed ? 1 : this.size * depth;
  }

  run<K extends TaskName>(task: K, input: TaskInput<K>): Promise<TaskOutput<K>> {
    const slot = this.pick();
    if (slot === null) return (tasks[task] as (i: TaskInput<K>) => Promise<TaskOutput<K>>)(input);
    // An import's confinement (api/readScope.ts) goes with each of its tasks.
    const readRoots = currentReadRoots();
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const id = this.nextId++;
    slot.busy++;
    if (slot.busy === 1) slot.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, slot });
      slot.worker.postMessage({ id, task, input, readRoots } satisfies PoolRequest);
    });
  }

  /**
   * Starts the workers now, ahead of the first task: a command that will use them (an import) lets
   * their start-up (~0.1 s of a thread each) overlap its own (opening the store, listing files).
   */
  warm(): void {
    this.pick();
  }

  /** Stops every worker now (in-flight tasks fail). */
  async close(): Promise<void> {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private pick(): Slot | null {
    if (this.failed) return null;
    while (this.slots.length < this.size) {
      const slot = this.start();
      if (slot === null) break;
      this.slots.push(slot);
    }
    if (this.slots.length === 0) return null;
    let best = this.slots[0]!;
    for (const s of this.slots) if (s.busy < best.busy) best = s;
    return best;
  }

  private start(): Slot | null {
    let worker: Worker;
    try {
      worker = new Worker(workerUrl());
    } catch {
      this.failed = true;
      return null;
    }
    const slot: Slot = { worker, busy: 0 };
    worker.on('message', (res: PoolResponse) => this.settle(slot, res));
    worker.on('error', (err) => this.lose(slot, err));
    worker.on('exit', (code) => this.lose(slot, new Error(`pool worker exited with code ${code}`)));
    // After the listeners: adding a 'message' listener refs the worker's port again, and a worker
    // that never got a task then kept a finished CLI command alive until the pool's idle stop (20 s).
    worker.unref();
    return slot;
  }

  private settle(slot: Slot, res: PoolResponse): void {
    const p = this.pending.get(res.id);
    if (p === undefined) return;
    this.pending.delete(res.id);
    this.release(slot);
    if (res.ok) p.resolve(res.result);
    else if (res.error.code !== null) p.reject(new ApiError(res.error.code, res.error.message, res.error.details));
    else p.reject(new Error(res.error.message));
  }

  /** A worker died: its tasks fail, and the next run starts a fresh one. */
  private lose(slot: Slot, err: Error): void {
    const at = this.slots.indexOf(slot);
    if (at < 0) return;
    this.slots.splice(at, 1);
    for (const [id, p] of this.pending) {
      if (p.slot !== slot) continue;
      this.pending.delete(id);
      p.reject(err);
    }
  }

  private release(slot: Slot): void {
    slot.busy--;
    if (slot.busy === 0) slot.worker.unref();
    if (this.pending.size === 0 && this.idleTimer === null) {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = null;
        if (this.pending.size === 0) void this.close();
      }, IDLE_MS);
      this.idleTimer.unref();
    }
  }
}

let shared: WorkerPool | null = null;

/** The process's pool (imports and evaluation share it). */
export function sharedPool(): WorkerPool {
  shared ??= new WorkerPool();
  return shared;
}

let postprocess: WorkerPool | null = null;

/**
 * The pool a run on CUDA post-processes in (models/postprocessPlace.ts): there the CPU has nothing
 * else to do, so it takes every core but the engine's thread and the inference worker's, up to 8
 * (each item in flight holds its decoded image). Its workers start on the first CUDA run.
 */
export function postprocessPool(): WorkerPool {
  postprocess ??= new WorkerPool(Math.max(1, Math.min(8, availableParallelism() - 2)));
  return postprocess;
}

/**
 * Maps items through pool tasks with enough in flight to keep every worker busy, in input order.
 * `onResult` runs on the engine's thread as results arrive, in input order; when it returns a promise
 * (a write between results), the next result waits for it while the workers go on with the tasks
 * already sent them. `depth` is how many tasks to keep in flight per worker. With a job's `signal`,
 * tests can hold the job before an item (jobs/testGate.ts).
 */
export async function mapInPool<T, K extends TaskName>(
  pool: WorkerPool,
  items: readonly T[],
  task: K,
  input: (item: T, index: number) => TaskInput<K>,
  onResult: (result: TaskOutput<K>, item: T, index: number) => void | Promise<void>,
  signal?: AbortSignal,
  depth = 3,
): Promise<void> {
  const inFlight: Array<Promise<TaskOutput<K>>> = [];
  let next = 0;
  let done = 0;
  const limit = pool.concurrency(depth);
  const fill = (): void => {
    while (next < items.length && inFlight.length - done < limit) {
      const i = next++;
      const p = pool.run(task, input(items[i] as T, i));
      p.catch(() => undefined); // observed below, in order
      inFlight.push(p);
    }
  };
  fill();
  while (done < items.length) {
    signal?.throwIfAborted();
    if (signal !== undefined) await testGate(done, signal);
    const result = await inFlight[done]!;
    inFlight[done] = undefined as never; // let the result go
    const at = done++;
    // The next task goes out before this result is handled, so a worker never waits on the handling.
    fill();
    const handled = onResult(result, items[at] as T, at);
    if (handled !== undefined) await handled;
  }
}
