import { unzlibSync, zlibSync } from 'fflate';
import { ApiError } from '../../../shared/api/errors';
import type { PatchBytes } from '../../../shared/api/methods/annotations';

/**
 * A patch's label bytes as the client sent them (a number list, base64, or base64 of zlib-deflated
 * bytes) -> exactly `expected` bytes. Inflation writes into a buffer one byte larger than expected, so
 * a deflate bomb costs no memory and is refused by its length.
 */
export function decodePatchBytes(value: PatchBytes, expected: number, what: string): Uint8Array {
  let bytes: Uint8Array;
  if (Array.isArray(value)) bytes = Uint8Array.from(value);
  else if (typeof value === 'string') bytes = fromBase64(value);
  else {
    try {
      bytes = unzlibSync(fromBase64(value.deflate), { out: new Uint8Array(expected + 1) });
    } catch {
      throw new ApiError('INVALID_INPUT', `${what}: the deflated bytes are not valid zlib data`);
    }
  }
  if (bytes.length !== expected) {
    throw new ApiError(
      'INVALID_INPUT',
      `${what}: ${bytes.length > expected ? `more than ${expected}` : bytes.length} bytes, expected ${expected} (w x h of the box)`,
    );
  }
  return bytes;
}

function fromBase64(s: string): Uint8Array {
  const b = Buffer.from(s, 'base64');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Label bytes -> the compact form kept in the history table (label patches deflate very well). */
export function deflateLabels(bytes: Uint8Array): Uint8Array {
  return zlibSync(bytes, { level: 6 });
}

/** The inverse of deflateLabels, checked against the size the row says. */
export function inflateLabels(bytes: Uint8Array, expected: number, what: string): Uint8Array {
  const out = unzlibSync(bytes, { out: new Uint8Array(expected + 1) });
  if (out.length !== expected) throw new ApiError('INTERNAL', `${what}: stored patch has ${out.length} bytes, expected ${expected}`);
  return out;
}
