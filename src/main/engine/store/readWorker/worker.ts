/**
 * The read worker: one read-only connection to the workspace database in its own thread, serving
 * store/readWorker/reads.ts requests one at a time. WAL lets it read while the engine writes; every
 * read sees the last commit, so a client that changed something and then reads sees its change.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { ApiError } from '../../../../shared/api/apiError';
import type { ReadMessage, ReadReply, ReadWorkerData } from './protocol';
import type { DatasetSummary } from '../../../../shared/domain';
import { afterGalleryRead, listPerImage, readContext, runRead } from './reads';
import { KeptLists } from './keptLists';
import { decodedFromBytes, encodeScoreList, type ScoreListColumns } from '../scoreSnapshots';

const { file } = workerData as ReadWorkerData;
const db = new Database(file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
// Gallery and score reads of a 100k-image workspace touch tens of MB of pages: keep up to 64 MB of them.
db.pragma('cache_size = -65536');
const ctx = readContext(db);

/**
 * Lists to keep in the store (readWorker/keptLists.ts). They are written when the worker is idle, or
 * when the engine closes (idle.finish), through a second, writable connection opened on first use: the
 * worker runs only on a healthy, writable store. A write that finds the store busy (a job committing)
 * is dropped: the next cold listing offers it again.
 */
const kept = new KeptLists();
let writer: Database.Database | null = null;
ctx.keeper = kept;

/** A write through the worker's writable connection (opened on first use); a failed one is dropped. */
function write(what: (db: Database.Database) => void): void {
  try {
    if (writer === null) {
      writer = new Database(file, { fileMustExist: true });
      writer.pragma('busy_timeout = 100');
      writer.pragma('foreign_keys = ON');
    }
    what(writer);
  } catch {
    // A cache only: busy, or the dataset or run went meanwhile (foreign keys). Listing again costs time, not data.
  }
}

function keepScoreLists(): void {
  kept.flush((datasetId, runId) => listPerImage(ctx, datasetId, runId), write);
}

/** Datasets whose gallery was served, to prepare for a score sort when the worker is idle. */
const toPrepare = new Set<number>();
const IDLE_MS = 250;
/** Images whose scored samples (and latest runs' scores) the worker reads ahead after the dataset list (~0.3 s per 100k). */
const PREPARE_BUDGET_IMAGES = 300_000;
let idleTimer: NodeJS.Timeout | null = null;

/** Idle work: list what score sorts will need, then keep the lists read or asked for since. */
function whenIdle(): void {
  if (idleTimer !== null) clearTimeout(idleTimer);
  idleTimer = null;
  for (const datasetId of toPrepare) {
    try {
      afterGalleryRead(ctx, datasetId);
    } catch {
      // Idle work only: the sort itself lists them (and reports any error) when asked.
    }
  }
  toPrepare.clear();
  keepScoreLists();
}

parentPort?.on('message', (msg: ReadMessage) => {
  let reply: ReadReply;
  let value: unknown;
  try {
    if (msg.req.op === 'idle.finish') whenIdle();
    if (msg.req.op === 'wal.checkpoint') write((w) => w.pragma('wal_checkpoint(PASSIVE)'));
    value = runRead(ctx, msg.req);
    reply =
      msg.req.op === 'metrics.perImage' && value !== null && decodedFromBytes((value as ScoreListColumns).fileNames)
        ? { id: msg.id, ok: true, scoreList: scoreListBytes(value as ScoreListColumns) }
        : // Long string lists are cloned (several times faster than JSON for 100k entries).
          msg.req.op === 'datasets.deletePlan' || msg.req.op === 'metrics.perImage'
          ? { id: msg.id, ok: true, value }
          : { id: msg.id, ok: true, json: JSON.stringify(value) ?? 'null' };
  } catch (err) {
    reply =
      err instanceof ApiError
        ? { id: msg.id, ok: false, apiError: err.toData() }
        : {
            id: msg.id,
            ok: false,
            message: err instanceof Error ? err.message : String(err),
            code: (err as { code?: unknown }).code === undefined ? undefined : String((err as { code?: unknown }).code),
          };
  }
  parentPort?.postMessage(reply, 'scoreList' in reply ? [reply.scoreList] : []);
  // After the gallery of a dataset is served and the worker has been idle a moment, list what its
  // first score sort needs (once per sample set), so that work does not delay the gallery's burst of reads.
  const req = msg.req;
  if (req.op === 'wal.checkpoint') return; // between a write's slices: no idle work is due
  if (reply.ok && (req.op === 'images.page' || req.op === 'images.ids')) toPrepare.add(req.datasetId);
  // The dataset list is the app's first screen: prepare the largest datasets too (a score sort may be
  // the first gallery call of a reopened app), within a budget of images listed ahead.
  if (reply.ok && req.op === 'datasets.list' && toPrepare.size === 0) {
    let budget = PREPARE_BUDGET_IMAGES;
    for (const d of [...(value as DatasetSummary[])].sort((a, b) => b.imageCount - a.imageCount)) {
      if (d.imageCount > budget) continue;
      budget -= d.imageCount;
      toPrepare.add(d.id);
    }
  }
  if (idleTimer !== null) clearTimeout(idleTimer);
  idleTimer = toPrepare.size === 0 && !kept.waiting ? null : setTimeout(whenIdle, IDLE_MS);
});

/**
 * Per-image score columns as the store's score-list bytes (store/scoreSnapshots.ts), moved to the
 * engine's thread, not cloned, when their names were decoded from a kept list: a clone copies such
 * sliced strings one by one (at 100k images ~20 ms here and ~40 ms more in the engine's thread of a
 * freshly opened app); this is one buffer to encode and decode. Names fresh from SQLite (flat
 * strings) clone faster than they encode.
 */
function scoreListBytes(columns: ScoreListColumns): ArrayBuffer {
  const bytes = encodeScoreList(columns);
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer as ArrayBuffer;
  const own = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(own).set(bytes);
  return own;
}
