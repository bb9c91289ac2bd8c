/**
 * Binary masks saved as JPEG (Kvasir-SEG and other medical sets ship them): lossy, so their edges hold
 * in-between values and they are read only at a threshold (datasets/folder.ts, --mask-threshold). The
 * grey value is PIL's `Image.open(f).convert('L')` of the decoded pixels (ITU-R 601 luma in PIL's
 * fixed point; a grey JPEG as it is), which is how PraNet-style evaluation code loads these masks.
 * The size is checked from the header before anything is decoded.
 */
import { ApiError } from '../../../shared/api/apiError';
import { loadSharp } from '../lazyPackages';
import { MAX_MASK_PIXELS } from './png';

export interface GreyMask {
  width: number;
  height: number;
  /** Row-major grey values. */
  data: Uint8Array;
}

export async function readJpegMaskGrey(
  bytes: Uint8Array,
  file: string,
  checkSize: (size: { width: number; height: number }) => void,
): Promise<GreyMask> {
  const sharp = loadSharp();
  let meta;
  try {
    meta = await sharp(bytes).metadata();
  } catch (err) {
    throw new ApiError('CORRUPT_FILE', `${file}: not a readable JPEG (${err instanceof Error ? err.message : String(err)})`, { file });
  }
  if (meta.format !== 'jpeg') throw new ApiError('INVALID_INPUT', `${file}: named .jpg but holds ${meta.format ?? 'no image'}`, { file });
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  checkSize({ width, height });
  if (width * height > MAX_MASK_PIXELS)
    throw new ApiError('INVALID_INPUT', `${file}: mask is ${width}x${height}, more than the ${MAX_MASK_PIXELS} pixels allowed`, { file });
  let decoded;
  try {
    // The stored grid (no EXIF rotation: the size check above chose the grid), and the file's own values:
    // no ICC conversion, as Pillow reads it (a profile-tagged photo differed in 378 of 273k pixels at 127).
    decoded = await sharp(bytes, { ignoreIcc: true }).raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new ApiError('CORRUPT_FILE', `${file}: the JPEG could not be decoded (${err instanceof Error ? err.message : String(err)})`, {
      file,
    });
  }
  const { data, info } = decoded;
  const n = info.width * info.height;
  if (info.channels === 1) return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, n) };
  if (info.channels !== 3)
    throw new ApiError('INVALID_INPUT', `${file}: a JPEG mask with ${info.channels} channels; save it as grey or RGB`, { file });
  const grey = new Uint8Array(n);
  // PIL's RGB -> L (Convert.c L24): (R*19595 + G*38470 + B*7471 + 0x8000) >> 16.
  for (let k = 0, at = 0; k < n; k++, at += 3) grey[k] = (data[at]! * 19595 + data[at + 1]! * 38470 + data[at + 2]! * 7471 + 0x8000) >>> 16;
  return { width: info.width, height: info.height, data: grey };
}
