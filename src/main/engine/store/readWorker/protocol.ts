import type { ApiErrorData } from '../../../../shared/api/errors';
import type { ReadRequest } from './reads';
import type { CompareBootstrapTask } from '../../metrics/compareBootstrap';

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
  /** The scores (f64, NaN: none) of the samples sent ahead for this request (ReadAhead), in their order. */
  | { id: number; ok: true; scoresOfAhead: ArrayBuffer }
  /** A comparison as JSON, with the input of a bootstrap left to the engine's worker pool (typed arrays: cloned). */
  | { id: number; ok: true; comparison: string; bootstrap: CompareBootstrapTask | null }
  | { id: number; ok: false; apiError: ApiErrorData }
  | { id: number; ok: false; message: string; code: string | undefined };

/**
 * Read worker -> engine, before the reply: a whole dataset's scored samples for a score read, as
 * score-list bytes without scores (store/scoreSnapshots.ts), sent as soon as they are listed so the
 * engine's thread decodes them while the worker reads their scores. The reply that follows either
 * completes them (scoresOfAhead) or stands alone (the samples are then dropped).
 */
export type ReadAhead = { id: number; ahead: ArrayBuffer };

/** workerData of the read worker. */
export interface ReadWorkerData {
  file: string;
}
