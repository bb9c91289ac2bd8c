import type { Interpolation } from '../../../../shared/domain';
import { cv2ResizeLinear } from './cv2';
import { pilResize } from './pil';

export { cv2ResizeLinear, cv2ResizeLinearJs, cv2ResizeLinearToPlanes, type PlaneSpec } from './cv2';
export { pilResize, type PilFilter } from './pil';

/** An interleaved 8-bit image (RGB: 3 channels). */
export interface Image8 {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Resizes an 8-bit RGB image to `width` x `height` exactly as the upstream library named by
 * `method` does it on uint8 (see pil.ts / cv2.ts for the rules). `torch-bilinear` works on the float
 * image instead (preprocess.ts) and is not handled here.
 */
export function resizeRgb8(img: Image8, width: number, height: number, method: Exclude<Interpolation, 'torch-bilinear'>): Image8 {
  const data =
    method === 'cv2-linear'
      ? cv2ResizeLinear(img.data, img.width, img.height, 3, width, height)
      : pilResize(img.data, img.width, img.height, 3, width, height, method === 'pil-bicubic' ? 'bicubic' : 'bilinear');
  return { data, width, height };
}
