import type { ErrorCode } from '../../../shared/api/apiError';

export interface PoolRequest {
  id: number;
  task: string;
  input: unknown;
  /** The roots the task's file reads are confined to (api/readScope.ts); null: unconfined. */
  readRoots: readonly string[] | null;
}

export type PoolResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { code: ErrorCode | null; message: string; details?: Record<string, unknown> | undefined } };
