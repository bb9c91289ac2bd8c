import { ApiError } from '../../../shared/api/apiError';
import { scratchU8 } from './scratch';

/**
 * COCO's compressed RLE string: "similar to LEB128 but using 6 bits/char and ascii chars 48-111"
 * (pycocotools maskApi.c rleToString / rleFrString). Each count is stored as the difference to the
 * count two places back (from the fourth count on), 5 payload bits per char, bit 0x20 = more
 * chars follow, bit 0x10 of the last char = sign.
 */

const CHAR_BASE = 48;
/** A delta between two uint32 counts needs at most 33 signed bits: 7 chars of 5 bits. */
const MAX_CHARS_PER_COUNT = 7;

/** Uncompressed run lengths -> COCO counts string (pycocotools maskApi.c rleToString). */
export function countsToString(runs: ArrayLike<number>): string {
  const m = runs.length;
  const chars = scratchU8(m * MAX_CHARS_PER_COUNT);
  let p = 0;
  for (let i = 0; i < m; i++) {
    let x = runs[i] as number;
    if (i > 2) x -= runs[i - 2] as number;
    let more = true;
    if ((x | 0) === x) {
      // int32 fast path: `>> 5` is the C code's arithmetic shift.
      while (more) {
        let c = x & 0x1f;
        x >>= 5;
        more = (c & 0x10) !== 0 ? x !== -1 : x !== 0;
        if (more) c |= 0x20;
        chars[p++] = c + CHAR_BASE;
      }
      continue;
    }
    while (more) {
      // Deltas of uint32 counts can exceed int32: the same steps in float arithmetic.
      const high = Math.floor(x / 32);
      let c = x - high * 32;
      x = high;
      more = (c & 0x10) !== 0 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      chars[p++] = c + CHAR_BASE;
    }
  }
  return asciiToString(chars, p);
}

/**
 * COCO counts string -> uncompressed run lengths (pycocotools maskApi.c rleFrString). Unlike the
 * C code, which reads past the end or decodes garbage, a character outside '0'..'o', a string
 * that ends inside a count, a count longer than the 7 chars any uint32 delta takes (its shifts
 * overflow in C: "````````0" decoded to 0 pixels) and a run length outside 0..2^32-1 are refused
 * as a malformed string.
 */
export function stringToCounts(s: string): Uint32Array {
  const n = s.length;
  const counts = new Uint32Array(n);
  let m = 0;
  let p = 0;
  while (p < n) {
    const start = p;
    let x = 0;
    let k = 0;
    let c: number;
    do {
      if (k === MAX_CHARS_PER_COUNT) {
        throw new ApiError(
          'CORRUPT_FILE',
          `RLE counts string is malformed: count ${m + 1} (from character ${start}) goes on past ${MAX_CHARS_PER_COUNT} characters, the most a COCO count takes`,
        );
      }
      if (p >= n) {
        throw new ApiError('CORRUPT_FILE', `RLE counts string ends inside a count (length ${n})`);
      }
      c = s.charCodeAt(p) - CHAR_BASE;
      if (c >>> 0 > 63) {
        throw new ApiError('CORRUPT_FILE', `RLE counts string has character ${JSON.stringify(s[p])} at ${p}; COCO RLE uses only '0'..'o'`);
      }
      // Six chars hold 30 bits and stay in int32; longer (huge or malformed) values use floats.
      if (k < 6) x |= (c & 0x1f) << (5 * k);
      else x += (c & 0x1f) * 2 ** (5 * k);
      p++;
      k++;
    } while ((c & 0x20) !== 0);
    // Sign extension (`x |= -1 << 5*k` in the C code) of a value below 2^(5k).
    if ((c & 0x10) !== 0) x = k <= 6 ? x | (-1 << (5 * k)) : x - 2 ** (5 * k);
    if (m > 2) x += counts[m - 2] as number;
    if (x < 0 || x > 0xffffffff) {
      throw new ApiError(
        'CORRUPT_FILE',
        `RLE counts string is malformed: count ${m + 1} (from character ${start}) decodes to ${x}, not a run length (0 to 2^32-1)`,
      );
    }
    counts[m++] = x;
  }
  return counts.slice(0, m);
}

/** The chars are ASCII, so UTF-8 decoding is exact; TextDecoder is a web standard, in Node and browsers. */
const ascii = new TextDecoder();

function asciiToString(chars: Uint8Array, length: number): string {
  return ascii.decode(chars.subarray(0, length));
}
