/**
 * The read worker: one read-only connection to the workspace database in its own thread, serving
 * store/readWorker/reads.ts requests one at a time. WAL lets it read while the engine writes; every
 * read sees the last commit, so a client that changed something and then reads sees its change.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { ApiError } from '../../../../shared/api/errors';
import type { ReadMessage, ReadReply, ReadWorkerData } from './protocol';
import { readContext, runRead } from './reads';

const { file } = workerData as ReadWorkerData;
const db = new Database(file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const ctx = readContext(db);

parentPort?.on('message', (msg: ReadMessage) => {
  let reply: ReadReply;
  try {
    reply = { id: msg.id, ok: true, json: JSON.stringify(runRead(ctx, msg.req)) ?? 'null' };
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
  parentPort?.postMessage(reply);
});
