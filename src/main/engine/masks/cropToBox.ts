/** A binary mask's tight bounding box and the mask cropped to it (row-major, 1 = inside). */
export interface MaskCrop {
  box: { x: number; y: number; w: number; h: number };
  /** box.w * box.h bytes, row-major, the mask's values inside the box. */
  crop: Uint8Array;
  /** Pixels equal to 1. */
  area: number;
}

/** Crops a width x height mask (1 = inside) to the bounding box of its 1s; null when it has none. Pure. */
export function cropMaskToBox(mask: Uint8Array, width: number, height: number): MaskCrop | null {
  let [x0, y0, x1, y1] = [width, height, -1, -1];
  let area = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (mask[y * width + x] !== 1) continue;
      area++;
      if (x < x0) x0 = x;
      if (y < y0) y0 = y;
      if (x > x1) x1 = x;
      if (y > y1) y1 = y;
    }
  }
  if (area === 0) return null;
  const box = { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
  const crop = new Uint8Array(box.w * box.h);
  for (let y = 0; y < box.h; y++) crop.set(mask.subarray((box.y + y) * width + box.x, (box.y + y) * width + box.x + box.w), y * box.w);
  return { box, crop, area };
}
