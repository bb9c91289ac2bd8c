import { basename } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import { polygonsOverlapArea, polygonsToRle, rleArea, rleBbox, rleFromUncompressed, stringToCounts, type Rle } from '../masks/rle';
import { streamJsonArrays } from './jsonStream';
import { classNameProblem } from '../../../shared/domain/classNames';
import { loneSurrogateAt, surrogateEscape } from '../../../shared/pure/wellFormed';

export interface CocoImageEntry {
  id: number;
  fileName: string;
  width: number;
  height: number;
}

export interface CocoCategory {
  id: number;
  name: string;
}

export interface CocoAnnotation {
  id: number;
  imageId: number;
  categoryId: number;
  iscrowd: boolean;
  rle: Rle;
  area: number;
  bbox: [number, number, number, number];
  /** With `polygonOverlap`: pixels two or more of its polygons cover (0 for one polygon or an RLE). */
  polygonOverlap?: number;
}

export interface CocoInstances {
  /** The file's name, as error messages show it. */
  label: string;
  images: CocoImageEntry[];
  categories: CocoCategory[];
  annotations: CocoAnnotation[];
}

export interface CocoReadOptions {
  signal?: AbortSignal;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** RefCOCO reads only the images and instances its refs point at. */
  keepImage?: (id: number) => boolean;
  keepAnnotation?: (id: number) => boolean;
  /** Count each polygon instance's pixels covered by two or more of its polygons (RefCOCO: masks/rle.ts polygonsOverlapArea). */
  polygonOverlap?: boolean;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function intField(o: Obj, field: string, what: string): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new Error(`${what}: "${field}" is ${v === undefined ? 'missing' : JSON.stringify(v)}, expected an integer`);
  // Ids become SQLite integers and text: beyond 2^53 they are no longer exact (1e30 reads back as another number).
  if (!Number.isSafeInteger(v)) throw new Error(`${what}: "${field}" is ${v}, outside the exact integer range ±(2^53 - 1)`);
  return v;
}

/** COCO's iscrowd is 0 or 1 (booleans and a missing field accepted); anything else is refused, not guessed. */
function crowdField(o: Obj, what: string): boolean {
  const v = o['iscrowd'];
  if (v === undefined || v === 0 || v === false) return false;
  if (v === 1 || v === true) return true;
  throw new Error(`${what}: "iscrowd" is ${JSON.stringify(v)}, expected 0 or 1`);
}

/**
 * A file_name must stay inside the images folder: relative, no `..` segment, no drive or NUL.
 * Subfolders (`train2017/0001.jpg`) are fine.
 */
function fileNameProblem(name: string): string | null {
  if (name.includes('\0')) return 'contains a NUL character';
  const lone = loneSurrogateAt(name);
  if (lone >= 0)
    return `holds a lone UTF-16 surrogate (${surrogateEscape(name, lone)}), not valid Unicode: no file can be named by it (Python's json.dump writes one for a name read with surrogateescape; write the names as UTF-8)`;
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) return 'is an absolute path';
  if (name.split(/[\\/]/).includes('..')) return 'leads out of the images folder ("..")';
  return null;
}

/**
 * One COCO `segmentation` -> compressed RLE with pycocotools' area and bbox. Polygons are
 * rasterized as pycocotools frPyObjects + merge does; uncompressed (iscrowd) and compressed RLE
 * must have the image's size and counts that cover it exactly.
 */
export function segmentationToRle(seg: unknown, image: CocoImageEntry): { rle: Rle; area: number; bbox: [number, number, number, number] } {
  const { height: h, width: w } = image;
  let rle: Rle;
  if (Array.isArray(seg)) {
    if (seg.length === 0) throw new Error('segmentation is an empty polygon list');
    for (const [i, poly] of seg.entries()) {
      if (!Array.isArray(poly) || poly.some((n) => typeof n !== 'number' || !Number.isFinite(n)))
        throw new Error(`polygon ${i} is not a flat list of numbers`);
      if (poly.length < 6) throw new Error(`polygon ${i} has ${Math.floor(poly.length / 2)} point(s); a polygon needs at least 3`);
    }
    rle = polygonsToRle(seg as number[][], h, w);
  } else if (isObj(seg) && Array.isArray(seg['size']) && (Array.isArray(seg['counts']) || typeof seg['counts'] === 'string')) {
    const size = seg['size'] as unknown[];
    if (size[0] !== h || size[1] !== w) {
      throw new Error(`RLE size ${String(size[0])}x${String(size[1])} (height x width) differs from image ${image.id}, which is ${h}x${w}`);
    }
    const counts = seg['counts'];
    let runs: ArrayLike<number>;
    if (typeof counts === 'string') {
      runs = stringToCounts(counts); // its CORRUPT_FILE message gets the annotation prefix from the caller
      rle = { size: [h, w], counts };
    } else {
      rle = rleFromUncompressed({ size: [h, w], counts: counts as number[] });
      runs = counts as number[];
    }
    let total = 0;
    for (let i = 0; i < runs.length; i++) total += runs[i] as number;
    if (total !== h * w) throw new Error(`RLE counts cover ${total} pixels but the image has ${h}x${w} = ${h * w}`);
  } else {
    throw new Error('segmentation is neither a polygon list nor an RLE object {size, counts}');
  }
  return { rle, area: rleArea(rle), bbox: rleBbox(rle) };
}

/**
 * Streams a COCO instances JSON (any key order, any size) and validates it whole: unique image,
 * category and annotation ids; every annotation's image and category exist; every segmentation
 * encodes against its image's size. Errors name the file and the item, e.g.
 * `instances.json: annotation 4182: RLE size 480x640 (height x width) differs from image 17, which is 640x480`.
 */
export async function readCocoInstances(file: string, opts: CocoReadOptions = {}): Promise<CocoInstances> {
  const label = basename(file);
  const fail = (item: string, why: string): never => {
    throw new ApiError('INVALID_INPUT', `${label}: ${item}: ${why}`, { file: label, item });
  };
  const images = new Map<number, CocoImageEntry>();
  const fileNames = new Map<string, number>();
  const categories = new Map<number, CocoCategory>();
  const categoryNames = new Map<string, number>();
  const annotationIds = new Set<number>();
  const annotations: CocoAnnotation[] = [];
  // Annotations that came before their image (unusual key order): encoded once images are known.
  const pending: Array<{ id: number; imageId: number; categoryId: number; iscrowd: boolean; segmentation: unknown }> = [];

  const encode = (a: (typeof pending)[number]): void => {
    const image = images.get(a.imageId);
    if (image === undefined) return fail(`annotation ${a.id}`, `image_id ${a.imageId} is not among the images`);
    try {
      annotations.push({
        id: a.id,
        imageId: a.imageId,
        categoryId: a.categoryId,
        iscrowd: a.iscrowd,
        ...segmentationToRle(a.segmentation, image),
        ...(opts.polygonOverlap === true
          ? {
              polygonOverlap: Array.isArray(a.segmentation)
                ? polygonsOverlapArea(a.segmentation as number[][], image.height, image.width)
                : 0,
            }
          : {}),
      });
    } catch (err) {
      fail(`annotation ${a.id}`, err instanceof Error ? err.message : String(err));
    }
  };

  const guard = (item: string, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      if (err instanceof ApiError) throw err;
      fail(item, err instanceof Error ? err.message : String(err));
    }
  };

  const keys = await streamJsonArrays(file, {
    label,
    signal: opts.signal,
    onProgress: opts.onProgress,
    arrays: {
      images: (v, i) =>
        guard(`image entry ${i}`, () => {
          if (!isObj(v)) throw new Error('not an object');
          const id = intField(v, 'id', 'image');
          const item = `image ${id}`;
          if (images.has(id)) fail(item, 'duplicate image id');
          if (opts.keepImage !== undefined && !opts.keepImage(id)) return;
          const fileName = v['file_name'];
          if (typeof fileName !== 'string' || fileName.length === 0) fail(item, '"file_name" is missing');
          const problem = fileNameProblem(fileName as string);
          if (problem !== null) fail(item, `file_name ${JSON.stringify(fileName)} ${problem}`);
          const width = intField(v, 'width', item);
          const height = intField(v, 'height', item);
          if (width <= 0 || height <= 0) fail(item, `size ${width}x${height} is not positive`);
          const other = fileNames.get(fileName as string);
          if (other !== undefined) fail(item, `file_name ${String(fileName)} is also used by image ${other}`);
          fileNames.set(fileName as string, id);
          images.set(id, { id, fileName: fileName as string, width, height });
        }),
      categories: (v, i) =>
        guard(`category entry ${i}`, () => {
          if (!isObj(v)) throw new Error('not an object');
          const id = intField(v, 'id', 'category');
          if (categories.has(id)) fail(`category ${id}`, 'duplicate category id');
          const name = typeof v['name'] === 'string' ? v['name'] : `category_${id}`;
          // The rule `classes rename` applies; two classes of one name could not be told apart (or renamed).
          const problem = classNameProblem(name);
          if (problem !== null) fail(`category ${id}`, problem);
          const same = categoryNames.get(name.trim());
          if (same !== undefined) fail(`category ${id}`, `name "${name.trim()}" is also the name of category ${same}`);
          categoryNames.set(name.trim(), id);
          categories.set(id, { id, name });
        }),
      annotations: (v, i) =>
        guard(`annotation entry ${i}`, () => {
          if (!isObj(v)) throw new Error('not an object');
          const id = intField(v, 'id', 'annotation');
          const item = `annotation ${id}`;
          if (annotationIds.has(id)) fail(item, 'duplicate annotation id');
          annotationIds.add(id);
          if (opts.keepAnnotation !== undefined && !opts.keepAnnotation(id)) return;
          const a = {
            id,
            imageId: intField(v, 'image_id', item),
            categoryId: intField(v, 'category_id', item),
            iscrowd: crowdField(v, item),
            segmentation: v['segmentation'],
          };
          if (images.has(a.imageId)) encode(a);
          else pending.push(a);
        }),
    },
  });
  for (const k of ['images', 'annotations', 'categories']) {
    if (!keys.has(k)) throw new ApiError('INVALID_INPUT', `${label}: no "${k}" array; is this a COCO instances file?`, { file: label });
  }
  for (const a of pending) {
    if (opts.keepImage !== undefined && !opts.keepImage(a.imageId) && !images.has(a.imageId)) continue;
    encode(a);
  }
  const ids = [...categories.keys()].sort((a, b) => a - b);
  for (const a of annotations) {
    if (!categories.has(a.categoryId)) {
      fail(`annotation ${a.id}`, `category_id ${a.categoryId} is not among the categories (${ids.length === 0 ? 'none' : ids.join(', ')})`);
    }
  }
  return { label, images: [...images.values()], categories: ids.map((id) => categories.get(id) as CocoCategory), annotations };
}
