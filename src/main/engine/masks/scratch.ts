/**
 * Reused work buffers for the hot paths (encode, counts string). Allocating a fresh
 * (area + 1)-entry typed array per call costs more than the encoding itself for a VOC-sized
 * mask; callers copy out what they keep before the next call. Buffers above MAX_KEPT entries
 * are not kept, so one huge image does not pin its memory for the life of the process.
 */

const MAX_KEPT = 1 << 22;
let u32 = new Uint32Array(0);
let u8 = new Uint8Array(0);

/** A Uint32Array of at least n entries, contents unspecified, valid until the next call. */
export function scratchU32(n: number): Uint32Array {
  if (n > MAX_KEPT) return new Uint32Array(n);
  if (u32.length < n) u32 = new Uint32Array(Math.min(MAX_KEPT, Math.max(n, u32.length * 2)));
  return u32;
}

/** A Uint8Array of at least n entries, contents unspecified, valid until the next call. */
export function scratchU8(n: number): Uint8Array {
  if (n > MAX_KEPT) return new Uint8Array(n);
  if (u8.length < n) u8 = new Uint8Array(Math.min(MAX_KEPT, Math.max(n, u8.length * 2)));
  return u8;
}
