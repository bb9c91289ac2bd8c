/**
 * The error class and codes every transport carries, without the schemas (errors.ts has those):
 * code that runs where zod is not loaded (the import pool's workers, workers/worker.ts) throws
 * and reports these. errors.ts builds its ErrorCode schema from ERROR_CODES.
 */

/** Error codes that cross every transport. User-caused failures use a specific code; bugs are INTERNAL. */
export const ERROR_CODES = [
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
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The serialized form of an error: what a transport carries and what the UI renders. */
export interface ApiErrorData {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown> | undefined;
}

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
