/**
 * Bilinear resizing of float tensors, exactly what torch `F.interpolate(x, size=(dh, dw),
 * mode='bilinear', align_corners=False)` computes without antialiasing: ToCo and READ resize every
 * CAM and similarity map this way, never with an image codec's resampler (docs/design.md §4.1).
 */
import { assertInteger, assertTensor } from '../../../shared/pure/shape';

/** For each output index along one axis: the two source indices and the weight of the upper one. */
export interface AxisTaps {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  /** Weight of `hi`; `lo` gets `1 - wHi`. */
  readonly wHi: Float64Array;
}

/**
 * The taps of one axis, torch aten/src/ATen/native/UpSample.h: `area_pixel_compute_scale` (in/out
 * when only a size is given), `area_pixel_compute_source_index` (src = scale * (dst + 0.5) - 0.5,
 * clamped to 0 below, never above), `guard_index_and_lambda` (index clamped to in - 1) and the
 * upper neighbour clamped at the edge (`h1p = h1 < in - 1 ? 1 : 0`).
 */
export function bilinearTaps(inSize: number, outSize: number): AxisTaps {
  assertInteger('input size', inSize, 1);
  assertInteger('output size', outSize, 1);
  const scale = inSize / outSize;
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const wHi = new Float64Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const src = Math.max(scale * (i + 0.5) - 0.5, 0);
    const index = Math.min(Math.floor(src), inSize - 1);
    lo[i] = index;
    hi[i] = index < inSize - 1 ? index + 1 : index;
    wHi[i] = Math.min(Math.max(src - index, 0), 1);
  }
  return { lo, hi, wHi };
}

/**
 * Resizes a `[channels, sh, sw]` tensor to `[channels, dh, dw]`, each channel on its own. Separable:
 * a horizontal pass over the source rows, then a vertical pass, with the taps computed once per axis.
 */
export function bilinearResize(src: Float32Array, channels: number, sh: number, sw: number, dh: number, dw: number): Float32Array {
  assertTensor('bilinearResize input', src, [channels, sh, sw]);
  // Same size: with align_corners=False every source coordinate is exactly its pixel (weights 1, 0).
  if (sh === dh && sw === dw) return src.slice();
  const resizer = planeResizer(sh, sw, dh, dw);
  const out = new Float32Array(channels * dh * dw);
  for (let c = 0; c < channels; c++) resizer(src, c * sh * sw, out, c * dh * dw);
  return out;
}

/**
 * A reusable resizer of one `[sh, sw]` plane stored at `srcOffset` into `[dh, dw]` at `outOffset`,
 * for callers that resize many planes into one buffer without allocating per tensor.
 */
export function planeResizer(
  sh: number,
  sw: number,
  dh: number,
  dw: number,
): (src: Float32Array, srcOffset: number, out: Float32Array, outOffset: number) => void {
  const rows = bilinearTaps(sh, dh);
  const cols = bilinearTaps(sw, dw);
  const horizontal = new Float64Array(sh * dw);
  return (src, srcOffset, out, outOffset) => {
    for (let y = 0; y < sh; y++) {
      const row = srcOffset + y * sw;
      for (let x = 0; x < dw; x++) {
        const w1 = cols.wHi[x]!;
        horizontal[y * dw + x] = (1 - w1) * src[row + cols.lo[x]!]! + w1 * src[row + cols.hi[x]!]!;
      }
    }
    for (let y = 0; y < dh; y++) {
      const top = rows.lo[y]! * dw;
      const bottom = rows.hi[y]! * dw;
      const w1 = rows.wHi[y]!;
      const base = outOffset + y * dw;
      for (let x = 0; x < dw; x++) {
        out[base + x] = (1 - w1) * horizontal[top + x]! + w1 * horizontal[bottom + x]!;
      }
    }
  };
}

/**
 * Horizontally resampled rows of one `[sh, sw]` plane at `offset` (doubles, as planeResizer keeps
 * them), two at a time: consecutive output rows share their source rows.
 */
function horizontalRows(
  src: Float32Array,
  offset: number,
  sw: number,
  dw: number,
  cols: AxisTaps,
): (y: number, keep: number) => Float64Array {
  const cache = [new Float64Array(dw), new Float64Array(dw)];
  const cachedY = [-1, -1];
  return (y, keep) => {
    if (cachedY[0] === y) return cache[0]!;
    if (cachedY[1] === y) return cache[1]!;
    const slot = cachedY[0] === keep ? 1 : 0;
    const out = cache[slot]!;
    const row = offset + y * sw;
    for (let x = 0; x < dw; x++) {
      const w1 = cols.wHi[x]!;
      out[x] = (1 - w1) * src[row + cols.lo[x]!]! + w1 * src[row + cols.hi[x]!]!;
    }
    cachedY[slot] = y;
    return out;
  };
}

/**
 * `bilinearResize` of one `[sh, sw]` plane, then `value > threshold` on each resized float32 value:
 * the same mask as thresholding `bilinearResize(src, 1, sh, sw, dh, dw)`, without building the
 * resized plane (one output row at a time; only the source rows it needs are resampled).
 */
export function bilinearResizeAbove(src: Float32Array, sh: number, sw: number, dh: number, dw: number, threshold: number): Uint8Array {
  assertTensor('bilinearResizeAbove input', src, [1, sh, sw]);
  const mask = new Uint8Array(dh * dw);
  if (sh === dh && sw === dw) {
    for (let i = 0; i < mask.length; i++) mask[i] = src[i]! > threshold ? 1 : 0;
    return mask;
  }
  const rows = bilinearTaps(sh, dh);
  const horizontal = horizontalRows(src, 0, sw, dw, bilinearTaps(sw, dw));
  for (let y = 0; y < dh; y++) {
    const lo = rows.lo[y]!;
    const hi = rows.hi[y]!;
    const top = horizontal(lo, hi);
    const bottom = horizontal(hi, lo);
    const w1 = rows.wHi[y]!;
    const base = y * dw;
    // Math.fround: the float32 bilinearResize would store, compared as it is.
    for (let x = 0; x < dw; x++) mask[base + x] = Math.fround((1 - w1) * top[x]! + w1 * bottom[x]!) > threshold ? 1 : 0;
  }
  return mask;
}

/**
 * `bilinearResize` of a `[channels, sh, sw]` tensor, then the per-pixel argmax over channels (the
 * first channel wins ties, as torch.argmax): the same labels, without building the resized tensor.
 */
export function bilinearResizeArgmax(src: Float32Array, channels: number, sh: number, sw: number, dh: number, dw: number): Uint8Array {
  assertTensor('bilinearResizeArgmax input', src, [channels, sh, sw]);
  if (channels > 256) throw new Error(`bilinearResizeArgmax: ${channels} channels do not fit a byte label`);
  const labels = new Uint8Array(dh * dw);
  const rows = bilinearTaps(sh, dh);
  const cols = bilinearTaps(sw, dw);
  const planes = Array.from({ length: channels }, (_, c) => horizontalRows(src, c * sh * sw, sw, dw, cols));
  const best = new Float32Array(dw);
  for (let y = 0; y < dh; y++) {
    const lo = rows.lo[y]!;
    const hi = rows.hi[y]!;
    const w1 = rows.wHi[y]!;
    const base = y * dw;
    for (let c = 0; c < channels; c++) {
      const plane = planes[c]!;
      const top = plane(lo, hi);
      const bottom = plane(hi, lo);
      if (c === 0) {
        for (let x = 0; x < dw; x++) best[x] = (1 - w1) * top[x]! + w1 * bottom[x]!;
        continue;
      }
      for (let x = 0; x < dw; x++) {
        const v = Math.fround((1 - w1) * top[x]! + w1 * bottom[x]!);
        if (v > best[x]!) {
          best[x] = v;
          labels[base + x] = c;
        }
      }
    }
  }
  return labels;
}
