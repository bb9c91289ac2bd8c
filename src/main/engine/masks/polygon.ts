import { ApiError } from '../../../shared/api/errors';

/**
 * Polygon -> column-major runs, a port of pycocotools common/maskApi.c rleFrPoly. The boundary is
 * upsampled by 5, walked densely, and only the points where it crosses a pixel column centre are
 * kept; each such point toggles the mask at that position. Same integer casts (`(int)` truncates
 * toward zero), same doubles, same order of operations as the C code.
 *
 * The C code walks every upsampled boundary point, so a vertex at 1e9 means a walk of 5e9 steps.
 * Here each edge is walked only where it can produce a crossing: only point pairs whose column
 * (u) lies over the image count (rows are clamped by the C code anyway), and every point is
 * computed from its own step index t exactly as the C loop computes it, so skipping the rest
 * changes nothing. Along an edge walked in y (|slope| < 1) the column u(t) is monotone in t, so
 * its change points are found by binary search. The work is bounded by the image width per edge,
 * not by the coordinates. Results are bit-identical to the full walk wherever the C code's ints
 * do not overflow (|coordinate| < 4.29e8); beyond that C is undefined and this keeps the geometry.
 */

const SCALE = 5;
/** Larger coordinates are refused: 5x stays an exact integer in a double with room for products. */
export const MAX_POLYGON_COORDINATE = 1e12;
const INT_MIN = -2147483648;

/** `xy` is a flat [x0, y0, x1, y1, ...] list; k = number of points (a trailing odd value is ignored). */
export function polygonRuns(xy: ArrayLike<number>, height: number, width: number): Uint32Array {
  const k = Math.floor(xy.length / 2);
  const positions = crossings(xy, k, height, width);
  const count = positions.length;

  // Positions (column-major) where the mask toggles, plus the end of the image.
  const a = new Uint32Array(count + 1);
  a.set(positions);
  a[count] = height * width;
  a.sort();
  let previous = 0;
  for (let j = 0; j <= count; j++) {
    const t = a[j] as number;
    a[j] = t - previous;
    previous = t;
  }
  // Two toggles at the same position cancel: fold a zero-length run into its neighbour.
  const runs = new Uint32Array(count + 1);
  let m = 0;
  let j = 0;
  runs[m++] = a[j++] as number;
  while (j <= count) {
    if ((a[j] as number) > 0) runs[m++] = a[j++] as number;
    else {
      j++;
      if (j <= count) runs[m - 1] = (runs[m - 1] as number) + (a[j++] as number);
    }
  }
  return runs.slice(0, m);
}

/** C's `(int)` of a double that is NaN only for a zero-length edge (x86 gives INT_MIN; it is clamped to row 0 either way). */
function toInt(v: number): number {
  return Number.isNaN(v) ? INT_MIN : Math.trunc(v);
}

/**
 * Column-major positions where the dense boundary crosses a column centre, the multiset the C
 * code's second loop produces (their order does not matter: they are sorted next).
 */
function crossings(xy: ArrayLike<number>, k: number, height: number, width: number): number[] {
  const x = new Float64Array(k + 1);
  const y = new Float64Array(k + 1);
  for (let j = 0; j < 2 * k; j++) {
    const c = xy[j] as number;
    if (!Number.isFinite(c) || Math.abs(c) > MAX_POLYGON_COORDINATE) {
      throw new ApiError('INVALID_INPUT', `polygon coordinate ${c} is outside ±${MAX_POLYGON_COORDINATE}`);
    }
  }
  for (let j = 0; j < k; j++) x[j] = Math.trunc(SCALE * (xy[j * 2] as number) + 0.5);
  for (let j = 0; j < k; j++) y[j] = Math.trunc(SCALE * (xy[j * 2 + 1] as number) + 0.5);
  x[k] = x[0] as number;
  y[k] = y[0] as number;

  const out: number[] = [];
  // One consecutive pair of the dense walk (previous point, current point), as the C loop sees it.
  const emit = (up: number, vp: number, uj: number, vj: number): void => {
    if (uj === up) return;
    let xd = uj < up ? uj : uj - 1;
    xd = (xd + 0.5) / SCALE - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > width - 1) return;
    let yd = vj < vp ? vj : vp;
    yd = (yd + 0.5) / SCALE - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > height) yd = height;
    yd = Math.ceil(yd);
    out.push(xd * height + yd);
  };
  // Pairs whose columns can give a crossing: the C code's column index lies between the pair's
  // lower column and its upper column - 1, and xd = (index + 0.5) / 5 - 0.5 in [0, width - 1]
  // needs an index in [2, 5 * width - 3]: so the upper column >= 3 and the lower <= 5 * width - 3.
  const uLow = 3;
  const uHigh = SCALE * width - 3;

  let lastU = 0;
  let lastV = 0;
  for (let j = 0; j < k; j++) {
    let xs = x[j] as number;
    let xe = x[j + 1] as number;
    let ys = y[j] as number;
    let ye = y[j + 1] as number;
    const dx = Math.abs(xe - xs);
    const dy = Math.abs(ys - ye);
    // Walk each edge in increasing major-axis order so both directions rasterize identically.
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      [xs, xe] = [xe, xs];
      [ys, ye] = [ye, ys];
    }
    const major = dx >= dy;
    // A zero-length edge gives 0/0 = NaN here as in C.
    const s = major ? (ye - ys) / dx : (xe - xs) / dy;
    const n = major ? dx : dy;
    const u = major ? (t: number): number => t + xs : (t: number): number => toInt(xs + s * t + 0.5);
    const v = major ? (t: number): number => toInt(ys + s * t + 0.5) : (t: number): number => t + ys;
    // The walk visits t = 0..n (n..0 when flipped); pair(t) is the step between t - 1 and t.
    const pair = (t: number): void => {
      if (flip) emit(u(t), v(t), u(t - 1), v(t - 1));
      else emit(u(t - 1), v(t - 1), u(t), v(t));
    };

    const tFirst = flip ? n : 0;
    if (j > 0) emit(lastU, lastV, u(tFirst), v(tFirst));
    const tLast = flip ? 0 : n;
    lastU = u(tLast);
    lastV = v(tLast);

    if (major) {
      // u(t) = t + xs: the pair (t - 1, t) has columns t - 1 + xs and t + xs.
      const from = Math.max(1, uLow - xs);
      const to = Math.min(n, uHigh + 1 - xs);
      for (let t = from; t <= to; t++) pair(t);
    } else if (s !== 0) {
      // u(t) is monotone (rounding is monotone); g = sign * u is non-decreasing.
      const sign = s > 0 ? 1 : -1;
      const g = (t: number): number => sign * u(t);
      const startBound = sign > 0 ? uLow : -uHigh;
      const endBound = sign > 0 ? uHigh : -uLow;
      let t = Math.max(
        1,
        firstAtLeast(0, n, (q) => g(q) >= startBound),
      );
      while (t <= n && g(t - 1) <= endBound) {
        const gt = g(t);
        if (gt !== g(t - 1)) pair(t);
        t = firstAtLeast(t + 1, n, (q) => g(q) > gt);
      }
    }
  }
  return out;
}

/** Smallest t in [lo, hi] where the monotone predicate holds, hi + 1 if none. */
function firstAtLeast(lo: number, hi: number, holds: (t: number) => boolean): number {
  let a = lo;
  let b = hi + 1;
  while (a < b) {
    const mid = a + Math.floor((b - a) / 2);
    if (holds(mid)) b = mid;
    else a = mid + 1;
  }
  return a;
}
