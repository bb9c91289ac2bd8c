import { clipBox, tightRegion, type Point, type RegionMask } from './regionMask';

/**
 * The pixels whose centres lie inside a closed polygon (even-odd rule, scanline over pixel centres;
 * the same rule canvas `fill('evenodd')` uses). Clipped to the image; null when no pixel is inside,
 * and null when a vertex is not finite.
 *
 * On the scanline through the row's centres (y + 0.5) an edge a-b crosses when exactly one end is at
 * or above it (half-open in y, so a vertex on the scanline is counted once), at
 * x = a.x + ((cy - a.y) / (b.y - a.y)) * (b.x - a.x); pixel centres x + 0.5 in [left, right) of each
 * pair of sorted crossings are in.
 *
 * Edges that lie on one line and overlap (a zero-area polygon such as (0,0) (50,50) (100,100), a
 * spike drawn out and back) cross each scanline at one point, but the formula computes it from
 * different ends and can round the copies to either side of a pixel centre, filling or dropping a
 * stray pixel. Crossings of such edges (exactly collinear, tested in exact arithmetic) are given one
 * value, so they cancel in the even-odd count and contribute nothing. All other crossings keep the
 * value the formula gives, so polygons without such edges get the same pixels as before.
 *
 * Cost: an edge is visited only on the image rows it spans (an active-edge table over the rows of the
 * clipped box), so the work is the vertex count plus, per edge, at most the image height, plus the
 * filled pixels; coordinates far outside the image cost nothing extra.
 */
export function fillPolygon(points: readonly Point[], width: number, height: number): RegionMask | null {
  const n = points.length;
  if (n < 3) return null;
  // Bounds in a loop: a spread of 10^5+ coordinates into Math.min overflows the call stack.
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const p of points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) return null;
    if (p.x < minX) minX = p.x;
    if (p.x > maxX) maxX = p.x;
    if (p.y < minY) minY = p.y;
    if (p.y > maxY) maxY = p.y;
  }
  const box = clipBox(minX, minY, maxX + 1, maxY + 1, width, height);
  if (box === null) return null;
  const y0 = box.y;
  const y1 = box.y + box.h;
  const mask = new Uint8Array(box.w * box.h);
  // Rows [first, end) of the box each edge crosses, bucketed by first row (counting sort).
  const first = new Int32Array(n);
  const end = new Int32Array(n);
  const bucketStart = new Int32Array(box.h + 1);
  for (let i = 0; i < n; i++) {
    const a = points[i] as Point;
    const b = points[i + 1 === n ? 0 : i + 1] as Point;
    const lo = Math.min(a.y, b.y);
    const hi = Math.max(a.y, b.y);
    const r0 = firstRowAtOrBelow(lo, y0, y1);
    const r1 = firstRowAtOrBelow(hi, y0, y1);
    first[i] = r0;
    end[i] = r1;
    if (r1 > r0) (bucketStart[r0 - y0 + 1] as number)++;
  }
  for (let r = 0; r < box.h; r++) bucketStart[r + 1] = (bucketStart[r + 1] as number) + (bucketStart[r] as number);
  const byRow = new Int32Array(bucketStart[box.h] as number);
  const fillAt = bucketStart.slice();
  for (let i = 0; i < n; i++) {
    if ((end[i] as number) > (first[i] as number)) byRow[(fillAt[(first[i] as number) - y0] as number)++] = i;
  }
  // Two computations of one crossing differ by a few ulps of the largest |x| (far more than that, far
  // less than a pixel): runs of crossings this close are checked for collinear edges.
  const tolerance = 2 ** -40 * (1 + Math.max(Math.abs(minX), Math.abs(maxX)));
  // The active edges, kept in the order of their crossings on the previous row, which is nearly the
  // order on this one: an insertion sort puts them right in about one pass.
  const edges = new Int32Array(n);
  const crossings = new Float64Array(n);
  let count = 0;
  for (let y = y0; y < y1; y++) {
    const cy = y + 0.5;
    let k = 0;
    const add = (i: number): void => {
      const a = points[i] as Point;
      const b = points[i + 1 === n ? 0 : i + 1] as Point;
      crossings[k] = a.x + ((cy - a.y) / (b.y - a.y)) * (b.x - a.x);
      edges[k++] = i;
    };
    for (let j = 0; j < count; j++) if ((end[edges[j] as number] as number) > y) add(edges[j] as number);
    for (let j = bucketStart[y - y0] as number; j < (bucketStart[y - y0 + 1] as number); j++) add(byRow[j] as number);
    count = k;
    if (count < 2) continue;
    sortRow(crossings, edges, count);
    mergeCollinear(crossings, edges, count, points, tolerance);
    const offset = (y - y0) * box.w - box.x;
    for (let j = 0; j + 1 < count; j += 2) {
      // Pixel centres x + 0.5 in [left, right).
      const from = Math.max(box.x, Math.ceil((crossings[j] as number) - 0.5));
      const to = Math.min(box.x + box.w, Math.ceil((crossings[j + 1] as number) - 0.5));
      if (to > from) mask.fill(1, offset + from, offset + to);
    }
  }
  return tightRegion({ ...box, mask });
}

/** The smallest row r in [y0, y1] with r + 0.5 >= v (y1 when no row of the box has). */
function firstRowAtOrBelow(v: number, y0: number, y1: number): number {
  let r = Math.min(y1, Math.max(y0, Math.ceil(v - 0.5)));
  while (r > y0 && r - 1 + 0.5 >= v) r--;
  while (r < y1 && r + 0.5 < v) r++;
  return r;
}

/**
 * Sorts crossings[0, count) ascending, moving edges[] along. Insertion sort, as the rows come nearly
 * sorted; past a budget of moves (edges that swap places between rows: self-intersections) it sorts
 * by index instead.
 */
function sortRow(crossings: Float64Array, edges: Int32Array, count: number): void {
  let budget = 4 * count + 256;
  for (let k = 1; k < count; k++) {
    const v = crossings[k] as number;
    const e = edges[k] as number;
    let j = k - 1;
    while (j >= 0 && (crossings[j] as number) > v && --budget >= 0) {
      crossings[j + 1] = crossings[j] as number;
      edges[j + 1] = edges[j] as number;
      j--;
    }
    crossings[j + 1] = v;
    edges[j + 1] = e;
    if (budget < 0) return sortRowByIndex(crossings, edges, count);
  }
}

function sortRowByIndex(crossings: Float64Array, edges: Int32Array, count: number): void {
  const order = Array.from({ length: count }, (_, k) => k).sort((p, q) => (crossings[p] as number) - (crossings[q] as number));
  const xs = order.map((k) => crossings[k] as number);
  const es = order.map((k) => edges[k] as number);
  crossings.set(xs);
  edges.set(es);
}

/**
 * In the sorted crossings[0, count), gives crossings of collinear edges that lie within `tolerance`
 * of each other (a run of close values) one value, the first on that line; the row stays sorted.
 * At most about 4 line tests per crossing, so a row of many close crossings (only from contrived
 * coordinates) stays linear; past that the row is left as computed.
 */
function mergeCollinear(crossings: Float64Array, edges: Int32Array, count: number, points: readonly Point[], tolerance: number): void {
  let budget = 4 * count + 64;
  for (let s = 0; s + 1 < count;) {
    let e = s + 1;
    while (e < count && (crossings[e] as number) - (crossings[e - 1] as number) <= tolerance) e++;
    // [s, e) is a run of close crossings; each joins the first earlier member on its line.
    let moved = false;
    for (let k = s + 1; k < e && budget > 0; k++) {
      for (let j = s; j < k && budget > 0; j++) {
        if (crossings[j] === crossings[k]) continue;
        budget--;
        if (sameLine(points, edges[j] as number, edges[k] as number)) {
          crossings[k] = crossings[j] as number;
          moved = true;
          break;
        }
      }
    }
    // Values only moved down to others in the run: re-sort the run in place.
    if (moved) sortRow(crossings.subarray(s, e), edges.subarray(s, e), e - s);
    s = e;
  }
}

/** Whether edges i and j (neither horizontal, so neither of zero length) lie on one line, exactly. */
function sameLine(points: readonly Point[], i: number, j: number): boolean {
  const n = points.length;
  const p = points[i] as Point;
  const q = points[i + 1 === n ? 0 : i + 1] as Point;
  return collinear(p, q, points[j] as Point) && collinear(p, q, points[j + 1 === n ? 0 : j + 1] as Point);
}

/** Whether r lies on the line through p and q: the orientation determinant is exactly 0. */
function collinear(p: Point, q: Point, r: Point): boolean {
  const left = (q.x - p.x) * (r.y - p.y);
  const right = (q.y - p.y) * (r.x - p.x);
  const det = left - right;
  // Shewchuk's bound for the floating-point orient2d: beyond it the sign, so "not 0", is certain.
  const bound = 3.330669073875473e-16 * (Math.abs(left) + Math.abs(right));
  if (Number.isFinite(det) && Number.isFinite(bound) && Math.abs(det) > bound) return false;
  const [px, py, qx, qy, rx, ry] = [p.x, p.y, q.x, q.y, r.x, r.y].map(exact) as [bigint, bigint, bigint, bigint, bigint, bigint];
  return (qx - px) * (ry - py) === (qy - py) * (rx - px);
}

const bits = new DataView(new ArrayBuffer(8));

/** A finite double as an exact integer: its value times 2^1074. */
function exact(v: number): bigint {
  bits.setFloat64(0, v);
  const word = bits.getBigUint64(0);
  const exponent = Number((word >> 52n) & 0x7ffn);
  const fraction = word & 0xfffffffffffffn;
  const magnitude = exponent === 0 ? fraction : (fraction | (1n << 52n)) << BigInt(exponent - 1);
  return word >> 63n === 1n ? -magnitude : magnitude;
}
