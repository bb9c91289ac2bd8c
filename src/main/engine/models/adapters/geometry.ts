import { bilinearResize } from '../../tokens';
import type { InputGeometry } from '../preprocess';

/**
 * A [C,h,w] output map back onto the image: upsample to the tensor size (bilinear, torch
 * semantics), drop padding / put the centre crop back, then resize the content to the image.
 * For 'resize' and 'fixed' inputs this is one bilinear resize to the image size (docs/design.md §4.1).
 * Pixels outside a centre crop get `outside`.
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
): Float32Array {
  const directly = g.contentHeight === g.height && g.contentWidth === g.width && g.cropTop === 0 && g.cropLeft === 0;
  if (directly) return h === imageH && w === imageW ? map : bilinearResize(map, channels, h, w, imageH, imageW);
  const full = bilinearResize(map, channels, h, w, g.height, g.width);
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

/** Per-pixel argmax over channels (first channel wins ties, as torch.argmax). */
export function argmax(map: Float32Array, channels: number, plane: number): Uint8Array {
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
