/**
 * The two OpenCV 4.6 drawing calls LISA uses, on a one-byte-per-pixel row-major image, ported
 * from imgproc/src/drawing.cpp for integer points (shift = 0) and LINE_8:
 * - cv2.polylines(img, [pts], True, color, 1) -> PolyLine -> ThickLine(thickness 1) -> Line, an
 *   8-connected Bresenham walk (LineIterator, left to right, endpoints clipped by clipLine);
 * - cv2.fillPoly(img, [pts], color) -> CollectPolyEdges (which also draws every edge with Line)
 *   + FillEdgeCollection, a scanline fill over 16.16 fixed-point (XY_SHIFT) edges.
 * Fixed-point values fit well inside 2^53, so plain numbers reproduce the int64 arithmetic.
 * Later OpenCV releases start fillPoly edges that leave the image from their clipped ends, which
 * changes such masks; this follows 4.6, the version the golden vectors (and LISA's data) came from.
 */

const XY_SHIFT = 16;
const XY_ONE = 1 << XY_SHIFT;

export interface Canvas {
  data: Uint8Array;
  width: number;
  height: number;
}

/** cv2.polylines(img, [pts], isClosed=True, color, thickness=1, lineType=LINE_8). */
export function polylinesClosed(img: Canvas, xs: Int32Array, ys: Int32Array, color: number): void {
  const n = xs.length;
  if (n === 0) return;
  let px = xs[n - 1] as number;
  let py = ys[n - 1] as number;
  for (let i = 0; i < n; i++) {
    const x = xs[i] as number;
    const y = ys[i] as number;
    line(img, px, py, x, y, color);
    px = x;
    py = y;
  }
}

interface Edge {
  y0: number;
  y1: number;
  x: number;
  dx: number;
}

/** cv2.fillPoly(img, [pts], color) with the default LINE_8, shift 0, no offset. */
export function fillPoly(img: Canvas, xs: Int32Array, ys: Int32Array, color: number): void {
  const n = xs.length;
  if (n === 0) return;
  const edges: Edge[] = [];
  let x0 = (xs[n - 1] as number) * XY_ONE;
  let y0 = ys[n - 1] as number;
  for (let i = 0; i < n; i++) {
    const x1 = (xs[i] as number) * XY_ONE;
    const y1 = ys[i] as number;
    // CollectPolyEdges draws the outline too, from the rounded fixed-point x.
    line(img, roundFixed(x0), y0, roundFixed(x1), y1, color);
    if (y0 !== y1) {
      const dx = Math.trunc((x1 - x0) / (y1 - y0));
      edges.push(y0 < y1 ? { y0, y1, x: x0, dx } : { y0: y1, y1: y0, x: x1, dx });
    }
    x0 = x1;
    y0 = y1;
  }
  fillEdgeCollection(img, edges, color);
}

/** FillEdgeCollection: active-edge scanline fill, spans from ceil(left) to floor(right). */
function fillEdgeCollection(img: Canvas, edges: Edge[], color: number): void {
  const total = edges.length;
  if (total < 2) return;
  let yMin = Infinity;
  let yMax = -Infinity;
  let xMin = Infinity;
  let xMax = -1; // OpenCV starts x_max at 0xFFFFFFFFFFFFFFFF, i.e. -1 as int64
  for (const e of edges) {
    const xEnd = e.x + (e.y1 - e.y0) * e.dx;
    yMin = Math.min(yMin, e.y0);
    yMax = Math.max(yMax, e.y1);
    xMin = Math.min(xMin, e.x, xEnd);
    xMax = Math.max(xMax, e.x, xEnd);
  }
  if (yMax < 0 || yMin >= img.height || xMax < 0 || xMin >= img.width * XY_ONE) return;

  // CmpEdges: by y0, then x, then dx. Edges equal on all three rasterize identically, so the
  // order std::sort leaves them in does not matter.
  edges.sort((a, b) => a.y0 - b.y0 || a.x - b.x || a.dx - b.dx);
  yMax = Math.min(yMax, img.height);
  let next = 0;
  let active: Edge[] = [];
  let y = (edges[0] as Edge).y0;
  if (y < 0) {
    // Rows above the image draw nothing, and OpenCV walks them one by one (a vertex at y = -1e9
    // means a billion rows). Skip them: a closed polygon has an even number of active edges on
    // every row, so every active edge advances by dx per row, and a row's spans depend only on
    // the active x values in x order. Start at row 0 with the edges that span it, advanced to it.
    while (next < total && (edges[next] as Edge).y0 < 0) {
      const e = edges[next++] as Edge;
      if (e.y1 > 0) {
        e.x += -e.y0 * e.dx;
        active.push(e);
      }
    }
    active = stableSortByX(active);
    y = 0;
  }
  for (; y < yMax; y++) {
    // Drop edges that end here, then merge in edges that start here (a new edge goes before an
    // active one with equal or greater x), as the linked-list walk in OpenCV does.
    const merged: Edge[] = [];
    for (const edge of active) {
      if (edge.y1 === y) continue;
      while (next < total && (edges[next] as Edge).y0 === y && !(edge.x < (edges[next] as Edge).x)) {
        merged.push(edges[next++] as Edge);
      }
      merged.push(edge);
    }
    while (next < total && (edges[next] as Edge).y0 === y) merged.push(edges[next++] as Edge);

    // Consecutive pairs bound the spans; only paired edges advance.
    for (let k = 0; k + 1 < merged.length; k += 2) {
      const a = merged[k] as Edge;
      const b = merged[k + 1] as Edge;
      if (y >= 0) {
        const [left, right] = a.x > b.x ? [b.x, a.x] : [a.x, b.x];
        hline(img, y, Math.floor((left + XY_ONE - 1) / XY_ONE), Math.floor(right / XY_ONE), color);
      }
      a.x += a.dx;
      b.x += b.dx;
    }
    // OpenCV re-sorts the active list by x with a bubble sort, which is stable.
    active = stableSortByX(merged);
  }
}

function hline(img: Canvas, y: number, x1: number, x2: number, color: number): void {
  if (x1 >= img.width || x2 < 0) return;
  const from = Math.max(x1, 0);
  const to = Math.min(x2, img.width - 1);
  const row = y * img.width;
  for (let x = from; x <= to; x++) img.data[row + x] = color;
}

function stableSortByX(list: Edge[]): Edge[] {
  for (let i = 1; i < list.length; i++) {
    const e = list[i] as Edge;
    let j = i - 1;
    while (j >= 0 && (list[j] as Edge).x > e.x) {
      list[j + 1] = list[j] as Edge;
      j--;
    }
    list[j + 1] = e;
  }
  return list;
}

function roundFixed(v: number): number {
  return Math.floor((v + (XY_ONE >> 1)) / XY_ONE);
}

/** Line(img, pt1, pt2, color, 8): LineIterator(connectivity 8, left_to_right) over the clipped segment. */
function line(img: Canvas, ax: number, ay: number, bx: number, by: number, color: number): void {
  let x1 = ax;
  let y1 = ay;
  let x2 = bx;
  let y2 = by;
  const w = img.width;
  const h = img.height;
  if (!(x1 >= 0 && x1 < w && x2 >= 0 && x2 < w && y1 >= 0 && y1 < h && y2 >= 0 && y2 < h)) {
    const clipped = clipLine(w, h, x1, y1, x2, y2);
    if (clipped === null) return;
    [x1, y1, x2, y2] = clipped;
  }
  let dx = x2 - x1;
  let dy = y2 - y1;
  if (dx < 0) {
    // left_to_right: start from the other end
    dx = -dx;
    dy = -dy;
    x1 = x2;
    y1 = y2;
  }
  let stepY = 1;
  if (dy < 0) {
    dy = -dy;
    stepY = -1;
  }
  const vertical = dy > dx;
  const major = vertical ? dy : dx;
  const minor = vertical ? dx : dy;
  let err = major - 2 * minor;
  let x = x1;
  let y = y1;
  for (let i = 0; i <= major; i++) {
    img.data[y * w + x] = color;
    const takeMinor = err < 0;
    err += -2 * minor + (takeMinor ? 2 * major : 0);
    if (vertical) {
      y += stepY;
      if (takeMinor) x += 1;
    } else {
      x += 1;
      if (takeMinor) y += stepY;
    }
  }
}

/**
 * clipLine(Size, Point2l&, Point2l&) of OpenCV 4.x: Cohen-Sutherland against the image, with the
 * new coordinates computed in double and truncated toward zero. Null when nothing is inside.
 */
function clipLine(width: number, height: number, ax: number, ay: number, bx: number, by: number): [number, number, number, number] | null {
  if (width <= 0 || height <= 0) return null;
  const right = width - 1;
  const bottom = height - 1;
  let x1 = ax;
  let y1 = ay;
  let x2 = bx;
  let y2 = by;
  const code = (x: number, y: number): number => (x < 0 ? 1 : 0) + (x > right ? 2 : 0) + (y < 0 ? 4 : 0) + (y > bottom ? 8 : 0);
  let c1 = code(x1, y1);
  let c2 = code(x2, y2);
  if ((c1 & c2) === 0 && (c1 | c2) !== 0) {
    if (c1 & 12) {
      const a = c1 < 8 ? 0 : bottom;
      x1 += Math.trunc(((a - y1) * (x2 - x1)) / (y2 - y1));
      y1 = a;
      c1 = (x1 < 0 ? 1 : 0) + (x1 > right ? 2 : 0);
    }
    if (c2 & 12) {
      const a = c2 < 8 ? 0 : bottom;
      x2 += Math.trunc(((a - y2) * (x2 - x1)) / (y2 - y1));
      y2 = a;
      c2 = (x2 < 0 ? 1 : 0) + (x2 > right ? 2 : 0);
    }
    if ((c1 & c2) === 0 && (c1 | c2) !== 0) {
      if (c1) {
        const a = c1 === 1 ? 0 : right;
        y1 += Math.trunc(((a - x1) * (y2 - y1)) / (x2 - x1));
        x1 = a;
        c1 = 0;
      }
      if (c2) {
        const a = c2 === 1 ? 0 : right;
        y2 += Math.trunc(((a - x2) * (y2 - y1)) / (x2 - x1));
        x2 = a;
        c2 = 0;
      }
    }
  }
  return (c1 | c2) === 0 ? [x1, y1, x2, y2] : null;
}
