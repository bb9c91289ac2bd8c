import { ApiError } from '../../../shared/api/errors';
import { polygonRuns } from './polygon';
import { countsToString, stringToCounts } from './rleString';
import { boxIou, checkSize, decodeRunsInto, encodeRuns, intersectionAndUnion, mergeTwoRuns, runsArea, runsBbox, runsOf } from './runs';

export { countsToString, stringToCounts };

/**
 * A COCO compressed RLE: size is [height, width]; counts is the compressed string of
 * column-major run lengths, starting with a run of zeros (pycocotools' own representation).
 */
export interface Rle {
  size: [number, number];
  counts: string;
}

/** Row-major mask (index y*width+x, nonzero = foreground) -> RLE, as pycocotools mask.encode. */
export function encodeMask(mask: Uint8Array, height: number, width: number): Rle {
  checkSize(height, width);
  if (mask.length !== height * width) {
    throw new ApiError('INVALID_INPUT', `mask has ${mask.length} pixels, expected ${height}x${width}`);
  }
  return { size: [height, width], counts: countsToString(encodeRuns(mask, height, width)) };
}

/**
 * RLE -> row-major 0/1 mask, as pycocotools mask.decode. Counts that add up to less than the
 * image leave the rest 0 as pycocotools does; counts that run past it are refused (the C code
 * would write past its buffer).
 */
export function decodeMask(rle: Rle): Uint8Array {
  const [height, width] = rle.size;
  const runs = runsOf(rle);
  const out = uninitializedBytes(height * width);
  out.fill(0);
  decodeRunsInto(runs, height, width, out, 1);
  return out;
}

/**
 * A fresh Uint8Array whose contents the caller overwrites. Node's uninitialized allocation is a
 * plain malloc, several times cheaper for a VOC-sized mask than the zeroed `new Uint8Array` (calloc)
 * when masks are decoded one after another; it is returned as a plain Uint8Array, not a Buffer.
 */
function uninitializedBytes(n: number): Uint8Array {
  if (typeof Buffer === 'undefined' || n < 4096) return new Uint8Array(n);
  const b = Buffer.allocUnsafeSlow(n);
  return new Uint8Array(b.buffer, b.byteOffset, n);
}

/** COCO's uncompressed (iscrowd) form -> compressed RLE, as pycocotools frPyObjects. */
export function rleFromUncompressed(obj: { size: [number, number]; counts: number[] }): Rle {
  const [height, width] = obj.size;
  checkSize(height, width);
  for (const [i, c] of obj.counts.entries()) {
    if (!Number.isInteger(c) || c < 0 || c > 0xffffffff) {
      throw new ApiError('INVALID_INPUT', `uncompressed RLE: count ${i} is ${c}, expected a non-negative integer`);
    }
  }
  return { size: [height, width], counts: countsToString(obj.counts) };
}

/** Foreground pixel count (pycocotools mask.area). */
export function rleArea(rle: Rle): number {
  return runsArea(stringToCounts(rle.counts));
}

/** [x, y, w, h] exactly as pycocotools mask.toBbox (maskApi.c rleToBbox), quirks included. */
export function rleBbox(rle: Rle): [number, number, number, number] {
  return runsBbox(stringToCounts(rle.counts), rle.size[0], rle.size[1]);
}

/**
 * Union (or intersection) of RLEs, as pycocotools mask.merge. No RLEs gives an empty 0x0 RLE as
 * pycocotools does; RLEs of different sizes are refused (pycocotools silently returns 0x0).
 */
export function mergeRles(rles: Rle[], intersect = false): Rle {
  const first = rles[0];
  if (first === undefined) return { size: [0, 0], counts: '' };
  const [height, width] = first.size;
  // pycocotools decodes and re-encodes even a single RLE, which normalizes the string.
  if (rles.length === 1) return { size: [height, width], counts: countsToString(stringToCounts(first.counts)) };
  let merged = stringToCounts(first.counts);
  for (let i = 1; i < rles.length; i++) {
    const next = rles[i] as Rle;
    if (next.size[0] !== height || next.size[1] !== width) {
      throw new ApiError('INVALID_INPUT', `cannot merge RLE ${i} of size ${next.size[0]}x${next.size[1]} with size ${height}x${width}`);
    }
    merged = mergeTwoRuns(merged, stringToCounts(next.counts), intersect);
  }
  return { size: [height, width], counts: countsToString(merged) };
}

/**
 * Pixels that two or more of an instance's polygons cover. pycocotools' merge (polygonsToRle, and
 * refer's getMask / annToMask) takes the union of the polygons; LISA's RefCOCO loader sums the
 * per-polygon masks instead (utils/dataset.py ValDataset: `np.sum(m, axis=2)`), so these pixels hold 2
 * there, which its IoU (intersectionAndUnionGPU's histc over 0..1) does not count as the target.
 */
export function polygonsOverlapArea(polygons: number[][], height: number, width: number): number {
  if (polygons.length < 2) return 0;
  let covered = polygonRuns(polygons[0] as number[], height, width);
  let overlap: Uint32Array | null = null;
  for (let i = 1; i < polygons.length; i++) {
    const next = polygonRuns(polygons[i] as number[], height, width);
    const both = mergeTwoRuns(covered, next, true);
    overlap = overlap === null ? both : mergeTwoRuns(overlap, both, false);
    covered = mergeTwoRuns(covered, next, false);
  }
  return overlap === null ? 0 : runsArea(overlap);
}

/**
 * IoU matrix indexed [detection][ground truth], as pycocotools mask.iou (maskApi.c rleIou): a
 * crowd ground truth divides the intersection by the detection's area; an empty intersection
 * gives 0; a pair whose boxes overlap but whose sizes differ gives -1. No dt or no gt gives [].
 */
export function rleIou(dt: Rle[], gt: Rle[], iscrowd: boolean[]): number[][] {
  if (dt.length === 0 || gt.length === 0) return [];
  if (iscrowd.length !== gt.length) {
    throw new ApiError('INVALID_INPUT', `iscrowd has ${iscrowd.length} entries for ${gt.length} ground truths`);
  }
  const dtRuns = dt.map((r) => stringToCounts(r.counts));
  const gtRuns = gt.map((r) => stringToCounts(r.counts));
  const dtBoxes = dt.map((r, d) => runsBbox(dtRuns[d] as Uint32Array, r.size[0], r.size[1]));
  const gtBoxes = gt.map((r, g) => runsBbox(gtRuns[g] as Uint32Array, r.size[0], r.size[1]));
  return dt.map((dr, d) =>
    gt.map((gr, g) => {
      const crowd = iscrowd[g] === true;
      // Boxes first, as rleIou does: pairs whose boxes do not overlap are 0 without a run walk.
      if (boxIou(dtBoxes[d] as [number, number, number, number], gtBoxes[g] as [number, number, number, number], crowd) <= 0) {
        return 0;
      }
      if (dr.size[0] !== gr.size[0] || dr.size[1] !== gr.size[1]) return -1;
      const a = dtRuns[d] as Uint32Array;
      const { i, u } = intersectionAndUnion(a, gtRuns[g] as Uint32Array);
      if (i === 0) return 0;
      return i / (crowd ? runsArea(a) : u);
    }),
  );
}

/**
 * COCO polygon segmentation -> one RLE, as pycocotools `merge(frPyObjects(polygons, h, w))`
 * (maskApi.c rleFrPoly per polygon, then union). frPyObjects decides the input kind from the
 * first polygon alone: fewer than 5 numbers is refused there (4 numbers is read as a box and
 * fails), so the same inputs are refused here; later short polygons are rasterized as it does.
 */
export function polygonsToRle(polygons: number[][], height: number, width: number): Rle {
  checkSize(height, width);
  const first = polygons[0];
  if (first === undefined) {
    throw new ApiError('INVALID_INPUT', 'polygon segmentation has no polygons');
  }
  if (first.length <= 4) {
    throw new ApiError(
      'INVALID_INPUT',
      `polygon segmentation: first polygon has ${first.length} numbers; pycocotools needs at least 3 points`,
    );
  }
  let merged = polygonRuns(first, height, width);
  for (let i = 1; i < polygons.length; i++) {
    merged = mergeTwoRuns(merged, polygonRuns(polygons[i] as number[], height, width), false);
  }
  return { size: [height, width], counts: countsToString(merged) };
}
