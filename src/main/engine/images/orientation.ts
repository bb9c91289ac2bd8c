import { crc32 } from 'node:zlib';
import type { Sharp } from 'sharp';
import type { ImageOrientationNote, PixelGrid } from '../../../shared/domain';

/**
 * One pixel grid per image, chosen at import and recorded (images.grid, images.exif_orientation).
 * Research loaders disagree on EXIF orientation: PIL ignores it (the raw grid), OpenCV's imread and
 * LabelMe apply it (the oriented grid). Tessera uses the raw grid unless the dataset's annotations
 * are in the oriented one; models, masks, metrics, exports, thumbnails and the viewer all follow it.
 */

/** Orientations 5..8 swap width and height. */
export function swapsAxes(orientation: number): boolean {
  return orientation >= 5 && orientation <= 8;
}

/** The EXIF transform the decoder applies for a grid: the orientation for 'oriented', none (1) for 'raw'. */
export function appliedOrientation(grid: PixelGrid, exifOrientation: number): number {
  return grid === 'oriented' ? exifOrientation : 1;
}

/** An image's pixel identity for caches: its sha256, plus `:o<n>` when its grid applies EXIF orientation n. */
export function pixelKey(sha256: string, orientation: number): string {
  return orientation > 1 ? `${sha256}:o${orientation}` : sha256;
}

/** Width and height of an image in a grid, from its raw (stored) size. */
export function gridSize(raw: { width: number; height: number; orientation: number }, grid: PixelGrid): { width: number; height: number } {
  return grid === 'oriented' && swapsAxes(raw.orientation)
    ? { width: raw.height, height: raw.width }
    : { width: raw.width, height: raw.height };
}

/**
 * The grid an annotation of `size` is drawn in: 'raw' or 'oriented' when only one grid has that
 * size, `fallback` when both do (orientation 1-4, a square image) or no size is known, null when
 * neither does (the caller reports the mismatch).
 */
export function chooseGrid(
  raw: { width: number; height: number; orientation: number },
  size: { width: number; height: number } | null,
  fallback: PixelGrid,
): PixelGrid | null {
  if (raw.orientation === 1) return size === null || (size.width === raw.width && size.height === raw.height) ? 'raw' : null;
  if (size === null) return fallback;
  const fits = (g: PixelGrid): boolean => {
    const s = gridSize(raw, g);
    return s.width === size.width && s.height === size.height;
  };
  const rawFits = fits('raw');
  const orientedFits = fits('oriented');
  if (rawFits && orientedFits) return fallback;
  if (rawFits) return 'raw';
  if (orientedFits) return 'oriented';
  return null;
}

/** "48x32 (raw) or 32x48 (EXIF-oriented)": the sizes an annotation may have, for mismatch messages. */
export function allowedSizes(raw: { width: number; height: number; orientation: number }): string {
  const o = gridSize(raw, 'oriented');
  if (raw.orientation === 1 || !swapsAxes(raw.orientation)) return `${raw.width}x${raw.height}`;
  return `${raw.width}x${raw.height} (as stored) or ${o.width}x${o.height} (EXIF orientation ${raw.orientation} applied)`;
}

/** The import result's list: every image whose EXIF orientation is not 1, with the grid chosen. */
export function orientationNotes(
  images: ReadonlyArray<{ file: string; orientation: number; grid: PixelGrid; width: number; height: number }>,
): ImageOrientationNote[] {
  return images
    .filter((i) => i.orientation !== 1)
    .map((i) => ({ file: i.file, orientation: i.orientation, grid: i.grid, width: i.width, height: i.height }));
}

/**
 * Applies an EXIF orientation (1..8) to a sharp pipeline: the transform that turns the stored grid
 * into the displayed one, as OpenCV's imread and sharp's autoOrient do (sharp mirrors before it rotates).
 */
export function applyOrientation(pipeline: Sharp, orientation: number): Sharp {
  switch (orientation) {
    case 2:
      return pipeline.flop();
    case 3:
      return pipeline.rotate(180);
    case 4:
      return pipeline.flip();
    case 5:
      return pipeline.flop().rotate(270);
    case 6:
      return pipeline.rotate(90);
    case 7:
      return pipeline.flop().rotate(90);
    case 8:
      return pipeline.rotate(270);
    default:
      return pipeline;
  }
}

/**
 * A copy of a JPEG whose EXIF orientation tag (IFD0 0x0112) is set to 1, every other byte unchanged;
 * null when the file has no such tag or already says 1. Serving this for a raw-grid image keeps the
 * browser from rotating what Tessera treats as unrotated (the original file is never written).
 */
export function jpegWithoutOrientation(bytes: Uint8Array): Uint8Array | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 2;
  while (pos + 4 <= bytes.length && bytes[pos] === 0xff) {
    const marker = bytes[pos + 1] as number;
    if (marker === 0xda || marker === 0xd9) return null; // image data starts: no EXIF before it
    if (marker === 0xff || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      pos += marker === 0xff ? 1 : 2;
      continue;
    }
    const length = view.getUint16(pos + 2);
    const start = pos + 4;
    const end = pos + 2 + length;
    if (length < 2 || end > bytes.length) return null;
    const isExif = marker === 0xe1 && length >= 16 && String.fromCharCode(...bytes.subarray(start, start + 6)) === 'Exif\0\0';
    if (isExif) return withTiffOrientationOne(bytes, start + 6, end);
    pos = end;
  }
  return null;
}

/**
 * A label map on the oriented grid of an image with EXIF `orientation`, turned back onto the raw
 * (stored) grid: the exact pixel permutation that undoes the orientation (no resampling). `width` and
 * `height` are the oriented grid's; the result is raw-sized (axes swapped for 5..8).
 * Raw pixel (x, y) of a W×H file is shown at (x', y') = 2: (W-1-x, y), 3: (W-1-x, H-1-y),
 * 4: (x, H-1-y), 5: (y, x), 6: (H-1-y, x), 7: (H-1-y, W-1-x), 8: (y, W-1-x).
 */
export function labelsToRawGrid(labels: Uint8Array, width: number, height: number, orientation: number): Uint8Array {
  if (orientation <= 1 || orientation > 8) return labels;
  const swap = swapsAxes(orientation);
  const W = swap ? height : width; // raw size
  const H = swap ? width : height;
  // The source index (ys * width + xs) is linear in the raw (x, y): base + x * dx + y * dy.
  const [base, dx, dy] = (
    {
      2: [W - 1, -1, width],
      3: [(H - 1) * width + W - 1, -1, -width],
      4: [(H - 1) * width, 1, -width],
      5: [0, width, 1],
      6: [H - 1, width, -1],
      7: [(W - 1) * width + H - 1, -width, -1],
      8: [(W - 1) * width, -width, 1],
    } as Record<number, [number, number, number]>
  )[orientation]!;
  const out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    const row = y * W;
    let from = base + y * dy;
    for (let x = 0; x < W; x++, from += dx) out[row + x] = labels[from]!;
  }
  return out;
}

/**
 * A copy of `bytes` with the orientation tag (IFD0 0x0112, SHORT) of the TIFF structure at
 * [tiff, end) set to 1; null when there is no such tag or it already says 1.
 */
function withTiffOrientationOne(bytes: Uint8Array, tiff: number, end: number): Uint8Array | null {
  if (tiff + 8 > end) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const order = String.fromCharCode(bytes[tiff] as number, bytes[tiff + 1] as number);
  if (order !== 'II' && order !== 'MM') return null;
  const le = order === 'II';
  const ifd = tiff + view.getUint32(tiff + 4, le);
  if (ifd + 2 > end) return null;
  const count = view.getUint16(ifd, le);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > end) return null;
    if (view.getUint16(entry, le) !== 0x0112) continue;
    if (view.getUint16(entry + 2, le) !== 3 || view.getUint16(entry + 8, le) === 1) return null; // SHORT; already 1
    const copy = new Uint8Array(bytes);
    new DataView(copy.buffer).setUint16(entry + 8, 1, le);
    return copy;
  }
  return null;
}

/**
 * The file with its EXIF orientation set to 1, every other byte unchanged (a PNG's eXIf chunk gets
 * its CRC again): JPEG, PNG and WebP; null when it has no orientation tag, already says 1, or is
 * another format. OpenCV applies a PNG's orientation as it does a JPEG's.
 */
export function withoutOrientation(bytes: Uint8Array): Uint8Array | null {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xd8) return jpegWithoutOrientation(bytes);
  const ascii = (at: number, n: number): string => String.fromCharCode(...bytes.subarray(at, at + n));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 8 && ascii(1, 3) === 'PNG') {
    let pos = 8;
    while (pos + 12 <= bytes.length) {
      const length = view.getUint32(pos);
      const type = ascii(pos + 4, 4);
      const data = pos + 8;
      if (data + length + 4 > bytes.length) return null;
      if (type === 'eXIf') {
        const copy = withTiffOrientationOne(bytes, data, data + length);
        if (copy === null) return null;
        new DataView(copy.buffer).setUint32(data + length, crc32(copy.subarray(pos + 4, data + length)));
        return copy;
      }
      if (type === 'IDAT' || type === 'IEND') return null; // eXIf comes before the image data
      pos = data + length + 4;
    }
    return null;
  }
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP') {
    let pos = 12;
    while (pos + 8 <= bytes.length) {
      const size = view.getUint32(pos + 4, true);
      const data = pos + 8;
      if (data + size > bytes.length) return null;
      if (ascii(pos, 4) === 'EXIF') {
        // Some writers keep the JPEG APP1 header ("Exif\0\0") in front of the TIFF structure.
        const tiff = ascii(data, 6) === 'Exif\0\0' ? data + 6 : data;
        return withTiffOrientationOne(bytes, tiff, data + size);
      }
      pos = data + size + (size % 2);
    }
  }
  return null;
}
