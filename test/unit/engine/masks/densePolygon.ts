/**
 * The dense rleFrPoly walk as it stood before clipping (every upsampled boundary point visited),
 * kept as the reference the clipped walk must equal pair for pair. Only for moderate coordinates:
 * its work grows with the polygon's extent.
 */
const SCALE = 5;

/** `xy` is a flat [x0, y0, x1, y1, ...] list; k = number of points (a trailing odd value is ignored). */
export function densePolygonRuns(xy: ArrayLike<number>, height: number, width: number): Uint32Array {
  const k = Math.floor(xy.length / 2);
  const { u, v } = denseBoundary(xy, k);
  const { xs, ys, count } = columnCrossings(u, v, height, width);

  // Positions (column-major) where the mask toggles, plus the end of the image.
  const a = new Uint32Array(count + 1);
  for (let j = 0; j < count; j++) a[j] = (xs[j] as number) * height + (ys[j] as number);
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

/** Integer points along every edge of the polygon scaled by 5, one per step of the major axis. */
function denseBoundary(xy: ArrayLike<number>, k: number): { u: Int32Array; v: Int32Array } {
  const x = new Int32Array(k + 1);
  const y = new Int32Array(k + 1);
  for (let j = 0; j < k; j++) x[j] = Math.trunc(SCALE * (xy[j * 2] as number) + 0.5);
  for (let j = 0; j < k; j++) y[j] = Math.trunc(SCALE * (xy[j * 2 + 1] as number) + 0.5);
  x[k] = x[0] as number;
  y[k] = y[0] as number;
  let m = 0;
  for (let j = 0; j < k; j++) {
    m += Math.max(Math.abs((x[j] as number) - (x[j + 1] as number)), Math.abs((y[j] as number) - (y[j + 1] as number))) + 1;
  }
  const u = new Int32Array(m);
  const v = new Int32Array(m);
  m = 0;
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
    // A zero-length edge gives 0/0 = NaN here as in C; those points never reach the output.
    const s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u[m] = t + xs;
        v[m] = Math.trunc(ys + s * t + 0.5);
        m++;
      }
    } else {
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v[m] = t + ys;
        u[m] = Math.trunc(xs + s * t + 0.5);
        m++;
      }
    }
  }
  return { u, v };
}

/** Where the dense boundary crosses a column centre: (column, first row inside) pairs. */
function columnCrossings(u: Int32Array, v: Int32Array, height: number, width: number): { xs: Int32Array; ys: Int32Array; count: number } {
  const k = u.length;
  const xs = new Int32Array(k);
  const ys = new Int32Array(k);
  let m = 0;
  for (let j = 1; j < k; j++) {
    const uj = u[j] as number;
    const up = u[j - 1] as number;
    if (uj === up) continue;
    let xd = uj < up ? uj : uj - 1;
    xd = (xd + 0.5) / SCALE - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > width - 1) continue;
    const vj = v[j] as number;
    const vp = v[j - 1] as number;
    let yd = vj < vp ? vj : vp;
    yd = (yd + 0.5) / SCALE - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > height) yd = height;
    yd = Math.ceil(yd);
    xs[m] = xd;
    ys[m] = yd;
    m++;
  }
  return { xs, ys, count: m };
}
