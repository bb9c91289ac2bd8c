import { bilinearResize } from '../../tokens/interpolate';
import type { InputGeometry } from '../preprocess';

/**
 * A [C,h,w] output map back onto the image: upsample to the tensor size (bilinear, torch
 * semantics), drop padding / put the centre crop back, then resize the content to the image.
 * For 'resize' and 'fixed' inputs this is one bilinear resize to the image size (docs/design.md §4.1).
 * Pixels outside a centre crop get `outside`.
 *
 * `covered`: the map's grid spans only the top-left `covered` pixels of the tensor (a stride-p patch
 * embedding's floor(side / p) patches). The map is resized onto that part, the uncovered tensor
 * rows and columns are NaN (no data), and the rest goes as above: an image pixel whose bilinear
 * footprint reaches the uncovered band is NaN too.
 *
 * `viaTensor`: always grid -> tensor size -> image size, even when nothing is padded or cropped (READ's
 * get_similarity_map resizes 24 -> 336 -> image whatever the image's shape; two bilinear resizes are
 * not one).
 */
export function mapToImage(
  map: Float32Array,
  channels: number,
  h: number,
  w: number,
  g: InputGeometry,
  imageH: number,
  imageW: number,
  outside = 0,
  covered?: { height: number; width: number },
  viaTensor = false,
): Float32Array {
  const directly = g.contentHeight === g.height && g.contentWidth === g.width && g.cropTop === 0 && g.cropLeft === 0;
  const whole = covered === undefined || (covered.height === g.height && covered.width === g.width);
  if (directly && whole && !viaTensor) return h === imageH && w === imageW ? map : bilinearResize(map, channels, h, w, imageH, imageW);
  const full = whole ? bilinearResize(map, channels, h, w, g.height, g.width) : onCoveredPart(map, channels, h, w, g, covered);
  if (directly) return g.height === imageH && g.width === imageW ? full : bilinearResize(full, channels, g.height, g.width, imageH, imageW);
  // Rebuild the resized-image canvas (content size) and place the tensor window in it.
  const content = new Float32Array(channels * g.contentHeight * g.contentWidth).fill(outside);
  // Tensor rows/columns that fall inside the content (offsets may be negative: READ's crop undo).
  const y0 = Math.max(0, -g.cropTop);
  const y1 = Math.min(g.height, g.contentHeight - g.cropTop);
  const x0 = Math.max(0, -g.cropLeft);
  const x1 = Math.min(g.width, g.contentWidth - g.cropLeft);
  for (let c = 0; c < channels; c++) {
    for (let y = y0; y < y1; y++) {
      const src = c * g.height * g.width + y * g.width;
      content.set(
        full.subarray(src + x0, src + x1),
        c * g.contentHeight * g.contentWidth + (y + g.cropTop) * g.contentWidth + x0 + g.cropLeft,
      );
    }
  }
  return bilinearResize(content, channels, g.contentHeight, g.contentWidth, imageH, imageW);
}

/** The map resized onto the tensor's top-left `covered` pixels; the tensor's other pixels NaN. */
function onCoveredPart(
  map: Float32Array,
  channels: number,
  h: number,
  w: number,
  g: InputGeometry,
  covered: { height: number; width: number },
): Float32Array {
  if (covered.height > g.height || covered.width > g.width)
    throw new RangeError(`the map covers ${covered.height}x${covered.width} pixels of a ${g.height}x${g.width} tensor`);
  const part = bilinearResize(map, channels, h, w, covered.height, covered.width);
  const full = new Float32Array(channels * g.height * g.width).fill(NaN);
  for (let c = 0; c < channels; c++)
    for (let y = 0; y < covered.height; y++)
      full.set(
        part.subarray((c * covered.height + y) * covered.width, (c * covered.height + y + 1) * covered.width),
        (c * g.height + y) * g.width,
      );
  return full;
}

/**
 * Classes a label map can hold: ids 0-254, since 255 always means ignore (docs/design.md §3.2).
 * Channel 255 of a 256-class model would be stored as "ignore", channel 256 would wrap to 0.
 */
export const LABEL_CLASSES = 255;

/** Refuses logits with more channels than a label map has classes (a model whose channel count shows only at run time). */
export function assertLabelChannels(channels: number, what: string): void {
  if (channels > LABEL_CLASSES)
    throw new RangeError(
      `model output ${what} has ${channels} channels, but a label map holds at most ${LABEL_CLASSES} classes (ids 0-254; 255 is ignore)`,
    );
}

/**
 * A [1,C,h,w] output's C, h and w, refusing any other rank and an empty map (a zero-size
 * dimension that only shows at run time would otherwise fail deep in the resampling code).
 */
export function mapShape(dims: readonly number[], what: string): { c: number; h: number; w: number } {
  const [, c, h, w] = dims;
  if (dims.length !== 4 || c === undefined || h === undefined || w === undefined)
    throw new Error(`model output ${what} has shape [${dims.join(',')}], expected [1,C,h,w]`);
  if (dims.some((d) => d === 0))
    throw new Error(`model output ${what} has shape [${dims.join(',')}]: a zero-size dimension, it holds no values`);
  return { c, h, w };
}

/** Per-pixel argmax over channels (first channel wins ties, as torch.argmax); `what` names the map in errors. */
export function argmax(map: Float32Array, channels: number, plane: number, what = 'logits'): Uint8Array {
  assertLabelChannels(channels, what);
  const out = new Uint8Array(plane);
  for (let i = 0; i < plane; i++) {
    let best = 0;
    let bestV = map[i] as number;
    for (let c = 1; c < channels; c++) {
      const v = map[c * plane + i] as number;
      if (v > bestV) {
        bestV = v;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}

/** NaN/Inf in model outputs is a broken model or input, never something to average over. */
export function assertFinite(values: Float32Array, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i] as number)) throw new Error(`model output ${what} contains ${String(values[i])} at index ${i}`);
  }
}
