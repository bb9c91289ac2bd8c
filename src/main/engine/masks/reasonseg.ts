import { ApiError } from '../../../shared/api/errors';
import { fillPoly, polylinesClosed, type Canvas } from './cvDraw';

/** One LabelMe shape as ReasonSeg's JSON files store it. */
export interface LabelMeShape {
  label: string;
  points: number[][];
  shape_type?: string;
}

export const REASONSEG_TARGET = 1;
export const REASONSEG_IGNORE = 255;

/**
 * ReasonSeg ground truth exactly as LISA builds it (utils/data_processing.py get_mask_from_json):
 * labels compared lower-cased; `flag` shapes skipped; every other shape is a polygon whatever its
 * shape_type, points truncated to int32; each polygon's "filled area" is the pixel count of
 * cv2.polylines + cv2.fillPoly drawn alone on an empty mask; polygons are drawn largest first
 * (numpy argsort(areas)[::-1]; ties: the later polygon first, as a stable argsort gives. numpy's
 * default argsort is not stable, so among equal areas upstream's own order depends on the numpy
 * version and CPU: numpy 1.24 gives this order up to 16 shapes, 1.26 and 2.x with AVX-512 often
 * another from 8 tied shapes on, probe AB) so small ones stay on top, each as
 * a closed 1-px polyline plus fill with value 255 if the label contains `ignore`, else 1.
 * A shape without points is skipped (LISA would fail on it).
 */
export function rasterizeReasonSeg(shapes: LabelMeShape[], height: number, width: number): Uint8Array {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height <= 0 || width <= 0) {
    throw new ApiError('INVALID_INPUT', `ReasonSeg mask size ${height}x${width} must be positive integers`);
  }
  const polygons: Array<{ xs: Int32Array; ys: Int32Array; value: number; area: number }> = [];
  // One empty canvas for every shape's area, cleared again within the shape's box (filledArea).
  const scratch: Canvas = { data: new Uint8Array(height * width), width, height };
  for (const [i, shape] of shapes.entries()) {
    const label = shape.label.toLowerCase();
    if (label === 'flag' || shape.points.length === 0) continue;
    const { xs, ys } = toInt32Points(shape.points, i);
    const value = label.includes('ignore') ? REASONSEG_IGNORE : REASONSEG_TARGET;
    polygons.push({ xs, ys, value, area: filledArea(xs, ys, scratch) });
  }

  // Stable ascending sort then reverse: descending area, equal areas with the later one first.
  const order = polygons.map((_, i) => i).sort((a, b) => (polygons[a]?.area ?? 0) - (polygons[b]?.area ?? 0));
  order.reverse();

  const canvas: Canvas = { data: new Uint8Array(height * width), width, height };
  for (const i of order) {
    const p = polygons[i];
    if (p === undefined) continue;
    polylinesClosed(canvas, p.xs, p.ys, p.value);
    fillPoly(canvas, p.xs, p.ys, p.value);
  }
  return canvas.data;
}

/**
 * LISA's "filled area" of one polygon: the pixels cv2.polylines + cv2.fillPoly set when it is
 * drawn alone on an empty mask the image's size. `scratch` is such a mask (all zero), shared by
 * the shapes: the polygon is drawn on it at full size, so clipping at the image's edges is exactly
 * that of a fresh mask, and the pixels are counted and cleared within its bounding box clipped to
 * the image, outside which neither call draws (clipped line ends and fill spans lie between
 * vertices). The work per shape is bounded by that box, not by the image.
 */
export function filledArea(xs: Int32Array, ys: Int32Array, scratch: Canvas): number {
  const { data, width, height } = scratch;
  polylinesClosed(scratch, xs, ys, 1);
  fillPoly(scratch, xs, ys, 1);
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let j = 0; j < xs.length; j++) {
    const x = xs[j] as number;
    const y = ys[j] as number;
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  x0 = Math.max(x0, 0);
  x1 = Math.min(x1, width - 1);
  y0 = Math.max(y0, 0);
  y1 = Math.min(y1, height - 1);
  let area = 0;
  for (let y = y0; y <= y1; y++) {
    const row = y * width;
    for (let k = row + x0; k <= row + x1; k++) {
      area += data[k] as number;
      data[k] = 0;
    }
  }
  return area;
}

/** np.array(points, dtype=np.int32): each coordinate truncated toward zero. */
function toInt32Points(points: number[][], shapeIndex: number): { xs: Int32Array; ys: Int32Array } {
  const xs = new Int32Array(points.length);
  const ys = new Int32Array(points.length);
  for (const [j, p] of points.entries()) {
    // A point that is not a list (null, a number) is refused like any other malformed point.
    const pair: unknown[] = Array.isArray(p) ? p : [];
    const x = pair[0];
    const y = pair[1];
    if (pair.length !== 2 || typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) {
      throw new ApiError('INVALID_INPUT', `shape ${shapeIndex}: point ${j} is not a finite [x, y] pair`);
    }
    if (Math.abs(x) >= 2 ** 31 || Math.abs(y) >= 2 ** 31) {
      throw new ApiError(
        'INVALID_INPUT',
        `shape ${shapeIndex}: point ${j} [${x}, ${y}] is outside the int32 range LISA's np.int32 points have`,
      );
    }
    xs[j] = Math.trunc(x);
    ys[j] = Math.trunc(y);
  }
  return { xs, ys };
}
