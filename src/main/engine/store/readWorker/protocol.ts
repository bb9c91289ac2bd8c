import type { ApiErrorData } from '../../../../shared/api/errors';
import type { ReadRequest } from './reads';

/** Engine -> read worker. */
export type ReadMessage = { id: number; req: ReadRequest };

/** Read worker -> engine: the value, or the error (an ApiError as data; anything else as its message and SQLite code). */
export type ReadReply =
  /** The value as JSON text: one string crosses the thread boundary faster than 20k cloned objects. */
  | { id: number; ok: true; json: string }
  /** Values of typed arrays and long string lists (per-image score columns, a delete plan) clone faster than their JSON. */
  | { id: number; ok: true; value: unknown }
  /** Per-image score columns decoded from a kept list, encoded as one again (store/scoreSnapshots.ts) and transferred. */
  | { id: number; ok: true; scoreList: ArrayBuffer }
  | { id: number; ok: false; apiError: ApiErrorData }
  | { id: number; ok: false; message: string; code: string | undefined };

/** workerData of the read worker. */
export interface ReadWorkerData {
  file: string;
}
