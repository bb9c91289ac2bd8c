import { ApiError } from '../../../shared/api/apiError';
import type { Rle } from './rle';
import { stringToCounts } from './rleString';
import { decodeColumnRunsInto, encodeColumnRuns } from './rleCodec';

/**
 * Operations on uncompressed COCO runs: column-major run lengths of a binary mask, starting with
 * a (possibly empty) run of zeros. Each is a port of pycocotools common/maskApi.c, kept to the
 * same arithmetic so that results, quirks included, are bit-identical.
 */

/** Row-major mask (nonzero = foreground) -> column-major runs (pycocotools maskApi.c rleEncode). */
export function encodeRuns(mask: Uint8Array, height: number, width: number): Uint32Array {
  return encodeColumnRuns(mask, height, width);
}

/** Column-major runs -> `value` at the foreground pixels of row-major `out` (pycocotools maskApi.c rleDecode). */
export function decodeRunsInto(runs: ArrayLike<number>, height: number, width: number, out: Uint8Array, value: number): void {
  decodeColumnRunsInto(runs, height, width, out, value);
}

/** Sum of all runs: must equal height*width for a well-formed RLE. */
export function runsTotal(runs: ArrayLike<number>): number {
  let total = 0;
  for (let j = 0; j < runs.length; j++) total += runs[j] as number;
  return total;
}

/** Foreground pixel count (pycocotools maskApi.c rleArea). */
export function runsArea(runs: ArrayLike<number>): number {
  let area = 0;
  for (let j = 1; j < runs.length; j += 2) area += runs[j] as number;
  return area;
}

/**
 * [x, y, w, h] (pycocotools maskApi.c rleToBbox). Quirk kept: when a run of ones crosses from
 * one column into a later one the box takes the full image height, even if the run does not
 * cover every row; a trailing unpaired run is ignored.
 */
export function runsBbox(runs: ArrayLike<number>, height: number, width: number): [number, number, number, number] {
  const m = runs.length - (runs.length % 2);
  if (m === 0) return [0, 0, 0, 0];
  let xs = width;
  let ys = height;
  let xe = 0;
  let ye = 0;
  let cc = 0;
  let xp = 0;
  for (let j = 0; j < m; j++) {
    cc += runs[j] as number;
    const t = (cc - (j % 2)) >>> 0;
    const y = t % height;
    const x = (t - y) / height;
    if (j % 2 === 0) xp = x;
    else if (xp < x) {
      ys = 0;
      ye = height - 1;
    }
    xs = Math.min(xs, x);
    xe = Math.max(xe, x);
    ys = Math.min(ys, y);
    ye = Math.max(ye, y);
  }
  return [xs, ys, xe - xs + 1, ye - ys + 1];
}

/**
 * Union (or intersection) of two run lists of the same size (one step of pycocotools
 * maskApi.c rleMerge, including its handling of zero-length runs).
 */
export function mergeTwoRuns(a: ArrayLike<number>, b: ArrayLike<number>, intersect: boolean): Uint32Array {
  // Every output boundary is a boundary of a or of b, so this bounds the output length.
  const out = new Uint32Array(a.length + b.length + 1);
  let m = 0;
  let ca = a.length > 0 ? (a[0] as number) : 0;
  let cb = b.length > 0 ? (b[0] as number) : 0;
  let v = 0;
  let va = 0;
  let vb = 0;
  let ia = 1;
  let ib = 1;
  let cc = 0;
  let ct = 1;
  while (ct > 0) {
    const c = Math.min(ca, cb);
    cc += c;
    ct = 0;
    ca -= c;
    if (ca === 0 && ia < a.length) {
      ca = a[ia++] as number;
      va ^= 1;
    }
    ct += ca;
    cb -= c;
    if (cb === 0 && ib < b.length) {
      cb = b[ib++] as number;
      vb ^= 1;
    }
    ct += cb;
    const vp = v;
    v = intersect ? va & vb : va | vb;
    if (v !== vp || ct === 0) {
      out[m++] = cc;
      cc = 0;
    }
  }
  return out.slice(0, m);
}

/** Intersection and union pixel counts of two equally sized run lists (inner loop of rleIou). */
export function intersectionAndUnion(dt: ArrayLike<number>, gt: ArrayLike<number>): { i: number; u: number } {
  let ca = dt.length > 0 ? (dt[0] as number) : 0;
  let cb = gt.length > 0 ? (gt[0] as number) : 0;
  let va = 0;
  let vb = 0;
  let a = 1;
  let b = 1;
  let i = 0;
  let u = 0;
  let ct = 1;
  while (ct > 0) {
    const c = Math.min(ca, cb);
    if (va !== 0 || vb !== 0) {
      u += c;
      if (va !== 0 && vb !== 0) i += c;
    }
    ct = 0;
    ca -= c;
    if (ca === 0 && a < dt.length) {
      ca = dt[a++] as number;
      va ^= 1;
    }
    ct += ca;
    cb -= c;
    if (cb === 0 && b < gt.length) {
      cb = gt[b++] as number;
      vb ^= 1;
    }
    ct += cb;
  }
  return { i, u };
}

/** Box IoU as pycocotools maskApi.c bbIou (crowd: divide by the detection's box area). */
export function boxIou(d: readonly [number, number, number, number], g: readonly [number, number, number, number], crowd: boolean): number {
  const w = Math.min(d[2] + d[0], g[2] + g[0]) - Math.max(d[0], g[0]);
  if (w <= 0) return 0;
  const h = Math.min(d[3] + d[1], g[3] + g[1]) - Math.max(d[1], g[1]);
  if (h <= 0) return 0;
  const i = w * h;
  const da = d[2] * d[3];
  const u = crowd ? da : da + g[2] * g[3] - i;
  return i / u;
}

/** An RLE's runs, checked against its size: counts past the end of the image are refused. */
export function runsOf(rle: Rle): Uint32Array {
  const [height, width] = rle.size;
  checkSize(height, width);
  const runs = stringToCounts(rle.counts);
  const total = runsTotal(runs);
  if (total > height * width) {
    throw new ApiError('CORRUPT_FILE', `RLE counts cover ${total} pixels but its size ${height}x${width} has ${height * width}`);
  }
  return runs;
}

/** Sizes must be non-negative integers (0 is allowed: pycocotools encodes a 0-pixel mask). */
export function checkSize(height: number, width: number): void {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 0 || width < 0) {
    throw new ApiError('INVALID_INPUT', `mask size ${height}x${width} is not a pair of non-negative integers`);
  }
}
