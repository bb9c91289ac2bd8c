import { crc32, inflateSync } from 'node:zlib';
import { decode, encode } from 'fast-png';
import { ApiError } from '../../../shared/api/apiError';

/**
 * Mask PNGs: palette PNGs give class indices (VOC SegmentationClass: the palette INDEX is the
 * label, never the colour); greyscale PNGs give grey values (SegmentationClassAug, 0/255 binary
 * predictions). Colour, alpha and 16-bit PNGs are refused rather than guessed at.
 */
export interface DecodedMask {
  width: number;
  height: number;
  data: Uint8Array;
  kind: 'palette' | 'grey' | 'binary';
  /** A 2- or 4-bit greyscale file, whose values were scaled to 0..255 (4-bit 1 -> 17); else absent. */
  scaledFromBits?: 2 | 4;
  /**
   * A 1-bit greyscale file: its values are 0/1, as Pillow's `np.array(Image.open(f))` (mode "1")
   * and so mmseg read them, a class map saved with PIL from a 0/1 array. cv2 and Pillow's
   * `convert('L')` read 0/255: a threshold reading takes those (greyLevels). Else absent.
   */
  oneBit?: true;
}

/** Grey values as a threshold reads them (Pillow's `convert('L')`, cv2): a 1-bit file's 0/1 as 0/255. */
export function greyLevels(mask: Pick<DecodedMask, 'data' | 'oneBit'>): Uint8Array {
  return mask.oneBit === true ? mask.data.map((v) => v * 255) : mask.data;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const SUPPORTED = 'supported mask PNGs are palette (indexed, 1/2/4/8-bit: class indices) and greyscale (1/2/4/8-bit)';
const COLOR_TYPE_NAMES: Record<number, string> = {
  0: 'greyscale',
  2: 'RGB',
  3: 'palette',
  4: 'greyscale+alpha',
  6: 'RGBA',
};

interface Header {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlace: number;
  /** The IDAT chunks' data, in order. */
  idat: Uint8Array[];
}

/** Masks larger than this (as images: sharp's limitInputPixels in images/probe) are refused before decoding. */
export const MAX_MASK_PIXELS = 1 << 28;

/**
 * PNG bytes -> per-pixel palette index or grey value. `file` names the file in error messages.
 * The size is read from the IHDR chunk and checked before anything is inflated: by `checkSize`
 * (the caller's image-size check, which throws), then against MAX_MASK_PIXELS, so a tiny
 * file declaring 30000x30000 is refused at once instead of after decoding 900 MB.
 */
export function readMaskPng(
  bytes: Uint8Array,
  file = 'mask.png',
  checkSize?: (size: { width: number; height: number }) => void,
): DecodedMask {
  const header = readStructure(bytes, file);
  const { width, height, depth, colorType, interlace } = header;
  if (width === 0 || height === 0) throw corrupt(file, `IHDR size ${width}x${height} is empty`);
  checkSize?.({ width, height });
  if (width * height > MAX_MASK_PIXELS) {
    throw new ApiError('INVALID_INPUT', `${file}: mask is ${width}x${height}, more than the ${MAX_MASK_PIXELS} pixels allowed`, {
      file,
    });
  }
  const typeName = `${depth}-bit ${COLOR_TYPE_NAMES[colorType] ?? `colour type ${colorType}`}`;
  if ((colorType !== 0 && colorType !== 3) || depth > 8) {
    // A colour rendering (ToCo's segs_rgb, a VOC palette saved as RGB) or a 16-bit label image (cv2.imwrite of uint16).
    const hint =
      depth > 8
        ? '; save the labels as 8-bit (class ids 0-254, 255 = ignore)'
        : colorType === 2 || colorType === 6
          ? '; a colour rendering of labels is not a label map: save the class ids themselves (grey, or palette mode "P" in PIL)'
          : '';
    throw new ApiError('UNSUPPORTED_FORMAT', `${file}: ${typeName} PNG is not a mask; ${SUPPORTED}${hint}`, {
      file,
      colorType,
      depth,
    });
  }
  if (depth < 8 && interlace !== 0) {
    // fast-png de-interlaces packed sub-byte pixels incorrectly, so refuse instead of misreading.
    throw new ApiError('UNSUPPORTED_FORMAT', `${file}: interlaced ${typeName} PNG is not supported; ${SUPPORTED}`);
  }
  let packed: Uint8Array;
  try {
    // Non-interlaced masks (nearly all): node's zlib + the row filters here, ~5-10x faster than
    // fast-png's JS inflate (bench/pngDecode.ts); same bytes out. Interlaced ones go to fast-png.
    packed = interlace === 0 ? inflateRows(header, file) : (decode(bytes, { checkCrc: true }).data as Uint8Array);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw corrupt(file, err instanceof Error ? err.message : String(err));
  }
  // Greyscale samples of 2 and 4 bits are scaled to 0..255 as the PNG standard, Pillow and cv2 read
  // them; 1-bit ones stay 0/1, as Pillow's arrays (and mmseg) read them (DecodedMask.oneBit).
  const data = depth === 8 ? packed : unpack(packed, width, height, depth, colorType === 0 && depth > 1);
  if (data.length !== width * height) {
    throw corrupt(file, `decoded ${data.length} pixels, expected ${width}x${height}`);
  }
  if (colorType === 3) return { width, height, data, kind: 'palette' };
  const kind = isBinary(data) ? 'binary' : 'grey';
  if (depth === 1) return { width, height, data, kind, oneBit: true };
  return depth === 2 || depth === 4 ? { width, height, data, kind, scaledFromBits: depth } : { width, height, data, kind };
}

/** Class indices -> 8-bit indexed PNG with a 256-entry palette (missing entries black). */
export function writePalettePng(labels: Uint8Array, width: number, height: number, palette: Array<[number, number, number]>): Uint8Array {
  checkPixels(labels, width, height);
  if (palette.length > 256) {
    throw new ApiError('INVALID_INPUT', `palette has ${palette.length} colours; an 8-bit PNG holds 256`);
  }
  const full: number[][] = [];
  for (let i = 0; i < 256; i++) {
    const c = palette[i];
    full.push(c === undefined ? [0, 0, 0] : [c[0], c[1], c[2]]);
  }
  return encode({ width, height, data: labels, depth: 8, channels: 1, palette: full });
}

/** Grey values -> 8-bit greyscale PNG. */
export function writeGreyPng(values: Uint8Array, width: number, height: number): Uint8Array {
  checkPixels(values, width, height);
  return encode({ width, height, data: values, depth: 8, channels: 1 });
}

/**
 * Walks the chunk layout before decoding, so that a truncated file (which a decoder may pad
 * with zeros) is reported as corrupt, and returns the IHDR fields.
 */
function readStructure(bytes: Uint8Array, file: string): Header {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw corrupt(file, 'not a PNG file (bad signature)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  let header: Header | undefined;
  const idat: Uint8Array[] = [];
  for (;;) {
    if (offset + 12 > bytes.length) throw corrupt(file, `truncated at byte ${bytes.length} (no IEND chunk)`);
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (offset + 12 + length > bytes.length) {
      throw corrupt(file, `truncated: chunk ${type} at byte ${offset} runs past the end of the file`);
    }
    if (crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== view.getUint32(offset + 8 + length)) {
      throw corrupt(file, `CRC mismatch in chunk ${type} at byte ${offset}`);
    }
    if (type === 'IHDR') {
      if (length !== 13) throw corrupt(file, 'IHDR chunk has the wrong length');
      header = {
        idat,
        width: view.getUint32(offset + 8),
        height: view.getUint32(offset + 12),
        depth: view.getUint8(offset + 16),
        colorType: view.getUint8(offset + 17),
        interlace: view.getUint8(offset + 20),
      };
    } else if (type === 'IDAT') {
      idat.push(bytes.subarray(offset + 8, offset + 8 + length));
    } else if (type === 'IEND') {
      break;
    }
    offset += 12 + length;
  }
  if (header === undefined) throw corrupt(file, 'no IHDR chunk');
  if (idat.length === 0) throw corrupt(file, 'no image data (IDAT chunk)');
  return header;
}

/** Inflate output up to this size comes back as one buffer (no chunks to concatenate). */
const ONE_CHUNK_MAX = 64 * 1024 * 1024;

/**
 * The concatenated IDAT stream inflated by node's zlib, then PNG's per-row filters undone (one
 * channel, so the filter's "bytes per pixel" is 1): the packed rows, as fast-png returns them.
 * Rows are unfiltered in place, each moved left over the filter bytes before it, so decoding
 * allocates only the inflated buffer (the pixels are a view of it).
 */
function inflateRows(header: Header, file: string): Uint8Array {
  const { width, height, depth } = header;
  const rowBytes = Math.ceil((width * depth) / 8);
  const expected = (rowBytes + 1) * height;
  const stream = header.idat.length === 1 ? header.idat[0]! : Buffer.concat(header.idat);
  let raw: Uint8Array;
  try {
    // One output chunk of the expected size + 1 (a longer stream still fails maxOutputLength).
    const chunkSize = expected < ONE_CHUNK_MAX ? Math.max(64, expected + 1) : undefined;
    raw = inflateSync(stream, { maxOutputLength: expected + 1, ...(chunkSize === undefined ? {} : { chunkSize }) });
  } catch (err) {
    const why = err instanceof RangeError ? 'more image data than its size' : err instanceof Error ? err.message : String(err);
    throw corrupt(file, `image data: ${why}`);
  }
  if (raw.length !== expected) throw corrupt(file, `image data holds ${raw.length} bytes, expected ${expected}`);
  // Small outputs can sit in Node's shared buffer pool: give them a buffer of their own.
  const out = raw.byteLength < 4096 ? new Uint8Array(raw) : new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let y = 0; y < height; y++) {
    const src = y * (rowBytes + 1);
    const filter = out[src]!;
    const at = y * rowBytes;
    const up = at - rowBytes;
    // Row y's bytes start after its filter byte; its place ends before row y+1's filter byte.
    out.copyWithin(at, src + 1, src + 1 + rowBytes);
    switch (filter) {
      case 0:
        break;
      case 1:
        for (let x = 1; x < rowBytes; x++) out[at + x] = (out[at + x]! + out[at + x - 1]!) & 0xff;
        break;
      case 2:
        if (y > 0) for (let x = 0; x < rowBytes; x++) out[at + x] = (out[at + x]! + out[up + x]!) & 0xff;
        break;
      case 3:
        for (let x = 0; x < rowBytes; x++) {
          const a = x > 0 ? out[at + x - 1]! : 0;
          const b = y > 0 ? out[up + x]! : 0;
          out[at + x] = (out[at + x]! + ((a + b) >> 1)) & 0xff;
        }
        break;
      case 4:
        for (let x = 0; x < rowBytes; x++) {
          const a = x > 0 ? out[at + x - 1]! : 0;
          const b = y > 0 ? out[up + x]! : 0;
          const c = x > 0 && y > 0 ? out[up + x - 1]! : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          out[at + x] = (out[at + x]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
        }
        break;
      default:
        throw corrupt(file, `row ${y} has filter type ${filter}`);
    }
  }
  return out.subarray(0, rowBytes * height);
}

/** Packed 1/2/4-bit rows -> one byte per pixel; with `scaleGrey`, samples scaled to 0..255 (PNG spec). */
function unpack(packed: Uint8Array, width: number, height: number, depth: number, scaleGrey: boolean): Uint8Array {
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  const scale = scaleGrey ? 255 / mask : 1;
  const perByte = 8 / depth;
  for (let y = 0; y < height; y++) {
    const row = y * rowBytes;
    for (let x = 0; x < width; x++) {
      const byte = packed[row + Math.floor(x / perByte)] as number;
      const shift = 8 - depth * ((x % perByte) + 1);
      out[y * width + x] = ((byte >> shift) & mask) * scale;
    }
  }
  return out;
}

function isBinary(data: Uint8Array): boolean {
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (v !== 0 && v !== 255) return false;
  }
  return true;
}

function checkPixels(data: Uint8Array, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new ApiError('INVALID_INPUT', `PNG size ${width}x${height} must be positive integers`);
  }
  if (data.length !== width * height) {
    throw new ApiError('INVALID_INPUT', `${data.length} pixels given for a ${width}x${height} PNG`);
  }
}

function corrupt(file: string, why: string): ApiError {
  return new ApiError('CORRUPT_FILE', `${file}: corrupt PNG: ${why}`, { file });
}
