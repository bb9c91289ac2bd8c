/**
 * Point prompts from original-image pixels to SAM's input frame (the longest side resized to 1024),
 * which the official SAM ONNX decoder expects in `point_coords`.
 */
import type { ImageSize } from './fullResolution';
import { assertInteger } from './shape';

/**
 * SAM segment_anything/utils/transforms.py ResizeLongestSide.get_preprocess_shape:
 * `scale = target / max(h, w)`, each side `int(side * scale + 0.5)`.
 */
export function samResizedSize(image: ImageSize, target = 1024): ImageSize {
  assertInteger('image height', image.height, 1);
  assertInteger('image width', image.width, 1);
  assertInteger('target', target, 1);
  const scale = target / Math.max(image.height, image.width);
  return {
    height: Math.trunc(image.height * scale + 0.5),
    width: Math.trunc(image.width * scale + 0.5),
  };
}

/**
 * SAM ResizeLongestSide.apply_coords: x times `newW / w`, y times `newH / h`, with the rounded
 * resized sides — not exactly `target / max(h, w)` on the shorter axis. In float64 as SAM's numpy
 * code; READ's copy (model/READ.py generate_pred_masks) does the same in float32, < 1e-4 px apart.
 * Every other field of a point is kept.
 */
export function toSamFrame<P extends { x: number; y: number }>(points: readonly P[], image: ImageSize, target = 1024): P[] {
  const resized = samResizedSize(image, target);
  const sx = resized.width / image.width;
  const sy = resized.height / image.height;
  return points.map((point) => ({ ...point, x: point.x * sx, y: point.y * sy }));
}
