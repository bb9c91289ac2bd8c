/**
 * The read worker: one read-only connection to the workspace database in its own thread, serving
 * store/readWorker/reads.ts requests one at a time. WAL lets it read while the engine writes; every
 * read sees the last commit, so a client that changed something and then reads sees its change.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { ApiError } from '../../../../shared/api/apiError';
import type { ReadAhead, ReadMessage, ReadReply, ReadWorkerData } from './protocol';
import type { DatasetSummary } from '../../../../shared/domain';
import { afterGalleryRead, listPerImage, readContext, runRead } from './reads';
import { KeptLists } from './keptLists';
import type { PreparedComparison } from '../../metrics/comparePairs';
import { encodeSampleList, encodeScoreList, namedByBytes, type SampleListColumns, type ScoreListColumns } from '../scoreSnapshots';

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
  let ahead: SampleListColumns | null = null;
  try {
    if (msg.req.op === 'idle.finish') whenIdle();
    if (msg.req.op === 'wal.checkpoint') write((w) => w.pragma('wal_checkpoint(PASSIVE)'));
    if (msg.req.op === 'metrics.perImage') ctx.sendAhead = (samples) => (ahead = sendAhead(msg.id, samples));
    try {
      value = runRead(ctx, msg.req);
    } finally {
      ctx.sendAhead = undefined;
    }
    const scoreList = msg.req.op === 'metrics.perImage' && value !== null ? (value as ScoreListColumns) : null;
    reply =
      scoreList !== null && ahead !== null && scoreList.sampleIds === (ahead as SampleListColumns).sampleIds
        ? { id: msg.id, ok: true, scoresOfAhead: scoreList.scores.slice().buffer } // a copy: the worker may keep the list
        : scoreList !== null && namedByBytes(scoreList)
          ? { id: msg.id, ok: true, scoreList: ownBuffer(encodeScoreList(scoreList)) }
          : // Long string lists are cloned (several times faster than JSON for 100k entries).
            msg.req.op === 'datasets.deletePlan' || msg.req.op === 'metrics.perImage'
            ? { id: msg.id, ok: true, value }
            : msg.req.op === 'metrics.compare' && value !== null
              ? comparisonReply(msg.id, value as PreparedComparison)
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
  parentPort?.postMessage(reply, 'scoreList' in reply ? [reply.scoreList] : 'scoresOfAhead' in reply ? [reply.scoresOfAhead] : []);
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

/** A comparison's objects as JSON (one string clones faster than thousands of paired samples), its bootstrap's typed arrays cloned. */
function comparisonReply(id: number, prepared: PreparedComparison): ReadReply {
  return { id, ok: true, comparison: JSON.stringify(prepared.comparison), bootstrap: prepared.bootstrap };
}

/**
 * A whole dataset's scored samples, sent to the engine's thread ahead of their scores (protocol.ts
 * ReadAhead) when their names are bytes (a semantic listing, or a kept list): the engine decodes them
 * and makes their part of the answer (~35-45 ms at 100k images) while this thread reads the scores.
 * Null (nothing sent) for names that are strings only (they would be encoded here first).
 */
function sendAhead(id: number, samples: SampleListColumns): SampleListColumns | null {
  if (!namedByBytes(samples)) return null;
  const ahead = ownBuffer(encodeSampleList(samples));
  parentPort?.postMessage({ id, ahead } satisfies ReadAhead, [ahead]);
  return samples;
}

/**
 * Bytes as an ArrayBuffer of their own, to be moved to the engine's thread, not cloned. Score lists
 * go as the store's score-list bytes (store/scoreSnapshots.ts) when their names are bytes (a semantic
 * listing, a kept list): one buffer to move and decode, where a clone of 100k strings made here would
 * take ~20 ms here and ~40 ms more in the engine's thread of a freshly opened app. Names fresh from
 * SQLite as strings (a referring listing) clone faster than they encode.
 */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer as ArrayBuffer;
  const own = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(own).set(bytes);
  return own;
}
