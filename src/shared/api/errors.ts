import { z } from 'zod';

import { ApiError, ERROR_CODES, type ApiErrorData as ApiErrorDataShape } from './apiError';

export { ApiError };

/** Error codes that cross every transport (apiError.ts lists them). */
export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The serialized form of an error: what a transport carries and what the UI renders. */
export const ApiErrorData = z.object({
  code: ErrorCode,
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ApiErrorData = ApiErrorDataShape;

/** The envelope every call returns on every wire: errors are data, never thrown across a boundary. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiErrorData };

export const ResultEnvelope = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: ApiErrorData }),
]);
