import { inflateSync } from 'node:zlib';
import { zlibSync } from 'fflate';
import { ApiError } from '../../../shared/api/apiError';
import type { PatchBytes } from '../../../shared/api/methods/annotations';

/**
 * zlib data inflated to at most `limit` bytes: inflation stops there (a 13 MiB request of 10 GiB of
 * deflated zeros kept the server's thread inflating for minutes when only the output was capped).
 * Null when the data holds more; throws on data that is not zlib.
 */
function inflateAtMost(bytes: Uint8Array, limit: number): Uint8Array | null {
  try {
    const out = inflateSync(bytes, { maxOutputLength: Math.max(1, limit) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') return null;
    throw err;
  }
}

/**
 * A patch's label bytes as the client sent them (a number list, base64, or base64 of zlib-deflated
 * bytes) -> exactly `expected` bytes. Inflation stops past `expected` bytes, so a deflate bomb costs
 * neither memory nor time and is refused by its length.
 */
export function decodePatchBytes(value: PatchBytes, expected: number, what: string): Uint8Array {
  let bytes: Uint8Array;
  if (Array.isArray(value)) bytes = Uint8Array.from(value);
  else if (typeof value === 'string') bytes = fromBase64(value);
  else {
    let inflated: Uint8Array | null;
    try {
      inflated = inflateAtMost(fromBase64(value.deflate), expected);
    } catch {
      throw new ApiError('INVALID_INPUT', `${what}: the deflated bytes are not valid zlib data`);
    }
    if (inflated === null)
      throw new ApiError('INVALID_INPUT', `${what}: more than ${expected} bytes, expected ${expected} (w x h of the box)`);
    bytes = inflated;
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
  const out = inflateAtMost(bytes, expected);
  if (out === null || out.length !== expected)
    throw new ApiError(
      'INTERNAL',
      `${what}: stored patch has ${out === null ? 'more than' : ''} ${out?.length ?? expected} bytes, expected ${expected}`,
    );
  return out;
}

/** The labels a patch may paint (a 0/1 byte per value), and the words that say which when it paints another. */
export interface LabelRule {
  allowed: number[];
  says: string;
}

/**
 * Refuses a patch that paints a label the sample cannot have (annotations/labelMapEdits.ts
 * labelRule): it was stored, then failed every score of the dataset until undone. Only the pixels the
 * patch changes count: the rest of its box is what is stored (a stroke of class 5 on a map without
 * classes was refused as "paints label 0", the untouched pixels around it).
 */
export function checkPaintedLabels(before: Uint8Array, after: Uint8Array, rule: LabelRule, fileName: string): void {
  const seen = new Uint8Array(256);
  for (let i = 0; i < after.length; i++) if (after[i] !== before[i]) seen[after[i]!] = 1;
  for (let v = 0; v < 256; v++) {
    if (seen[v] === 1 && rule.allowed[v] !== 1)
      throw new ApiError('INVALID_INPUT', `${fileName}: the edit paints label ${v}, which is not a class here: ${rule.says}`, { value: v });
  }
}

/** A patch as a pool task gets it: as the client sent it, or as a history row keeps it (deflateLabels). */
export type PatchInput = { wire: PatchBytes } | { stored: Uint8Array };

/** A patch's `expected` label bytes from either form (`what` names it in errors). */
export function patchLabels(input: PatchInput, expected: number, what: string): Uint8Array {
  return 'wire' in input ? decodePatchBytes(input.wire, expected, what) : inflateLabels(input.stored, expected, what);
}
