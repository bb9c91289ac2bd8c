import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSharp } from '../lazyPackages';
import { applyOrientation } from './orientation';
import { changedImageError, checkRegisteredImageSize, readRegisteredImage, type RegisteredImageFile } from './imageFile';

/** Longest side of a gallery thumbnail, in pixels (tiles are 160-220 CSS px wide; 256 stays sharp on 1.25x screens). */
export const THUMB_SIZE = 256;
/**
 * How thumbnails are made, in their file names: `raw`, the file's own values with no ICC conversion
 * (those cached before, without it, were colour-converted and are made again; a dataset delete still
 * removes them, by hash).
 */
const THUMB_FORMAT = 'raw';

export interface ThumbSource extends RegisteredImageFile {
  /** EXIF orientation to apply: the image's pixel grid (1 = raw, as stored). */
  orientation: number;
}

/**
 * Gallery thumbnails, made with sharp on first request and cached on disk under
 * `<workspace>/cache/thumbs/<sha[0:2]>/<sha>-256-o<orientation>-raw.webp`. Keyed by content hash and
 * pixel grid, so identical images in the same grid share one file and a changed file gets a new thumbnail. Concurrent requests for one hash share
 * one encode (the gallery asks for a screenful at once).
 *
 * `shown(sha)` says whether a dataset still shows an image with these bytes. A dataset delete lists
 * and removes its hashes' thumbnails after hiding the dataset; an encode that was in flight then
 * renames its file in after that list was taken. So the file is checked once it is in place, and
 * removed when no shown dataset has the hash: either the check sees the hide, or the rename came
 * before it and the delete's list sees the file.
 */
export function thumbnailCache(cacheDir: string, shown: (sha256: string) => boolean) {
  const inFlight = new Map<string, Promise<Uint8Array>>();

  async function make(src: ThumbSource, file: string): Promise<Uint8Array> {
    // The imported bytes only (a file changed since import is refused, naming it: imageFile.ts).
    const original = await readRegisteredImage(src);
    // The file's own values, as the viewer shows them (colourProfile.ts): no ICC conversion.
    const bytes = await applyOrientation(loadSharp()(original, { limitInputPixels: 1 << 28, ignoreIcc: true }), src.orientation)
      .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 78 })
      .toBuffer()
      .catch((err: unknown) => {
        throw changedImageError(src.path, `cannot decode it: ${err instanceof Error ? err.message : String(err)}`);
      });
    // Write then rename: a reader never sees half a file, and a crash leaves no truncated cache entry.
    // The cache is best effort: a full disk or a read-only workspace still serves the thumbnail.
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      await mkdir(join(file, '..'), { recursive: true });
      await writeFile(tmp, bytes);
      await rename(tmp, file);
      if (!shown(src.sha256)) await rm(file, { force: true });
    } catch {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
    return bytes;
  }

  return async function thumbnail(src: ThumbSource): Promise<Uint8Array> {
    const file = join(cacheDir, 'thumbs', src.sha256.slice(0, 2), `${src.sha256}-${THUMB_SIZE}-o${src.orientation}-${THUMB_FORMAT}.webp`);
    const cached = await readFile(file).catch(() => null);
    if (cached !== null) {
      // Cached from the imported bytes; a file since grown or shrunk is refused as when making one.
      await checkRegisteredImageSize(src);
      return cached;
    }
    let pending = inFlight.get(file);
    if (pending === undefined) {
      pending = make(src, file).finally(() => inFlight.delete(file));
      inFlight.set(file, pending);
    }
    return pending;
  };
}
