import { clipBox, tightRegion, type Point, type RegionMask } from './regionMask';

/**
 * The pixels whose centres lie inside a closed polygon (even-odd rule, scanline over pixel centres;
 * the same rule canvas `fill('evenodd')` uses). Clipped to the image; null when no pixel is inside.
 */
export function fillPolygon(points: readonly Point[], width: number, height: number): RegionMask | null {
  if (points.length < 3) return null;
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const box = clipBox(Math.min(...xs), Math.min(...ys), Math.max(...xs) + 1, Math.max(...ys) + 1, width, height);
  if (box === null) return null;
  const mask = new Uint8Array(box.w * box.h);
  const crossings: number[] = [];
  for (let y = box.y; y < box.y + box.h; y++) {
    const cy = y + 0.5;
    crossings.length = 0;
    for (let i = 0; i < points.length; i++) {
      const a = points[i] as Point;
      const b = points[(i + 1) % points.length] as Point;
      // Half-open in y so a vertex on the scanline is counted once.
      if (a.y <= cy !== b.y <= cy) crossings.push(a.x + ((cy - a.y) / (b.y - a.y)) * (b.x - a.x));
    }
    crossings.sort((p, q) => p - q);
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      // Pixel centres x + 0.5 in [left, right).
      const from = Math.max(box.x, Math.ceil((crossings[k] as number) - 0.5));
      const to = Math.min(box.x + box.w, Math.ceil((crossings[k + 1] as number) - 0.5));
      for (let x = from; x < to; x++) mask[(y - box.y) * box.w + (x - box.x)] = 1;
    }
  }
  return tightRegion({ ...box, mask });
}
