import { z } from 'zod';

/** Error codes that cross every transport. User-caused failures use a specific code; bugs are INTERNAL. */
export const ErrorCode = z.enum([
  'INVALID_INPUT',
  'NOT_FOUND',
  'UNSUPPORTED_FORMAT',
  'CORRUPT_FILE',
  'MODEL_MISMATCH',
  'CONFLICT',
  'CANCELLED',
  'UNAUTHORIZED',
  'SCHEMA_TOO_NEW',
  /** The machine refused: disk full, permission denied, a read-only file system (the message names the path). */
  'IO_ERROR',
  /** The workspace is open read-only (a read-only folder or a damaged database) and the call needs to write. */
  'READ_ONLY',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The serialized form of an error: what a transport carries and what the UI renders. */
export const ApiErrorData = z.object({
  code: ErrorCode,
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ApiErrorData = z.infer<typeof ApiErrorData>;

/** An expected, user-readable failure. The message names the file and the item. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.details = details;
  }

  toData(): ApiErrorData {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromData(data: ApiErrorData): ApiError {
    return new ApiError(data.code, data.message, data.details);
  }
}

/** The envelope every call returns on every wire: errors are data, never thrown across a boundary. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiErrorData };

export const ResultEnvelope = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: ApiErrorData }),
]);
