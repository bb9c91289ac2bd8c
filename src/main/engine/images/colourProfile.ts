/**
 * Image bytes without what makes a browser colour-manage them. Tessera's pixels are the file's own
 * values, as PIL's `convert('RGB')` and OpenCV read them: no ICC conversion (docs/design.md §3.1). A
 * browser converts an image with an embedded profile (Adobe RGB, Display P3, a camera's) to the screen's
 * colours, so the viewer showed other values than the models, masks and the pixel inspector use
 * (rocket.jpg, Adobe RGB: mean |d| 5.7 per channel, p99 21). Without the profile the bytes are shown as
 * they are. Pixels are untouched: only metadata segments or chunks go.
 */

/** A JPEG without its ICC profile (APP2 `ICC_PROFILE` segments); null when it has none (or is not a JPEG we can walk). */
export function jpegWithoutIccProfile(bytes: Uint8Array): Uint8Array | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const drop: Array<[number, number]> = [];
  let pos = 2;
  while (pos + 4 <= bytes.length && bytes[pos] === 0xff) {
    const marker = bytes[pos + 1] as number;
    if (marker === 0xda || marker === 0xd9) break; // the scan: no metadata after it
    if (marker === 0xff || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      pos += marker === 0xff ? 1 : 2;
      continue;
    }
    const length = view.getUint16(pos + 2);
    const end = pos + 2 + length;
    if (length < 2 || end > bytes.length) return null;
    const start = pos + 4;
    if (marker === 0xe2 && length >= 14 && String.fromCharCode(...bytes.subarray(start, start + 12)) === 'ICC_PROFILE\0')
      drop.push([pos, end]);
    pos = end;
  }
  return drop.length === 0 ? null : without(bytes, drop);
}

/** PNG chunks that make a browser convert colours: an ICC profile, gamma and chromaticities. */
const COLOUR_CHUNKS = new Set(['iCCP', 'gAMA', 'cHRM']);
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** A PNG without iCCP, gAMA and cHRM chunks; null when it has none (or is not a PNG we can walk). */
export function pngWithoutColourChunks(bytes: Uint8Array): Uint8Array | null {
  if (bytes.length < 8 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const drop: Array<[number, number]> = [];
  let pos = 8;
  while (pos + 12 <= bytes.length) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const end = pos + 12 + length;
    if (end > bytes.length) return null;
    if (COLOUR_CHUNKS.has(type)) drop.push([pos, end]);
    if (type === 'IDAT' || type === 'IEND') break; // colour chunks come before the image data
    pos = end;
  }
  return drop.length === 0 ? null : without(bytes, drop);
}

function without(bytes: Uint8Array, drop: ReadonlyArray<[number, number]>): Uint8Array {
  let size = bytes.length;
  for (const [a, b] of drop) size -= b - a;
  const out = new Uint8Array(size);
  let at = 0;
  let from = 0;
  for (const [a, b] of drop) {
    out.set(bytes.subarray(from, a), at);
    at += a - from;
    from = b;
  }
  out.set(bytes.subarray(from), at);
  return out;
}
