import { basename, extname } from 'node:path';
import { ApiError } from '../../../shared/api/errors';

/**
 * A dataset's images by file stem, for files matched by name (`<image stem>.png|.npy|.npz`). Two
 * images with one stem (`a.jpg`, `a.png`) make such a file ambiguous: `lookup` refuses it, naming both,
 * instead of silently giving it to whichever image came last.
 */
export function imagesByStem<T extends { fileName: string }>(images: readonly T[]): { lookup(stem: string, file: string): T | undefined } {
  const byStem = new Map<string, T[]>();
  for (const image of images) {
    const stem = basename(image.fileName, extname(image.fileName));
    const list = byStem.get(stem);
    if (list === undefined) byStem.set(stem, [image]);
    else list.push(image);
  }
  return {
    lookup(stem, file) {
      const found = byStem.get(stem);
      if (found === undefined) return undefined;
      if (found.length > 1)
        throw new ApiError(
          'INVALID_INPUT',
          `${file}: the dataset has ${found.length} images named "${stem}" (${found.map((i) => i.fileName).join(', ')}); a prediction file named by stem cannot say which one it belongs to`,
          { file },
        );
      return found[0];
    },
  };
}
