/**
 * Point prompts from original-image pixels to SAM's input frame (the longest side resized to 1024),
 * which the official SAM ONNX decoder expects in `point_coords`.
 */
import type { ImageSize } from './fullResolution';
import { assertInteger } from '../../../shared/pure/shape';

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
 * How a caller's copy of ResizeLongestSide.apply_coords computes: SAM's own (SamPredictor, the
 * official ONNX example) in float64 numpy, cast to float32 afterwards; READ's (model/READ.py
 * generate_pred_masks) on float32 tensors, so a coordinate becomes float32(float32(x) *
 * float32(newW / w)) (PyTorch casts the Python scalar to the tensor's float32).
 */
export type SamFramePrecision = 'float64' | 'float32';

/**
 * SAM ResizeLongestSide.apply_coords: x times `newW / w`, y times `newH / h`, with the rounded
 * resized sides — not exactly `target / max(h, w)` on the shorter axis. The two precisions differ
 * by < 1e-4 px. Every other field of a point is kept.
 */
export function toSamFrame<P extends { x: number; y: number }>(
  points: readonly P[],
  image: ImageSize,
  target = 1024,
  precision: SamFramePrecision = 'float64',
): P[] {
  const resized = samResizedSize(image, target);
  const sx = resized.width / image.width;
  const sy = resized.height / image.height;
  if (precision === 'float64') return points.map((point) => ({ ...point, x: point.x * sx, y: point.y * sy }));
  const fx = Math.fround(sx);
  const fy = Math.fround(sy);
  return points.map((point) => ({ ...point, x: Math.fround(Math.fround(point.x) * fx), y: Math.fround(Math.fround(point.y) * fy) }));
}
