import type { Rgb } from './datasets';

/** PASCAL VOC's bit-interleaved colour map (VOCdevkit `labelcolormap`); index 255 (void) is 224,224,192. */
export function vocColor(index: number): Rgb {
  if (index === 255) return [224, 224, 192];
  let r = 0;
  let g = 0;
  let b = 0;
  let c = index;
  for (let bit = 7; bit >= 0; bit--) {
    r |= (c & 1) << bit;
    g |= ((c >> 1) & 1) << bit;
    b |= ((c >> 2) & 1) << bit;
    c >>= 3;
  }
  return [r, g, b];
}

/** The 21 PASCAL VOC class names, index = label value. */
export const VOC_CLASSES: readonly string[] = [
  'background',
  'aeroplane',
  'bicycle',
  'bird',
  'boat',
  'bottle',
  'bus',
  'car',
  'cat',
  'chair',
  'cow',
  'diningtable',
  'dog',
  'horse',
  'motorbike',
  'person',
  'pottedplant',
  'sheep',
  'sofa',
  'train',
  'tvmonitor',
];
