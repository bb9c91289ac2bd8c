/**
 * Boxes of row-major byte maps (binary masks, label maps): the engine crops a prompt decoder's mask
 * for `annotations.propose`, the annotation canvas crops regions and edit patches with the same code.
 */

/** A rectangle of a map in pixels: columns x..x+w-1, rows y..y+h-1. */
export interface PixelBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A binary mask's tight bounding box and the mask cropped to it (row-major, 1 = inside). */
export interface MaskCrop {
  box: PixelBox;
  /** box.w * box.h bytes, row-major, the mask's values inside the box. */
  crop: Uint8Array;
  /** Pixels equal to 1. */
  area: number;
}

/** The bytes of `box` out of a row-major map `width` pixels wide, as a new row-major box.w * box.h array. */
export function cropBox(map: Uint8Array, width: number, box: PixelBox): Uint8Array {
  const out = new Uint8Array(box.w * box.h);
  for (let row = 0; row < box.h; row++) {
    const from = (box.y + row) * width + box.x;
    out.set(map.subarray(from, from + box.w), row * box.w);
  }
  return out;
}

/** Crops a width x height mask (1 = inside) to the bounding box of its 1s; null when it has none. */
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
  return { box, crop: cropBox(mask, width, box), area };
}
