import { loadSharp } from '../lazyPackages';
import { createHash } from 'node:crypto';
import { crc32, inflateSync } from 'node:zlib';
import { Unzlib } from 'fflate';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff', '.gif']);

export interface ProbedImage {
  width: number;
  height: number;
  sha256: string;
  bytes: number;
  format: string;
  /** EXIF orientation tag (1..8; 1 when absent). width/height above are the stored (raw) grid's. */
  orientation: number;
}

export type ProbeOutcome = { ok: true; image: ProbedImage } | { ok: false; reason: string };

const PNG_IEND = Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

/**
 * Whether a JPEG or PNG file is complete, from its last bytes: a JPEG ends with the EOI marker
 * (FF D9 cannot occur inside entropy-coded data, where FF is always stuffed), a PNG with its IEND
 * chunk. Cutting a file anywhere removes them. null for other formats.
 */
function endsComplete(bytes: Buffer, format: string | undefined): boolean | null {
  const tail = bytes.subarray(Math.max(0, bytes.length - 64));
  if (format === 'jpeg') {
    for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
    return false;
  }
  if (format === 'png') return tail.includes(PNG_IEND);
  return null;
}

const MAX_PIXELS = 1 << 28;
const PNG_SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
const PNG_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

type Header = { width: number; height: number; format: 'jpeg' | 'png'; orientation: number };

/**
 * Size and orientation of a well-formed PNG read from its chunks: IHDR (CRC checked, fields valid),
 * every chunk inside the file, IEND last. null whenever anything is unusual (an eXIf chunk
 * included), so sharp decides as before.
 */
function pngHeader(b: Buffer): Header | null {
  if (b.length < 45 || !b.subarray(0, 8).equals(PNG_SIGNATURE)) return null;
  if (b.readUInt32BE(8) !== 13 || b.toString('latin1', 12, 16) !== 'IHDR') return null;
  if (crc32(b.subarray(12, 29)) !== b.readUInt32BE(29)) return null;
  const width = b.readUInt32BE(16);
  const height = b.readUInt32BE(20);
  const depth = b[24] as number;
  const colorType = b[25] as number;
  if (!(PNG_DEPTHS[colorType] ?? []).includes(depth) || b[26] !== 0 || b[27] !== 0 || (b[28] as number) > 1) return null;
  let pos = 33;
  let idat = false;
  while (pos + 12 <= b.length) {
    const length = b.readUInt32BE(pos);
    const type = b.toString('latin1', pos + 4, pos + 8);
    const end = pos + 12 + length;
    if (length > 0x7fffffff || end > b.length) return null;
    if (type === 'eXIf' || type === 'IHDR') return null;
    if (type === 'IDAT') idat = true;
    if (type === 'IEND') return idat && end === b.length ? { width, height, format: 'png', orientation: 1 } : null;
    pos = end;
  }
  return null;
}

/** EXIF orientation from an APP1 Exif segment's IFD0; 1 when the tag is absent, null when unreadable. */
function exifOrientation(b: Buffer, start: number, end: number): number | null {
  const tiff = start + 6;
  if (tiff + 8 > end) return null;
  const order = b.toString('latin1', tiff, tiff + 2);
  if (order !== 'II' && order !== 'MM') return null;
  const u16 = (at: number): number => (order === 'II' ? b.readUInt16LE(at) : b.readUInt16BE(at));
  const u32 = (at: number): number => (order === 'II' ? b.readUInt32LE(at) : b.readUInt32BE(at));
  if (u16(tiff + 2) !== 42) return null;
  const ifd = tiff + u32(tiff + 4);
  if (ifd + 2 > end) return null;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > end) return null;
    if (u16(entry) !== 0x0112) continue;
    if (u16(entry + 2) !== 3 || u32(entry + 4) !== 1) return null;
    const value = u16(entry + 8);
    return value >= 1 && value <= 8 ? value : null;
  }
  return 1;
}

/**
 * Size and orientation of a baseline/progressive JPEG from its marker segments up to the first
 * scan: one SOF, at most one Exif APP1 (IFD0 orientation). null whenever anything is unusual.
 */
function jpegHeader(b: Buffer): Header | null {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  let pos = 2;
  let size: { width: number; height: number } | null = null;
  let orientation: number | null = 1;
  let exifSeen = false;
  while (pos + 4 <= b.length) {
    if (b[pos] !== 0xff) return null;
    const marker = b[pos + 1] as number;
    if (marker === 0xff) {
      pos++;
      continue;
    }
    if (marker === 0xd8 || marker === 0xd9 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) return null;
    const length = b.readUInt16BE(pos + 2);
    const start = pos + 4;
    const end = pos + 2 + length;
    if (length < 2 || end > b.length) return null;
    if (marker === 0xda) {
      if (size === null || orientation === null) return null;
      return { ...size, format: 'jpeg', orientation };
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (size !== null || length < 8) return null;
      size = { height: b.readUInt16BE(start + 1), width: b.readUInt16BE(start + 3) };
    } else if (marker === 0xe1 && length >= 8 && b.toString('latin1', start, start + 6) === 'Exif\0\0') {
      if (exifSeen) return null;
      exifSeen = true;
      orientation = exifOrientation(b, start, end);
    }
    pos = end;
  }
  return null;
}

const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Above this many bytes of pixel data the check inflates in pieces (fflate), not into one buffer. */
const INFLATE_WHOLE_MAX = 64 * 1024 * 1024;

/** Bytes of a PNG's filtered pixel data: a filter byte per row (per pass when interlaced) plus its samples. */
function pngDataBytes(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  const rowBytes = (w: number): number => 1 + Math.ceil((w * bitsPerPixel) / 8);
  if (!interlaced) return height * rowBytes(width);
  let total = 0;
  // Adam7: [x0, y0, dx, dy] of each pass.
  for (const [x0, y0, dx, dy] of [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ] as const) {
    const w = Math.ceil((width - x0) / dx);
    const h = Math.ceil((height - y0) / dy);
    if (w > 0 && h > 0) total += h * rowBytes(w);
  }
  return total;
}

/**
 * Why a PNG's pixel data cannot be read whole (null when it can): its IDAT stream must inflate to
 * exactly the bytes its header promises. The header and the end chunk alone let a file through whose
 * data is garbage or stops early (5 of 30 rows), which then failed every run and thumbnail. Costs an
 * inflate, no filtering: ~1 ms per megabyte of pixels.
 */
export function pngDataProblem(b: Buffer): string | null {
  const width = b.readUInt32BE(16);
  const height = b.readUInt32BE(20);
  const bitsPerPixel = (b[24] as number) * (PNG_CHANNELS[b[25] as number] ?? 1);
  const expected = pngDataBytes(width, height, bitsPerPixel, b[28] === 1);
  const parts: Buffer[] = [];
  for (let pos = 8; pos + 12 <= b.length;) {
    const length = b.readUInt32BE(pos);
    if (b.toString('latin1', pos + 4, pos + 8) === 'IDAT') parts.push(b.subarray(pos + 8, pos + 8 + length));
    pos += 12 + length;
  }
  const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  let got = 0;
  try {
    if (expected <= INFLATE_WHOLE_MAX) got = inflateSync(data, { maxOutputLength: expected + 1 }).length;
    else {
      const inflater = new Unzlib((chunk) => {
        got += chunk.length;
        if (got > expected) throw new RangeError('more pixel data than the header says');
      });
      inflater.push(data, true);
    }
  } catch (err) {
    return err instanceof RangeError ? 'more pixel data than its header says' : 'its pixel data does not inflate';
  }
  if (got < expected) return `its pixel data stops early (${got} of ${expected} bytes)`;
  return null;
}

/**
 * The header of a complete, well-formed JPEG or PNG (end marker present), read without sharp;
 * null for anything else, which sharp then reads (and decodes in full when no end marker is there).
 */
function quickHeader(bytes: Buffer): Header | null {
  const header = bytes[0] === 0xff ? jpegHeader(bytes) : bytes[0] === 0x89 ? pngHeader(bytes) : null;
  if (header === null || header.width === 0 || header.height === 0 || header.width * header.height > MAX_PIXELS) return null;
  return endsComplete(bytes, header.format) === true ? header : null;
}

/**
 * Hashes one image file and makes sure it can be read whole. JPEG and PNG (nearly every dataset)
 * are checked from their header and their end markers, which is what catches a truncated file
 * without decoding it (a full decode made imports of 5,000 images several times slower); other
 * formats are fully decoded.
 */
export async function probeImage(bytes: Buffer): Promise<ProbeOutcome> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  // Most files: the header read here, same answer as sharp's metadata without its round trip.
  const quick = quickHeader(bytes);
  if (quick !== null) {
    const problem = quick.format === 'png' ? pngDataProblem(bytes) : null;
    if (problem !== null) return { ok: false, reason: `unreadable image: damaged PNG (${problem})` };
    return { ok: true, image: { ...quick, sha256, bytes: bytes.length } };
  }
  try {
    const decoder = loadSharp()(bytes, { failOn: 'truncated', limitInputPixels: MAX_PIXELS });
    const meta = await decoder.metadata();
    if (meta.width === undefined || meta.height === undefined) return { ok: false, reason: 'unreadable image: no dimensions' };
    // No end marker (a cut file, or a camera trailer after EOI): let a full decode decide.
    if (endsComplete(bytes, meta.format) !== true) await decoder.raw().toBuffer();
    else if (meta.format === 'png' && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) {
      // A PNG read by sharp for its header (an eXIf chunk, say): its data is checked as on the quick path.
      const problem = pngDataProblem(bytes);
      if (problem !== null) return { ok: false, reason: `unreadable image: damaged PNG (${problem})` };
    }
    const orientation = meta.orientation !== undefined && meta.orientation >= 1 && meta.orientation <= 8 ? meta.orientation : 1;
    return {
      ok: true,
      image: { width: meta.width, height: meta.height, sha256, bytes: bytes.length, format: meta.format ?? 'unknown', orientation },
    };
  } catch (err) {
    const text = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
    return { ok: false, reason: unreadableReason(bytes, text.trim()) };
  }
}

/**
 * Why a file that sharp could not read is skipped, in words a person can act on. sharp does not
 * always say (its message can be "Unknown error" when decodes run side by side), so a JPEG or PNG
 * (by its signature) without its end marker is called truncated or damaged whatever sharp said,
 * and one that has it is called damaged when sharp gave no reason; sharp's text follows when it
 * says something.
 */
function unreadableReason(bytes: Buffer, text: string): string {
  const said = text === '' || /^unknown error$/i.test(text) ? null : text;
  const kind = bytes[0] === 0xff && bytes[1] === 0xd8 ? 'jpeg' : bytes.subarray(0, 8).equals(PNG_SIGNATURE) ? 'png' : null;
  if (kind !== null && endsComplete(bytes, kind) === false)
    return `unreadable image: truncated or damaged ${kind.toUpperCase()} (no end marker${said === null ? '' : `; ${said}`})`;
  if (said !== null) return `unreadable image (${said})`;
  return kind === null ? 'unreadable image (the decoder gave no reason)' : `unreadable image: damaged ${kind.toUpperCase()}`;
}

export function contentTypeFor(path: string): string {
  const ext = path.slice(path.lastIndexOf('.')).toLowerCase();
  switch (ext) {
    case '.jpg':
    case '.jpeg':
      return 'image/jpeg';
    case '.png':
      return 'image/png';
    case '.webp':
      return 'image/webp';
    case '.bmp':
      return 'image/bmp';
    case '.gif':
      return 'image/gif';
    case '.tif':
    case '.tiff':
      return 'image/tiff';
    default:
      return 'application/octet-stream';
  }
}
