import { loadSharp } from '../lazyPackages';
import { ApiError } from '../../../shared/api/errors';
import type { InputSpec } from '../../../shared/domain';
import { bilinearResize } from '../tokens';
import { cv2ResizeLinearToPlanes, resizeRgb8, type PlaneSpec } from './resample';
import { applyOrientation } from '../images/orientation';
import { readRegisteredImage, type RegisteredImageFile } from '../images/imageFile';

/**
 * The version of what `imageToTensor` makes of an image's pixels: the size policies' arithmetic,
 * the resizes (resample/, and tokens/interpolate.ts's bilinearResize, which adapters also use on
 * outputs), value range, channel order, mean/std, padding and cropping. It is part of every cached
 * model output's key (runFingerprint.ts `sampleCacheKey`) and every cached SAM embedding's
 * (runtime.ts), so an upgrade that changes the tensors recomputes instead of serving old outputs.
 * Bump it in the same change as anything that alters a single value `imageToTensor` returns for any
 * input spec, and record the new hash in test/unit/engine/models/preprocessVersion.test.ts (that
 * test fails until both are done). History: 1 until d14488c (keys then had no such field); 2 from
 * d14488c on (torch-bilinear bit for bit torch 1.13 float32).
 */
export const PREPROCESSING_VERSION = 2;

/** A decoded image: interleaved 8-bit RGB, row-major. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Where the image sits inside the input tensor, so outputs can be mapped back to image pixels. */
export interface InputGeometry {
  /** Tensor size. */
  height: number;
  width: number;
  /** Size of the resized image content inside the tensor (before padding / after cropping). */
  contentHeight: number;
  contentWidth: number;
  /** Offsets of the crop window in resized-image pixels (shortest-side-center-crop), else 0. */
  cropTop: number;
  cropLeft: number;
}

export interface InputTensor {
  data: Float32Array;
  dims: [1, 3, number, number];
  geometry: InputGeometry;
}

/**
 * Decodes any image sharp reads into RGB exactly as PIL's `Image.open(p).convert('RGB')` does (and
 * OpenCV's imread, BGR->RGB): grey -> RGB, alpha dropped, and NO colour-profile conversion (an
 * embedded ICC profile is ignored, as PIL and OpenCV ignore it; sharp's default would convert to sRGB).
 * `orientation` is the EXIF orientation to apply (the image's pixel grid, chosen at import): 1 keeps
 * the stored grid as PIL loads it; 2..8 rotate/mirror it as OpenCV's imread does.
 */
export async function decodeRgb(path: string, orientation = 1): Promise<RgbImage> {
  return decodeRgbFrom(path, path, orientation);
}

/**
 * decodeRgb of a registered image (a run, a prompt): only the bytes that were imported. A file changed
 * on disk since (rewritten, replaced by another picture) is refused with one line naming it
 * (images/imageFile.ts), never predicted: its outputs would be cached under the imported file's
 * sha256 and scored against that file's ground truth.
 */
export async function decodeRegisteredRgb(image: RegisteredImageFile, orientation = 1): Promise<RgbImage> {
  return decodeRgbFrom(await readRegisteredImage(image), image.path, orientation);
}

async function decodeRgbFrom(input: string | Buffer, path: string, orientation: number): Promise<RgbImage> {
  try {
    const pipeline = applyOrientation(loadSharp()(input, { failOn: 'truncated', ignoreIcc: true }), orientation);
    const { data, info } = await pipeline.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      // Grey images come back with one channel: replicate it.
      const rgb = new Uint8Array(info.width * info.height * 3);
      for (let i = 0; i < info.width * info.height; i++) rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = data[i * info.channels] as number;
      return { data: rgb, width: info.width, height: info.height };
    }
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (err) {
    throw new ApiError(
      'CORRUPT_FILE',
      `${path}: cannot decode image (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`,
      { file: path },
    );
  }
}

/** Planar float CHW in the manifest's value range and channel order, before resizing. */
function toPlanes(img: RgbImage, spec: InputSpec, flip: boolean): Float32Array {
  const { width: w, height: h, data } = img;
  const plane = w * h;
  const out = new Float32Array(3 * plane);
  const k = spec.range === 1 ? 1 / 255 : 1;
  const order = spec.channel_order === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const [c0, c1, c2] = order as [number, number, number];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const src = (y * w + (flip ? w - 1 - x : x)) * 3;
      const dst = y * w + x;
      out[dst] = (data[src + c0] as number) * k;
      out[plane + dst] = (data[src + c1] as number) * k;
      out[2 * plane + dst] = (data[src + c2] as number) * k;
    }
  }
  return out;
}

/**
 * `toPlanes` then `normalizeInPlace` as a table, bit for bit: an 8-bit value v in tensor channel c
 * becomes float32((float32(v * k) - mean[c]) / std[c]), so a 256-entry table per channel gives it,
 * and tensor channel c takes the pixel's byte `order[c]`.
 */
function planeSpec(spec: InputSpec, flip: boolean): PlaneSpec {
  const k = spec.range === 1 ? 1 / 255 : 1;
  const lut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    const mean = spec.mean[c] as number;
    const std = spec.std[c] as number;
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (Math.fround(v * k) - mean) / std;
  }
  return { lut, order: spec.channel_order === 'BGR' ? [2, 1, 0] : [0, 1, 2], flip };
}

/**
 * `toPlanes` then `normalizeInPlace` in one pass, bit for bit (planeSpec): the WebAssembly kernels'
 * row-by-row conversion when they are on (resample/wasm), else this loop.
 */
function toNormalizedPlanes(img: RgbImage, spec: InputSpec, flip: boolean): Float32Array {
  const planes = planeSpec(spec, flip);
  const { width: w, height: h, data } = img;
  const fast = cv2ResizeLinearToPlanes(data, w, h, w, h, planes);
  if (fast !== null) return fast;
  const plane = w * h;
  const out = new Float32Array(3 * plane);
  const lut = planes.lut;
  const [c0, c1, c2] = planes.order;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const src = (row + (flip ? w - 1 - x : x)) * 3;
      const dst = row + x;
      out[dst] = lut[data[src + c0] as number] as number;
      out[plane + dst] = lut[256 + (data[src + c1] as number)] as number;
      out[2 * plane + dst] = lut[512 + (data[src + c2] as number)] as number;
    }
  }
  return out;
}

function normalizeInPlace(planes: Float32Array, plane: number, spec: InputSpec): void {
  for (let c = 0; c < 3; c++) {
    // mean/std are listed per tensor channel, i.e. already in the manifest's channel order.
    const mean = spec.mean[c] as number;
    const std = spec.std[c] as number;
    const base = c * plane;
    for (let i = 0; i < plane; i++) planes[base + i] = ((planes[base + i] as number) - mean) / std;
  }
}

/** Python 3's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The `keep-aspect` tensor size, as PaddleOCR's DetResizeForTest (limit_type "max") computes it:
 * ratio = limit / longest side when the image is larger, else 1; sides int(side * ratio), then
 * max(round(side / multiple) * multiple, multiple).
 */
export function keepAspectSize(height: number, width: number, limit: number, multiple: number): [number, number] {
  const ratio = Math.max(height, width) > limit ? limit / Math.max(height, width) : 1;
  const side = (v: number): number => Math.max(roundHalfEven(Math.trunc(v * ratio) / multiple) * multiple, multiple);
  return [side(height), side(width)];
}

/**
 * Image -> input tensor by the manifest's size policy. The resize follows `spec.interpolation`:
 * torch-style bilinear (align_corners=False, no antialias) on the float image by default, or PIL's /
 * OpenCV's resize of the 8-bit image (resample/); normalization comes after resizing, as ToCo's, SAM's
 * and PaddleOCR's pipelines do it.
 * `scale` multiplies the target size (ToCo's multi-scale inference: int(s*H), int(s*W)).
 */
export function imageToTensor(img: RgbImage, spec: InputSpec, opts: { flip?: boolean; scale?: number } = {}): InputTensor {
  const [sizeH, sizeW] = spec.size;
  const s = opts.scale ?? 1;
  let contentH: number;
  let contentW: number;
  let outH: number;
  let outW: number;
  let cropTop = 0;
  let cropLeft = 0;
  switch (spec.policy) {
    case 'fixed':
      contentH = outH = Math.trunc(img.height * s);
      contentW = outW = Math.trunc(img.width * s);
      break;
    case 'resize':
      contentH = outH = Math.trunc(sizeH * s);
      contentW = outW = Math.trunc(sizeW * s);
      break;
    case 'longest-side-pad': {
      // SAM ResizeLongestSide.get_preprocess_shape: int(x * scale + 0.5).
      const target = Math.trunc(Math.max(sizeH, sizeW) * s);
      const k = target / Math.max(img.height, img.width);
      contentH = Math.trunc(img.height * k + 0.5);
      contentW = Math.trunc(img.width * k + 0.5);
      outH = outW = target;
      break;
    }
    case 'keep-aspect': {
      const [h, w] = keepAspectSize(img.height, img.width, Math.trunc(Math.max(sizeH, sizeW) * s), spec.multiple ?? 1);
      contentH = outH = h;
      contentW = outW = w;
      break;
    }
    case 'shortest-side-center-crop': {
      const target = Math.trunc(Math.min(sizeH, sizeW) * s);
      // CLIP's processors (Hugging Face CLIPImageProcessor, torchvision Resize(int)): the short side
      // becomes `target`, the long side int(target * long / short), truncated.
      const portrait = img.height > img.width;
      const long = Math.trunc((target * Math.max(img.height, img.width)) / Math.min(img.height, img.width));
      contentH = portrait ? long : target;
      contentW = portrait ? target : long;
      outH = outW = target;
      cropTop = Math.trunc((contentH - target) / 2);
      cropLeft = Math.trunc((contentW - target) / 2);
      break;
    }
  }
  // A very thin image can round to no pixel on one side (SAM's formula on 3000x23 at 64 gives 64x0):
  // said of the image, not left to the resize's own error, which read as the model refusing its input.
  if (!(contentH >= 1 && contentW >= 1 && outH >= 1 && outW >= 1))
    throw new ApiError(
      'INVALID_INPUT',
      `the image is ${img.width}x${img.height}: too thin or too small for input.policy ${spec.policy} at size ${sizeH}x${sizeW}${s === 1 ? '' : ` (scale ${s})`}, which would resize it to ${contentW}x${contentH} pixels`,
    );
  const same = contentH === img.height && contentW === img.width;
  const interpolation = spec.interpolation ?? 'torch-bilinear';
  // torch-bilinear resizes the float planes; PIL / OpenCV resize the 8-bit image first (then the flip,
  // range and normalization, as those pipelines flip the resized tensor).
  let resized: Float32Array;
  if (interpolation === 'torch-bilinear' && !same) {
    resized = bilinearResize(toPlanes(img, spec, opts.flip === true), 3, img.height, img.width, contentH, contentW);
    normalizeInPlace(resized, contentH * contentW, spec);
  } else {
    // 8-bit pixels straight to normalized planes; OpenCV's resize and the planes in one pass where the
    // WebAssembly kernels run.
    const flip = opts.flip === true;
    if (same || interpolation === 'torch-bilinear') resized = toNormalizedPlanes(img, spec, flip);
    else if (interpolation === 'cv2-linear')
      resized =
        cv2ResizeLinearToPlanes(img.data, img.width, img.height, contentW, contentH, planeSpec(spec, flip)) ??
        toNormalizedPlanes(resizeRgb8(img, contentW, contentH, interpolation), spec, flip);
    else resized = toNormalizedPlanes(resizeRgb8(img, contentW, contentH, interpolation), spec, flip);
  }
  let data: Float32Array;
  if (outH === contentH && outW === contentW) {
    data = resized;
  } else {
    // Pad (zeros after normalization, as SAM pads the normalized tensor) or crop the centre window.
    data = new Float32Array(3 * outH * outW);
    const rows = Math.min(outH, contentH - cropTop);
    const cols = Math.min(outW, contentW - cropLeft);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < rows; y++) {
        const src = c * contentH * contentW + (y + cropTop) * contentW + cropLeft;
        data.set(resized.subarray(src, src + cols), c * outH * outW + y * outW);
      }
    }
  }
  return {
    data,
    dims: [1, 3, outH, outW],
    geometry: { height: outH, width: outW, contentHeight: contentH, contentWidth: contentW, cropTop, cropLeft },
  };
}
