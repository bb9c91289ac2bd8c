import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { ApiError } from '../../../shared/api/errors';

/**
 * A registered image's file as served (/blob/image, thumbnails): only the bytes that were imported.
 * Its masks, sizes, grid, cached thumbnail and model outputs all belong to those bytes, so a file
 * changed on disk since (rewritten, truncated, replaced by another picture) is refused with one line
 * naming it rather than shown as if nothing had happened. Checking costs a sha256 of a file the
 * request reads anyway (~1-3 ms for a few MB).
 */
export interface RegisteredImageFile {
  path: string;
  sha256: string;
  /** Its size at import; 0 when unknown (the demo's generated scenes). */
  bytes: number;
}

/** The one line for a registered image file that is no longer what was imported, or cannot be read or decoded. */
export function changedImageError(path: string, why: string): ApiError {
  return new ApiError(
    'CORRUPT_FILE',
    `the image file changed or is unreadable: ${path} (${why}); put back the file that was imported, or import the dataset again`,
    { path },
  );
}

function missing(path: string): ApiError {
  return new ApiError('NOT_FOUND', `${path}: image file is missing (moved or deleted since import)`);
}

/** The file's bytes, checked against its size and sha256 at import. */
export async function readRegisteredImage(image: RegisteredImageFile): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(image.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw missing(image.path);
    throw changedImageError(image.path, `cannot read it: ${code ?? (err as Error).message}`);
  }
  if (image.bytes > 0 && bytes.length !== image.bytes)
    throw changedImageError(image.path, `${bytes.length} bytes now, ${image.bytes} when imported`);
  if (createHash('sha256').update(bytes).digest('hex') !== image.sha256)
    throw changedImageError(image.path, 'its content is not the content imported');
  return bytes;
}

/**
 * A cheap look at the file for a cached thumbnail (a stat, no read): its size must still be the
 * size imported. A missing file keeps its cached thumbnail (the gallery stays browsable).
 */
export async function checkRegisteredImageSize(image: RegisteredImageFile): Promise<void> {
  if (image.bytes <= 0) return;
  const info = await stat(image.path).catch(() => null);
  if (info === null) return;
  if (!info.isFile()) throw changedImageError(image.path, 'it is not a file any more');
  if (info.size !== image.bytes) throw changedImageError(image.path, `${info.size} bytes now, ${image.bytes} when imported`);
}

/** The MIME type the bytes themselves say (their signature), or null when none is known. */
export function sniffImageType(bytes: Uint8Array): string | null {
  const at = (i: number, ...sig: number[]): boolean => sig.every((b, k) => bytes[i + k] === b);
  if (at(0, 0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (at(0, 0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'image/webp';
  if (at(0, 0x42, 0x4d)) return 'image/bmp';
  if (at(0, 0x49, 0x49, 0x2a, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2a)) return 'image/tiff';
  return null;
}
