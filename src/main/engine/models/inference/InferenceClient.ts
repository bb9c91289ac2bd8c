import { Worker } from 'node:worker_threads';
import { workerScript } from '../../workerScript';
import { ApiError } from '../../../../shared/api/errors';
import type { LoadResult, Provider, WireTensor, WorkerRequest, WorkerResponse } from './protocol';
import { inferenceTiming } from './timing';

export interface WorkerSpec {
  url: URL;
  execArgv: string[];
}

/**
 * Where the worker script is: beside the bundle when built (out/node/inferenceWorker.js), else the
 * TypeScript source run through tsx (tests, `tsx` scripts).
 */
export function defaultWorkerSpec(): WorkerSpec {
  return { url: workerScript('inferenceWorker', import.meta.url, './devWorker.mjs'), execArgv: [] };
}

/** Omit that distributes over a union (a plain Omit collapses it). */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

type Pending = { resolve: (r: WorkerResponse) => void; reject: (e: Error) => void };

/** A session the worker holds for a key: one load request however many holders, and their count. */
interface SessionEntry {
  result: Promise<LoadResult>;
  /** Set once the load succeeded. */
  settled: LoadResult | undefined;
  refs: number;
  /** Holds the reference `open` took, for the engine's lifetime. */
  pinned: boolean;
}

/** The engine side of the inference worker: one worker per engine, started on first use. */
export class InferenceClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly sessions = new Map<string, SessionEntry>();
  /** session.run calls made so far (how well batching works shows here). */
  runCalls = 0;

  constructor(private readonly spec: WorkerSpec = defaultWorkerSpec()) {}

  private ensureWorker(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = new Worker(this.spec.url, { execArgv: this.spec.execArgv });
    worker.on('message', (res: WorkerResponse) => {
      const p = this.pending.get(res.id);
      this.pending.delete(res.id);
      // An idle worker must not keep the process alive; a busy one must (or the CLI exits mid-call).
      if (this.pending.size === 0) worker.unref();
      p?.resolve(res);
    });
    const fail = (err: Error): void => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.sessions.clear();
      this.worker = null;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.pending.size > 0) fail(new Error(`inference worker exited with code ${code}`));
      this.worker = null;
      this.sessions.clear();
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private request(req: WithoutId<WorkerRequest>, transfer: ArrayBuffer[] = []): Promise<WorkerResponse> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...req, id } as WorkerRequest, transfer);
    });
  }

  /** The load result of a session that is open now, else undefined. */
  isLoaded(key: string): LoadResult | undefined {
    return this.sessions.get(key)?.settled;
  }

  /**
   * Opens the session for `key` or takes another reference to it: concurrent loads of one key share
   * one worker load, and the session stays open until every load has been matched by an unload.
   */
  async load(key: string, path: string, providers: Provider[]): Promise<LoadResult> {
    let entry = this.sessions.get(key);
    if (entry === undefined) {
      const created: SessionEntry = { result: this.requestLoad(key, path, providers), settled: undefined, refs: 0, pinned: false };
      created.result.then(
        (r) => {
          created.settled = r;
        },
        () => {
          if (this.sessions.get(key) === created) this.sessions.delete(key);
        },
      );
      this.sessions.set(key, created);
      entry = created;
    }
    entry.refs++;
    return entry.result;
  }

  /**
   * Opens the session for `key` for as long as the engine runs (registered models: later runs and
   * prompts reuse it): one reference, however many model objects open it.
   */
  async open(key: string, path: string, providers: Provider[]): Promise<LoadResult> {
    const entry = this.sessions.get(key);
    if (entry?.pinned === true) return entry.result;
    const result = this.load(key, path, providers);
    const opened = this.sessions.get(key);
    if (opened !== undefined) opened.pinned = true;
    return result;
  }

  private async requestLoad(key: string, path: string, providers: Provider[]): Promise<LoadResult> {
    const res = await this.request({ type: 'load', key, path, providers });
    if (!res.ok) throw new ApiError('MODEL_MISMATCH', `${path}: cannot load the model (${oneLine(res.message)})`, { detail: res.message });
    if (res.type !== 'load') throw new Error('unexpected worker response');
    return res.result;
  }

  async run(key: string, feeds: Record<string, WireTensor>, fetches?: string[]): Promise<Record<string, WireTensor>> {
    this.runCalls++;
    const timing = inferenceTiming.getStore();
    const t0 = performance.now();
    // Feeds are transferred, never copied (a buffer shared by two feeds is transferred once).
    const transfer = [...new Set(Object.values(feeds).map((f) => f.data))];
    const reply = this.request({ type: 'run', key, feeds, ...(fetches === undefined ? {} : { fetches }) }, transfer);
    if (timing !== undefined) {
      if (timing.calls === 0) timing.firstCallAt = t0;
      timing.calls++;
      timing.shapes?.add(`${key} ${fedShapes(feeds)}`);
      timing.onCall?.();
    }
    let res: WorkerResponse;
    try {
      res = await reply;
    } finally {
      if (timing !== undefined) {
        const t1 = performance.now();
        timing.lastReturnAt = t1;
        timing.roundTripMs += t1 - t0;
        timing.onReply?.();
      }
    }
    if (timing !== undefined && res.ok && res.type === 'run') timing.inferenceMs += res.ms ?? 0;
    if (!res.ok) {
      // `reason` lets a run say which model and image failed without parsing the message.
      const reason = inferenceFailureReason(res.message);
      // What the graph refused: the shapes it was fed (onnxruntime's text names neither).
      const fed = res.sessionRun === true ? fedShapes(feeds) : undefined;
      throw new ApiError('MODEL_MISMATCH', `inference failed: ${reason}`, {
        detail: res.message,
        reason,
        ...(fed === undefined ? {} : { fed }),
      });
    }
    if (res.type !== 'run') throw new Error('unexpected worker response');
    return res.outputs;
  }

  /** Drops one reference taken by `load`; the worker releases the session with the last one, once no run uses it. */
  async unload(key: string): Promise<void> {
    const entry = this.sessions.get(key);
    if (entry === undefined) return;
    entry.refs--;
    if (entry.refs > 0) return;
    this.sessions.delete(key);
    const loaded = await entry.result.then(
      () => true,
      () => false,
    );
    if (loaded && this.worker !== null) await this.request({ type: 'unload', key });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.sessions.clear();
    if (w !== null) await w.terminate();
  }
}

/** Terminal colour codes (onnxruntime colours its log lines). */
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** onnxruntime's messages span several lines (and may carry its log prefix): one line for the user. */
export function oneLine(message: string): string {
  return message
    .replace(ANSI_COLOUR, '')
    .trim()
    .split(/\s*\n\s*/)
    .filter((l) => l.length > 0)
    .join('; ');
}

/** "Failed to allocate memory for requested buffer of size N" from onnxruntime's allocator, and the node it ran. */
const ALLOCATION_FAILURE = /Failed to allocate memory for requested buffer of size (\d+)/;
const FAILED_NODE = /while running (\S+) node\. Name:'([^']*)'/;

/**
 * One line for a failed session.run. An allocation failure comes back as the allocator's C++
 * source location and signature; the researcher needs the size asked for and the node that asked.
 */
export function inferenceFailureReason(message: string): string {
  const allocation = ALLOCATION_FAILURE.exec(message);
  if (allocation === null) return oneLine(message);
  const gb = Number(allocation[1]) / 1e9;
  const node = FAILED_NODE.exec(message);
  return `out of memory: onnxruntime could not allocate ${gb >= 0.1 ? `${gb.toFixed(1)} GB` : `${allocation[1]} bytes`}${
    node === null ? '' : ` for ${node[1]} node '${node[2]}'`
  } (an output or intermediate tensor this large: check the model's shapes and input.size)`;
}

/** The feeds of a session.run, e.g. `x [1,3,100,150]`, for a failure's message. */
function fedShapes(feeds: Record<string, WireTensor>): string {
  return Object.entries(feeds)
    .map(([name, t]) => `${name} [${t.dims.join(',')}]`)
    .join(', ');
}

/**
 * A failed session.run's reason with the shapes it was fed, e.g. `... 7 by 8 (fed x [1,3,100,150])`;
 * null for any other error.
 */
export function inferenceFailureWithFeeds(err: unknown): string | null {
  if (!(err instanceof ApiError)) return null;
  const reason = err.details?.['reason'];
  if (typeof reason !== 'string') return null;
  const fed = err.details?.['fed'];
  return typeof fed === 'string' ? `${reason} (fed ${fed})` : reason;
}

/**
 * onnxruntime's text names neither the model nor the image (a shape error, a 160 GB allocation): a
 * failure from session.run (an ApiError carrying `reason`) said for `model` on `item` (a file name,
 * with its query), with the shapes it was fed and `hint` after it. Anything else is returned as it
 * is: it already names what it is about.
 */
export function namedInferenceFailure<E>(err: E, model: string, item: string, hint?: string): E | ApiError {
  const reason = inferenceFailureWithFeeds(err);
  if (reason === null || !(err instanceof ApiError)) return err;
  const fed = typeof err.details?.['fed'] === 'string';
  return new ApiError(
    err.code,
    `inference failed: model "${model}" on ${item}: ${reason}${fed && hint !== undefined ? `; ${hint}` : ''}`,
    err.details,
  );
}
