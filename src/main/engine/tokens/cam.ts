/**
 * ToCo's multi-scale, flip-augmented CAM inference (docs/design.md §4.4 `cam`): fuse the raw CAMs a model
 * produced at each scale, then min-max each class. The ONNX runs themselves (input resize to
 * 448x448, then `int(s * 448)` per scale) belong to the model runtime; these functions take its
 * outputs.
 */
import { planeResizer, resizeTaps } from './interpolate';
import { fuseCamWasm, normalizePlanesWasm } from './wasm/kernels';
import { assertInteger, assertTensor } from '../../../shared/pure/shape';

/** ToCo's inference scales, in the order `multi_scale_cam2` visits them (1.0 first). */
export const TOCO_CAM_SCALES: readonly number[] = [1.0, 0.5, 1.5];

/** The raw CAMs of one scale: `cam` from the image, `flipped` from its horizontal flip. */
export interface CamAtScale {
  /** `[channels, h, w]`, the model's `cam` output for the image at this scale. */
  cam: Float32Array;
  /**
   * `[channels, h, w]`, the same output for the horizontally flipped image (still flipped); null when
   * the model saw no flipped image (`params.flip` false).
   */
  flipped: Float32Array | null;
  channels: number;
  h: number;
  w: number;
}

/**
 * Input size of one scale: ToCo utils/camutils.py multi_scale_cam2 resizes the 448x448 input to
 * `(int(s*h), int(s*w))`, truncating.
 */
export function scaledInputSize(height: number, width: number, scale: number): { height: number; width: number } {
  return { height: Math.trunc(scale * height), width: Math.trunc(scale * width) };
}

/**
 * `[channels, outH, outW]` sum over scales of ReLU(max(cam, unflip(flipped))), each CAM first
 * resized to outH x outW (448x448 in ToCo): ToCo utils/camutils.py multi_scale_cam2 —
 * `F.interpolate(_cam, size=(h,w), mode='bilinear', align_corners=False)`, then
 * `torch.max(_cam[:b], _cam[b:].flip(-1))`, `F.relu`, `torch.sum(torch.stack(cam_list), dim=0)`.
 * The flipped CAM is resized before it is flipped back, in that order. A scale without a flipped
 * CAM adds ReLU(cam) (torch: `F.relu(F.interpolate(...))`). Scales are summed in the order given
 * (ToCo: 1.0, 0.5, 1.5), accumulating in float32 as torch does.
 */
export function fuseCamScales(perScale: readonly CamAtScale[], outH: number, outW: number): Float32Array {
  return fuse(perScale, outH, outW, false);
}

/** fuseCamScales, then normalizeCamPerClass of the result: ToCo's fused CAM at the working size. */
export function fuseCamScalesNormalized(perScale: readonly CamAtScale[], outH: number, outW: number): Float32Array {
  return fuse(perScale, outH, outW, true);
}

function fuse(perScale: readonly CamAtScale[], outH: number, outW: number, normalize: boolean): Float32Array {
  const first = perScale[0];
  if (first === undefined) throw new RangeError('fuseCamScales needs at least one scale');
  assertInteger('outH', outH, 1);
  assertInteger('outW', outW, 1);
  const channels = first.channels;
  perScale.forEach((scale, s) => {
    if (scale.channels !== channels) {
      throw new RangeError(`scale ${s}: ${scale.channels} CAM channels, scale 0 has ${channels}`);
    }
    assertTensor(`scale ${s} cam`, scale.cam, [scale.channels, scale.h, scale.w]);
    if (scale.flipped !== null) assertTensor(`scale ${s} flipped cam`, scale.flipped, [scale.channels, scale.h, scale.w]);
  });
  const fused = new Float32Array(channels * outH * outW);
  // The WebAssembly kernels compute the same bits (wasm/kernels.ts); a 1x1 CAM takes torch's other kernel.
  const scales = perScale.map((s) => ({ ...s, ...resizeTaps(s.h, s.w, outH, outW) }));
  if (perScale.every((s) => s.h * s.w > 1) && fuseCamWasm(scales, channels, outH, outW, normalize, fused)) return fused;
  const direct = new Float32Array(outH * outW);
  const mirrored = new Float32Array(outH * outW);
  perScale.forEach((scale) => {
    const resize = planeResizer(scale.h, scale.w, outH, outW);
    for (let c = 0; c < channels; c++) {
      resize(scale.cam, c * scale.h * scale.w, direct, 0);
      if (scale.flipped === null) {
        accumulateRelu(fused, c * outH * outW, direct);
        continue;
      }
      resize(scale.flipped, c * scale.h * scale.w, mirrored, 0);
      accumulatePair(fused, c * outH * outW, direct, mirrored, outH, outW);
    }
  });
  return normalize ? normalizeCamPerClass(fused, channels, outH, outW, fused) : fused;
}

/**
 * fused += ReLU(max(direct, horizontal flip of mirrored)) over one `[h, w]` plane at `offset`. Plain
 * comparisons, not Math.max: the values are finite (the model's outputs are checked), and where the
 * two differ (a -0 against a +0) ReLU makes both +0, as torch's does.
 */
function accumulatePair(fused: Float32Array, offset: number, direct: Float32Array, mirrored: Float32Array, h: number, w: number): void {
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const at = offset + row;
    const mirror = row + w - 1;
    for (let x = 0; x < w; x++) {
      const d = direct[row + x]!;
      const m = mirrored[mirror - x]!;
      const best = d > m ? d : m;
      fused[at + x] = fused[at + x]! + (best > 0 ? best : 0);
    }
  }
}

/** fused += ReLU(direct) over one plane at `offset` (a scale without a flip). */
function accumulateRelu(fused: Float32Array, offset: number, direct: Float32Array): void {
  for (let i = 0; i < direct.length; i++) {
    const d = direct[i]!;
    fused[offset + i] = fused[offset + i]! + (d > 0 ? d : 0);
  }
}

/**
 * Per-class min-max of a `[channels, h, w]` CAM, ToCo utils/camutils.py multi_scale_cam2:
 * `cam = cam + F.adaptive_max_pool2d(-cam, (1, 1))` (subtract the class minimum), then
 * `cam /= F.adaptive_max_pool2d(cam, (1, 1)) + 1e-5` where that maximum is taken AFTER the
 * subtraction, i.e. `(cam - min) / (max - min + 1e-5)`. Every step is rounded to float32 as torch
 * computes it, so results match bit for bit. A constant class becomes all zeros.
 */
export function normalizeCamPerClass(
  cam: Float32Array,
  channels: number,
  h: number,
  w: number,
  /** Where to write: a new array by default; `cam` itself normalizes in place. */
  out: Float32Array = new Float32Array(cam.length),
): Float32Array {
  assertTensor('cam', cam, [channels, h, w]);
  assertTensor('normalized cam', out, [channels, h, w]);
  const size = h * w;
  if (normalizePlanesWasm(cam, channels, size, out)) return out;
  for (let c = 0; c < channels; c++) {
    const start = c * size;
    const end = start + size;
    // One pass for both extremes (the values are finite fused CAMs, ReLU'd: no NaN, no -0). The
    // maximum after the subtraction is the subtraction of the maximum: rounding to float32 keeps order.
    let min = Infinity;
    let top = -Infinity;
    for (let i = start; i < end; i++) {
      const v = cam[i]!;
      if (v < min) min = v;
      if (v > top) top = v;
    }
    const max = Math.fround(top - min);
    // torch casts the Python scalar 1e-5 to float32 before the float32 addition.
    const denominator = Math.fround(max + Math.fround(1e-5));
    for (let i = start; i < end; i++) out[i] = Math.fround(cam[i]! - min) / denominator;
  }
  return out;
}
