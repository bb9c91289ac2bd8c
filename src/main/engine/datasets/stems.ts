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

/**
 * `<image stem>.q<k>`: the image's k-th query (0-based, in import order). `s`: a stem may hold line
 * terminators (\n, \r, U+2028 are legal in Linux file names), which `.` would not match otherwise.
 */
const QUERY_SUFFIX = /^(.+)\.q(\d{1,6})$/is;

/** Where a per-sample prediction file goes: the image and which of its samples. */
export interface MatchedSample<T> {
  image: T;
  sampleId: number;
  /** The query index its name gave (`.q<k>`); null for a plain `<image stem>` name. */
  query: number | null;
}

/**
 * How prediction files are named, for messages: an image with several queries (RefCOCO: one sample per
 * sentence) takes one file per query.
 */
export function perQueryNaming(stem: string, queries: number, ext: string): string {
  return `name its files ${stem}.q0${ext} … ${stem}.q${queries - 1}${ext}: q<k> is the image's k-th query in import order (RefCOCO: the refs file's order, ref by ref and sentence by sentence, as LISA's val loader stacks an image's masks)`;
}

/**
 * A dataset's samples by prediction file stem: `<image stem>` for an image with one sample, and
 * `<image stem>.q<k>` for the k-th sample of any image (several queries per image: RefCOCO's
 * sentences), the same names `export --format points` writes. A plain stem of an image with several
 * queries is refused (which query it answers cannot be told); a `.q<k>` past the image's queries is
 * undefined with `why` set, so the file is skipped with that reason.
 */
export function samplesByFileStem<T extends { fileName: string; sampleIds: readonly number[] }>(
  images: readonly T[],
  datasetName: string,
  ext: string,
): { lookup(stem: string, file: string): MatchedSample<T> | { why: string } | undefined } {
  const byStem = imagesByStem(images);
  return {
    lookup(stem, file) {
      const image = byStem.lookup(stem, file);
      const m = QUERY_SUFFIX.exec(stem);
      const owner = m === null ? undefined : byStem.lookup(m[1]!, file);
      const k = m === null ? -1 : Number(m[2]);
      if (image !== undefined && owner !== undefined && owner.sampleIds[k] !== undefined)
        // a.q1.png: image a.q1's own file, or query 1 of image a? (probe W: it silently went to a.q1)
        throw new ApiError(
          'INVALID_INPUT',
          `${file}: names both image ${image.fileName} and query ${k} of image ${owner.fileName}; rename one of the images (or import the other's predictions on their own)`,
          { file },
        );
      if (image !== undefined) {
        const [first, second] = image.sampleIds;
        if (first === undefined)
          throw new ApiError('INVALID_INPUT', `image ${image.fileName} of dataset "${datasetName}" has no sample`, { file });
        if (second !== undefined)
          throw new ApiError(
            'INVALID_INPUT',
            `${file}: image ${image.fileName} of dataset "${datasetName}" has ${image.sampleIds.length} queries; one file cannot say which it answers: ${perQueryNaming(stem, image.sampleIds.length, ext)}`,
            { file },
          );
        return { image, sampleId: first, query: null };
      }
      if (owner === undefined) return undefined;
      const sampleId = owner.sampleIds[k];
      if (sampleId === undefined) {
        const n = owner.sampleIds.length;
        return {
          why: `image ${owner.fileName} has ${n === 0 ? 'no query' : n === 1 ? 'one query (q0)' : `${n} queries (q0 … q${n - 1})`}`,
        };
      }
      return { image: owner, sampleId, query: k };
    },
  };
}

/**
 * The stem of the file an export writes for an image's k-th sample: `<image stem>` where every image
 * of the dataset has one query (or none), `<image stem>.q<k>` (k from 0) on a dataset with several
 * queries per image, so one rule names a whole folder and its files import back (samplesByFileStem).
 */
export function sampleFileStem(imageStem: string, k: number, perQuery: boolean): string {
  return perQuery ? `${imageStem}.q${k}` : imageStem;
}

/** Whether some image of the dataset has several samples (queries): its exports name files per query. */
export function hasSeveralQueries(images: ReadonlyArray<{ sampleIds: readonly number[] }>): boolean {
  return images.some((i) => i.sampleIds.length > 1);
}
