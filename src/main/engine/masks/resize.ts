import { ApiError } from '../../../shared/api/errors';

/**
 * Nearest-neighbour resize of a row-major one-byte-per-pixel image, matching OpenCV's
 * cv2.resize(..., interpolation=INTER_NEAREST): source index = floor(dst * scale), scale =
 * src/dst, clamped to the last pixel. This is cv2's convention (imgproc resize.cpp resizeNN),
 * not PIL's or PyTorch's pixel-centre variants. The scale is computed as OpenCV does, as the
 * reciprocal of dst/src, so the rare index that sits exactly on an integer rounds the same way.
 */
export function resizeNearest(src: Uint8Array, sw: number, sh: number, dw: number, dh: number): Uint8Array {
  for (const [name, v] of [
    ['sw', sw],
    ['sh', sh],
    ['dw', dw],
    ['dh', dh],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) {
      throw new ApiError('INVALID_INPUT', `resize: ${name} is ${v}, expected a positive integer`);
    }
  }
  if (src.length !== sw * sh) {
    throw new ApiError('INVALID_INPUT', `resize: source has ${src.length} pixels, expected ${sw}x${sh}`);
  }
  const xOffsets = sourceIndices(sw, dw);
  const yOffsets = sourceIndices(sh, dh);
  const out = new Uint8Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    const srcRow = (yOffsets[y] as number) * sw;
    const dstRow = y * dw;
    for (let x = 0; x < dw; x++) out[dstRow + x] = src[srcRow + (xOffsets[x] as number)] as number;
  }
  return out;
}

function sourceIndices(srcSize: number, dstSize: number): Int32Array {
  const inverseScale = 1 / (dstSize / srcSize);
  const out = new Int32Array(dstSize);
  for (let i = 0; i < dstSize; i++) out[i] = Math.min(Math.floor(i * inverseScale), srcSize - 1);
  return out;
}
