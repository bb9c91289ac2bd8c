// The inference worker: owns onnxruntime sessions so that session.run() (a synchronous native call
// that blocks its thread for the whole inference) never blocks the engine's event loop.
import { statSync, unlinkSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

// onnxruntime's own logger writes multi-line, coloured text straight to stderr (e.g. a missing CUDA
// provider library). Everything it says also comes back in the thrown error, which the engine turns
// into one line for the user and logs in full to tessera.log: keep the native logger to fatal only.
const QUIET = 4;
ort.env.logLevel = 'fatal';
import type { LoadResult, Provider, TensorMeta, WireTensor, WorkerRequest, WorkerResponse } from './protocol';
import { SESSION_THREADING } from './sessionOptions';
import { toWireOutput } from './outputTypes';

/**
 * One session per key, reference counted: every `load` of a key takes a reference (a second load
 * shares the session, or the one still being created), every `unload` drops one. A session is
 * released only when no reference is left and no run is using it.
 */
interface Entry {
  session: Promise<{ session: ort.InferenceSession; result: LoadResult }>;
  refs: number;
  running: number;
  released: boolean;
}
const sessions = new Map<string, Entry>();

function releaseIfUnused(entry: Entry): void {
  if (entry.refs > 0 || entry.running > 0 || entry.released) return;
  entry.released = true;
  void entry.session.then(
    ({ session }) => session.release(),
    () => undefined,
  );
}

function meta(list: readonly ort.InferenceSession.ValueMetadata[]): TensorMeta[] {
  return list.map((m) =>
    m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: 'non-tensor', shape: [] },
  );
}

async function load(
  path: string,
  providers: Provider[],
): Promise<{ session: ort.InferenceSession; result: Omit<LoadResult, 'inputs' | 'outputs'> }> {
  let fallback: string | null = null;
  if (providers.includes('cuda')) {
    try {
      const session = await ort.InferenceSession.create(path, {
        executionProviders: ['cuda', 'cpu'],
        logSeverityLevel: QUIET,
        ...SESSION_THREADING,
      });
      dropTelemetryDebugLog();
      return { session, result: { provider: 'cuda', fallback: null } };
    } catch (err) {
      // Asking for CUDA without its libraries throws instead of falling back (docs/design.md §4.8, §8): retry on CPU, say why.
      fallback = `CUDA unavailable (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); using CPU`;
    }
  }
  const session = await ort.InferenceSession.create(path, { executionProviders: ['cpu'], logSeverityLevel: QUIET, ...SESSION_THREADING });
  dropTelemetryDebugLog();
  return { session, result: { provider: 'cpu', fallback } };
}

/**
 * onnxruntime-node's Linux library carries Microsoft's 1DS telemetry SDK, which creates an empty
 * /tmp/mat-debug-<pid>.log when the first session is made and never removes it: one file per process
 * that ran a model (1,300 on a machine that ran the tests). The empty file is removed once made (the
 * library keeps its handle; anything it writes goes nowhere). A file with content is left alone.
 */
let debugLogChecked = false;
function dropTelemetryDebugLog(): void {
  if (debugLogChecked || process.platform !== 'linux') return;
  debugLogChecked = true;
  const file = `/tmp/mat-debug-${process.pid}.log`;
  try {
    if (statSync(file).size === 0) unlinkSync(file);
  } catch {
    // Not made (another build or platform), or already gone.
  }
}

function toOrt(t: WireTensor): ort.Tensor {
  switch (t.type) {
    case 'float32':
      return new ort.Tensor('float32', new Float32Array(t.data), t.dims);
    case 'int64':
      return new ort.Tensor('int64', new BigInt64Array(t.data), t.dims);
    case 'int32':
      return new ort.Tensor('int32', new Int32Array(t.data), t.dims);
    case 'bool':
      return new ort.Tensor('bool', new Uint8Array(t.data), t.dims);
    case 'uint8':
      return new ort.Tensor('uint8', new Uint8Array(t.data), t.dims);
  }
}

/**
 * An output tensor for the engine. onnxruntime-node hands each output its own ArrayBuffer: that
 * buffer is transferred as it is (no copy). Only a view on part of a larger buffer is copied, and
 * float16/float64 outputs become float32 values (outputTypes.ts).
 */
function fromOrt(name: string, t: ort.Tensor): WireTensor {
  return toWireOutput(name, t.type, t.data as ArrayBufferView, t.dims);
}

/** An error session.run threw: the graph refused what it was fed (the engine then names the fed shapes). */
class SessionRunFailure extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

async function handle(req: WorkerRequest): Promise<{ res: WorkerResponse; transfer: ArrayBuffer[] }> {
  switch (req.type) {
    case 'load': {
      let entry = sessions.get(req.key);
      if (entry === undefined) {
        const created: Entry = {
          session: load(req.path, req.providers).then(({ session, result }) => ({
            session,
            result: { ...result, inputs: meta(session.inputMetadata), outputs: meta(session.outputMetadata) },
          })),
          refs: 0,
          running: 0,
          released: false,
        };
        created.session.catch(() => {
          if (sessions.get(req.key) === created) sessions.delete(req.key);
        });
        sessions.set(req.key, created);
        entry = created;
      }
      entry.refs++;
      try {
        const { result } = await entry.session;
        return { res: { id: req.id, ok: true, type: 'load', result }, transfer: [] };
      } catch (err) {
        entry.refs--;
        throw err;
      }
    }
    case 'run': {
      const entry = sessions.get(req.key);
      if (entry === undefined) throw new Error(`model ${req.key} is not loaded`);
      entry.running++;
      try {
        const { session } = await entry.session;
        const feeds = Object.fromEntries(Object.entries(req.feeds).map(([k, v]) => [k, toOrt(v)]));
        const t0 = performance.now();
        const out = await (req.fetches === undefined ? session.run(feeds) : session.run(feeds, req.fetches)).catch((err: unknown) => {
          throw new SessionRunFailure(err);
        });
        const ms = performance.now() - t0;
        const outputs = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, fromOrt(k, v)]));
        const transfer = [...new Set(Object.values(outputs).map((o) => o.data))];
        return { res: { id: req.id, ok: true, type: 'run', outputs, ms }, transfer };
      } finally {
        entry.running--;
        releaseIfUnused(entry);
      }
    }
    case 'unload': {
      const entry = sessions.get(req.key);
      if (entry !== undefined && entry.refs > 0) {
        entry.refs--;
        if (entry.refs === 0) {
          sessions.delete(req.key);
          releaseIfUnused(entry);
        }
      }
      return { res: { id: req.id, ok: true, type: 'unload' }, transfer: [] };
    }
  }
}

parentPort?.on('message', (req: WorkerRequest) => {
  handle(req).then(
    ({ res, transfer }) => parentPort?.postMessage(res, transfer),
    (err: unknown) =>
      parentPort?.postMessage({
        id: req.id,
        ok: false,
        message: err instanceof Error ? err.message : String(err),
        ...(err instanceof SessionRunFailure ? { sessionRun: true } : {}),
      } satisfies WorkerResponse),
  );
});
