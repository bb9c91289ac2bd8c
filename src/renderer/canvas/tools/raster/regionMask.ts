import { cropMaskToBox, type PixelBox } from '../../../../shared/pure/maskBox';

/** A binary mask over a box of the image: `mask` is row-major w*h, 1 = the pixel is in the region. */
export interface RegionMask extends PixelBox {
  mask: Uint8Array;
}

export interface Point {
  x: number;
  y: number;
}

/** The integer box [x0, x1) x [y0, y1) clipped to the image; null when nothing is left. */
export function clipBox(x0: number, y0: number, x1: number, y1: number, width: number, height: number): PixelBox | null {
  const x = Math.max(0, Math.floor(x0));
  const y = Math.max(0, Math.floor(y0));
  const xe = Math.min(width, Math.ceil(x1));
  const ye = Math.min(height, Math.ceil(y1));
  return xe > x && ye > y ? { x, y, w: xe - x, h: ye - y } : null;
}

/** Shrinks a region to the bounding box of its set pixels (1s); null when it has none. */
export function tightRegion(r: RegionMask): RegionMask | null {
  const found = cropMaskToBox(r.mask, r.w, r.h);
  if (found === null) return null;
  const { box, crop } = found;
  if (box.w === r.w && box.h === r.h) return r;
  return { x: r.x + box.x, y: r.y + box.y, w: box.w, h: box.h, mask: crop };
}
