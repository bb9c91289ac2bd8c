import type { RegionMask } from './regionMask';

/**
 * The 4-connected region of pixels with the same label as (x, y), as a mask over its bounding box.
 * Scanline fill with an explicit stack (no recursion), so a full-image region of a 4096x4096 map is fine.
 * Null (nothing to paint) when the point is outside the image or not finite (NaN, +-Infinity).
 */
export function floodFill(labels: Uint8Array, width: number, height: number, x: number, y: number): RegionMask | null {
  if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
  const sx = Math.floor(x);
  const sy = Math.floor(y);
  if (sx < 0 || sy < 0 || sx >= width || sy >= height) return null;
  const target = labels[sy * width + sx] as number;
  const seen = new Uint8Array(width * height);
  let minX = sx;
  let maxX = sx;
  let minY = sy;
  let maxY = sy;
  const stack: number[] = [sx, sy];
  while (stack.length > 0) {
    const py = stack.pop() as number;
    const px = stack.pop() as number;
    const row = py * width;
    if (seen[row + px] === 1 || labels[row + px] !== target) continue;
    let l = px;
    while (l > 0 && seen[row + l - 1] === 0 && labels[row + l - 1] === target) l--;
    let r = px;
    while (r < width - 1 && seen[row + r + 1] === 0 && labels[row + r + 1] === target) r++;
    seen.fill(1, row + l, row + r + 1);
    if (l < minX) minX = l;
    if (r > maxX) maxX = r;
    if (py < minY) minY = py;
    if (py > maxY) maxY = py;
    for (const ny of [py - 1, py + 1]) {
      if (ny < 0 || ny >= height) continue;
      const nrow = ny * width;
      for (let i = l; i <= r; i++) {
        // Push one seed per run of fillable pixels in the neighbouring row.
        if (seen[nrow + i] === 0 && labels[nrow + i] === target && (i === l || labels[nrow + i - 1] !== target || seen[nrow + i - 1] === 1))
          stack.push(i, ny);
      }
    }
  }
  const w = maxX - minX + 1;
  const h = maxY - minY + 1;
  const mask = new Uint8Array(w * h);
  for (let yy = 0; yy < h; yy++) mask.set(seen.subarray((minY + yy) * width + minX, (minY + yy) * width + minX + w), yy * w);
  return { x: minX, y: minY, w, h, mask };
}
