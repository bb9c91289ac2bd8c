import type { ErrorCode } from '../../../shared/api/apiError';

export interface PoolRequest {
  id: number;
  task: string;
  input: unknown;
}

export type PoolResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { code: ErrorCode | null; message: string; details?: Record<string, unknown> | undefined } };
