/** A binary mask over a box of the image: `mask` is row-major w*h, 1 = the pixel is in the region. */
export interface RegionMask {
  x: number;
  y: number;
  w: number;
  h: number;
  mask: Uint8Array;
}

export interface Point {
  x: number;
  y: number;
}

/** The integer box [x0, x1) x [y0, y1) clipped to the image; null when nothing is left. */
export function clipBox(
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  width: number,
  height: number,
): { x: number; y: number; w: number; h: number } | null {
  const x = Math.max(0, Math.floor(x0));
  const y = Math.max(0, Math.floor(y0));
  const xe = Math.min(width, Math.ceil(x1));
  const ye = Math.min(height, Math.ceil(y1));
  return xe > x && ye > y ? { x, y, w: xe - x, h: ye - y } : null;
}

/** Shrinks a region to the bounding box of its set pixels; null when it has none. */
export function tightRegion(r: RegionMask): RegionMask | null {
  let x0 = r.w;
  let y0 = r.h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < r.h; y++) {
    for (let x = 0; x < r.w; x++) {
      if (r.mask[y * r.w + x] === 0) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (x1 < 0) return null;
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  if (w === r.w && h === r.h) return r;
  const mask = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) mask.set(r.mask.subarray((y0 + y) * r.w + x0, (y0 + y) * r.w + x0 + w), y * w);
  return { x: r.x + x0, y: r.y + y0, w, h, mask };
}
