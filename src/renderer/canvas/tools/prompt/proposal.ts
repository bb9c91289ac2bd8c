import { tightRegion, type RegionMask } from '../raster/regionMask';

/**
 * A model's proposal (`annotations.propose`: a box and its w*h bytes, 1 = in the object) as the region
 * the prompt tool shows and commits, clipped to the image; null when no pixel is proposed.
 */
export function proposalRegion(
  box: { x: number; y: number; w: number; h: number } | null,
  mask: Uint8Array,
  width: number,
  height: number,
): RegionMask | null {
  if (box === null || box.w <= 0 || box.h <= 0) return null;
  if (mask.length !== box.w * box.h) throw new Error(`the proposal has ${mask.length} mask bytes, expected ${box.w}x${box.h}`);
  const x0 = Math.max(0, box.x);
  const y0 = Math.max(0, box.y);
  const x1 = Math.min(width, box.x + box.w);
  const y1 = Math.min(height, box.y + box.h);
  if (x1 <= x0 || y1 <= y0) return null;
  const w = x1 - x0;
  const h = y1 - y0;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const src = (y + y0 - box.y) * box.w + (x0 - box.x);
    for (let x = 0; x < w; x++) out[y * w + x] = mask[src + x] === 0 ? 0 : 1;
  }
  return tightRegion({ x: x0, y: y0, w, h, mask: out });
}

/** Pixels set in a region. */
export function regionArea(region: RegionMask | null): number {
  if (region === null) return 0;
  let n = 0;
  for (const v of region.mask) n += v;
  return n;
}
