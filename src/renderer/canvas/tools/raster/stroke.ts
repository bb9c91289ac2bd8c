import { clipBox, tightRegion, type Point, type RegionMask } from './regionMask';

/** Squared distance from (px, py) to the segment a-b. */
function segmentDistance2(px: number, py: number, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - a.x) * dx + (py - a.y) * dy) / len2));
  const ex = px - (a.x + t * dx);
  const ey = py - (a.y + t * dy);
  return ex * ex + ey * ey;
}

/**
 * The pixels a round brush of `radius` covers along a polyline (image coordinates, pixel (i, j)
 * spans [i, i+1) x [j, j+1)): a pixel is in when its centre lies within `radius` of a segment. A
 * single point is a disc. Clipped to the image; null when the stroke covers no pixel of it.
 */
export function rasterizeStroke(points: readonly Point[], radius: number, width: number, height: number): RegionMask | null {
  const first = points[0];
  if (first === undefined || radius <= 0) return null;
  let minX = first.x;
  let minY = first.y;
  let maxX = first.x;
  let maxY = first.y;
  for (const p of points) {
    minX = Math.min(minX, p.x);
    minY = Math.min(minY, p.y);
    maxX = Math.max(maxX, p.x);
    maxY = Math.max(maxY, p.y);
  }
  const box = clipBox(minX - radius - 1, minY - radius - 1, maxX + radius + 1, maxY + radius + 1, width, height);
  if (box === null) return null;
  const mask = new Uint8Array(box.w * box.h);
  const r2 = radius * radius;
  const segments = points.length === 1 ? [[first, first] as const] : points.slice(1).map((p, i) => [points[i] as Point, p] as const);
  // Each segment only visits its own padded bounding box, so a long stroke costs its area, not the image's.
  for (const [a, b] of segments) {
    const sx0 = Math.max(box.x, Math.floor(Math.min(a.x, b.x) - radius));
    const sy0 = Math.max(box.y, Math.floor(Math.min(a.y, b.y) - radius));
    const sx1 = Math.min(box.x + box.w, Math.ceil(Math.max(a.x, b.x) + radius) + 1);
    const sy1 = Math.min(box.y + box.h, Math.ceil(Math.max(a.y, b.y) + radius) + 1);
    for (let y = sy0; y < sy1; y++) {
      for (let x = sx0; x < sx1; x++) {
        if (segmentDistance2(x + 0.5, y + 0.5, a, b) <= r2) mask[(y - box.y) * box.w + (x - box.x)] = 1;
      }
    }
  }
  return tightRegion({ ...box, mask });
}
