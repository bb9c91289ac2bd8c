import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ApiError } from '../../../../shared/api/errors';
import type { LoadResult, Provider, WireTensor, WorkerRequest, WorkerResponse } from './protocol';

export interface WorkerSpec {
  url: URL;
  execArgv: string[];
}

/**
 * Where the worker script is: beside the bundle when built (out/node/inferenceWorker.js), else the
 * TypeScript source run through tsx (tests, `tsx` scripts).
 */
export function defaultWorkerSpec(): WorkerSpec {
  const built = new URL('./inferenceWorker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return { url: built, execArgv: [] };
  return { url: new URL('./devWorker.mjs', import.meta.url), execArgv: [] };
}

/** Omit that distributes over a union (a plain Omit collapses it). */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

type Pending = { resolve: (r: WorkerResponse) => void; reject: (e: Error) => void };

/** The engine side of the inference worker: one worker per engine, started on first use. */
export class InferenceClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly loaded = new Map<string, LoadResult>();
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
      this.loaded.clear();
      this.worker = null;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.pending.size > 0) fail(new Error(`inference worker exited with code ${code}`));
      this.worker = null;
      this.loaded.clear();
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

  isLoaded(key: string): LoadResult | undefined {
    return this.loaded.get(key);
  }

  async load(key: string, path: string, providers: Provider[]): Promise<LoadResult> {
    const res = await this.request({ type: 'load', key, path, providers });
    if (!res.ok) throw new ApiError('MODEL_MISMATCH', `${path}: cannot load the model (${res.message})`);
    if (res.type !== 'load') throw new Error('unexpected worker response');
    this.loaded.set(key, res.result);
    return res.result;
  }

  async run(key: string, feeds: Record<string, WireTensor>, fetches?: string[]): Promise<Record<string, WireTensor>> {
    this.runCalls++;
    const transfer = Object.values(feeds).map((f) => f.data);
    const res = await this.request({ type: 'run', key, feeds, ...(fetches === undefined ? {} : { fetches }) }, transfer);
    if (!res.ok) throw new ApiError('MODEL_MISMATCH', `inference failed: ${res.message}`);
    if (res.type !== 'run') throw new Error('unexpected worker response');
    return res.outputs;
  }

  async unload(key: string): Promise<void> {
    if (this.worker === null) return;
    this.loaded.delete(key);
    await this.request({ type: 'unload', key });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.loaded.clear();
    if (w !== null) await w.terminate();
  }
}
