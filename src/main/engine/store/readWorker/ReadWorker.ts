/**
 * The engine's side of the read worker (worker.ts): heavy reads (gallery pages, id lists, scores) go
 * to a read-only connection in a worker thread, so while one runs the engine keeps answering every
 * other call (workspace.info, blobs, job events). Started on first use; requests are queued in the
 * worker in arrival order. Without a worker (a read-only or damaged store, `enabled: false`) or when
 * it cannot start or dies, the same reads run in the engine's thread, as they did before.
 */
import { Worker } from 'node:worker_threads';
import { workerScript } from '../../workerScript';
import { ApiError } from '../../../../shared/api/errors';
import type { Logger } from '../../logger';
import type { Db } from '../db';
import { setOffThreadCheckpoint } from '../walCheckpoint';
import type { ReadAhead, ReadMessage, ReadReply, ReadWorkerData } from './protocol';
import { KeptLists } from './keptLists';
import { listPerImage, readContext, runRead, type ReadContext, type ReadRequest, type ReadResults } from './reads';
import { decodeScoreList, type ScoreListColumns } from '../scoreSnapshots';
import { samplesAhead, usedOnce, withScoresAhead, type SamplesAhead } from './perImageColumns';

/** Beside the bundle when built (out/node/readWorker.js), else the TypeScript source through tsx (engine/workerScript.ts). */
function workerUrl(): URL {
  return workerScript('readWorker', import.meta.url, './devWorker.mjs');
}

/** How long closing waits for the worker's idle work (a 100k-image score list: ~0.4 s). */
const CLOSE_WAIT_MS = 2000;

type Pending = {
  req: ReadRequest;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  /** Samples the worker sent ahead of their scores (protocol.ts ReadAhead), decoded. */
  ahead?: SamplesAhead | null;
};

export interface ReadWorkerOptions {
  /** The database file (opened read-only in the worker). */
  file: string;
  /** The engine's connection, for reads in this thread. */
  db: Db;
  logger: Logger;
  /** False: every read runs in the engine's thread (a read-only or damaged store, or the CLI). */
  enabled: boolean;
  /**
   * Reads in this thread keep score lists in the store when the engine closes (readWorker/keptLists.ts):
   * true on a healthy, writable store (the CLI, or a worker that failed), false on a read-only or damaged one.
   */
  keepInThread: boolean;
}

export class ReadWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private local: ReadContext | null = null;
  private readonly localKept = new KeptLists();
  private enabled: boolean;
  private closed = false;

  constructor(private readonly opts: ReadWorkerOptions) {
    this.enabled = opts.enabled;
  }

  /** Whether reads currently go to a worker thread. */
  get threaded(): boolean {
    return this.enabled && !this.closed;
  }

  read<R extends ReadRequest>(req: R): Promise<ReadResults[R['op']]> {
    if (!this.threaded) return Promise.resolve(this.inThread(req));
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { req, resolve: resolve as (v: unknown) => void, reject });
      const worker = this.start();
      if (worker === null) return;
      worker.ref();
      worker.postMessage({ id, req } satisfies ReadMessage);
    });
  }

  private inThread<R extends ReadRequest>(req: R): ReadResults[R['op']] {
    if (this.local === null) {
      this.local = readContext(this.opts.db);
      if (this.opts.keepInThread) this.local.keeper = this.localKept;
    }
    return runRead(this.local, req);
  }

  private start(): Worker | null {
    if (this.worker !== null) return this.worker;
    let worker: Worker;
    try {
      worker = new Worker(workerUrl(), { workerData: { file: this.opts.file } satisfies ReadWorkerData });
    } catch (err) {
      this.fallBack(err);
      return null;
    }
    worker.on('message', (reply: ReadReply | ReadAhead) => ('ahead' in reply ? this.takeAhead(reply) : this.settle(reply)));
    worker.on('error', (err) => this.fallBack(err));
    worker.on('exit', (code) => {
      if (this.worker === worker) {
        this.worker = null;
        setOffThreadCheckpoint(this.opts.db, null);
      }
      if (!this.closed && this.pending.size > 0) this.fallBack(new Error(`read worker exited with code ${code}`));
    });
    this.worker = worker;
    setOffThreadCheckpoint(this.opts.db, () => this.read({ op: 'wal.checkpoint' }));
    return worker;
  }

  /** Decodes samples sent ahead of their scores while the worker reads the scores (null: not a sample list). */
  private takeAhead(msg: ReadAhead): void {
    const p = this.pending.get(msg.id);
    if (p !== undefined) p.ahead = samplesAhead(new Uint8Array(msg.ahead));
  }

  private settle(reply: ReadReply): void {
    const p = this.pending.get(reply.id);
    if (p === undefined) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (reply.ok && 'scoresOfAhead' in reply) {
      const columns = p.ahead ? withScoresAhead(p.ahead, new Float64Array(reply.scoresOfAhead)) : null;
      if (columns !== null) p.resolve(columns);
      else p.reject(new Error('read worker sent scores without their samples'));
    } else if (reply.ok && 'comparison' in reply)
      p.resolve({ comparison: JSON.parse(reply.comparison) as unknown, bootstrap: reply.bootstrap });
    else if (reply.ok)
      p.resolve('json' in reply ? JSON.parse(reply.json) : 'scoreList' in reply ? scoreListOf(reply.scoreList) : reply.value);
    else if ('apiError' in reply) p.reject(ApiError.fromData(reply.apiError));
    else p.reject(Object.assign(new Error(reply.message), { code: reply.code }));
  }

  /** The worker failed (could not start, crashed): log once, answer what was waiting here, and stay here. */
  private fallBack(err: unknown): void {
    if (this.enabled) this.opts.logger.error('read worker failed; gallery and score reads run in the engine thread from now on', err);
    this.enabled = false;
    const worker = this.worker;
    this.worker = null;
    void worker?.terminate();
    setOffThreadCheckpoint(this.opts.db, null);
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) {
      try {
        p.resolve(this.inThread(p.req));
      } catch (e) {
        p.reject(e instanceof Error ? e : new Error(String(e)));
      }
    }
  }

  /**
   * Lists read in this thread (and runs an evaluation or scoring import asked to keep) go to the store
   * on close: ~5 ms at 1,449 images, ~0.2-0.3 s a run at 100k, paid once by the command that wrote the scores.
   */
  private keepListedHere(): void {
    const ctx = this.local;
    if (ctx === null || !this.localKept.waiting) return;
    const db = this.opts.db;
    // Closing must not wait on another process's write for a cache: a busy store drops the write.
    db.pragma('busy_timeout = 100');
    this.localKept.flush(
      (datasetId, runId) => listPerImage(ctx, datasetId, runId),
      (what) => {
        try {
          what(db);
        } catch (err) {
          this.opts.logger.info(
            `a score list was not kept (${err instanceof Error ? err.message : String(err)}); a score sort lists it again`,
          );
        }
      },
    );
  }

  async close(): Promise<void> {
    // The worker's idle work first (score lists to keep, store/scoreSnapshots.ts), within a bound.
    if (this.worker !== null && this.threaded) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.read({ op: 'idle.finish' }).catch(() => null),
        new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS))),
      ]);
      clearTimeout(timer);
    }
    this.closed = true;
    this.keepListedHere();
    setOffThreadCheckpoint(this.opts.db, null);
    const worker = this.worker;
    this.worker = null;
    for (const p of this.pending.values()) p.reject(new ApiError('CANCELLED', 'the workspace was closed'));
    this.pending.clear();
    if (worker !== null) await worker.terminate();
  }
}

/** The columns a worker sent as score-list bytes (a check: the worker encoded them just now). */
function scoreListOf(bytes: ArrayBuffer): ScoreListColumns {
  const columns = decodeScoreList(new Uint8Array(bytes), false);
  if (columns === null) throw new Error('read worker sent a malformed score list');
  return usedOnce(columns);
}
