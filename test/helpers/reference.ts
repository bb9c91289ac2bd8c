// Plain, obviously-correct re-implementations used as references in tests. Deliberately written
// pixel by pixel from the published formulas, never by calling the code under test.

/**
 * torch F.interpolate(mode='bilinear', align_corners=False), one value at a time. An axis whose size
 * does not change reads one source index (torch's taps (i, i), weights (1, 0)), so a NaN spreads
 * along it as in torch: not at all.
 */
export function refBilinear(src: ArrayLike<number>, c: number, sh: number, sw: number, dh: number, dw: number): Float64Array {
  const out = new Float64Array(c * dh * dw);
  const sy = sh / dh;
  const sx = sw / dw;
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < dh; y++) {
      const fy = Math.max((y + 0.5) * sy - 0.5, 0);
      const y0 = Math.min(Math.floor(fy), sh - 1);
      const y1 = sh === dh ? y0 : Math.min(y0 + 1, sh - 1);
      const ly = fy - y0;
      for (let x = 0; x < dw; x++) {
        const fx = Math.max((x + 0.5) * sx - 0.5, 0);
        const x0 = Math.min(Math.floor(fx), sw - 1);
        const x1 = sw === dw ? x0 : Math.min(x0 + 1, sw - 1);
        const lx = fx - x0;
        const at = (yy: number, xx: number): number => src[ch * sh * sw + yy * sw + xx] as number;
        out[ch * dh * dw + y * dw + x] =
          (1 - ly) * ((1 - lx) * at(y0, x0) + lx * at(y0, x1)) + ly * ((1 - lx) * at(y1, x0) + lx * at(y1, x1));
      }
    }
  }
  return out;
}

/** Interleaved RGB bytes -> planar [3,H,W] floats in 0-1 (or 0-255). */
export function planes(rgb: Uint8Array, w: number, h: number, scale = 1 / 255): Float64Array {
  const out = new Float64Array(3 * w * h);
  for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) out[c * w * h + i] = (rgb[i * 3 + c] as number) * scale;
  return out;
}

export function refArgmax(values: ArrayLike<number>, c: number, plane: number): Uint8Array {
  const out = new Uint8Array(plane);
  for (let i = 0; i < plane; i++) {
    let best = 0;
    for (let k = 1; k < c; k++) if ((values[k * plane + i] as number) > (values[best * plane + i] as number)) best = k;
    out[i] = best;
  }
  return out;
}

/**
 * The toy CAM model (cam_c = ReLU(mean_c - sum of the other channel means) per 16x16 patch of the
 * 0-1 image) through ToCo's inference, written out plainly: per scale (1.0, 0.5, 1.5) the image
 * resized to int(s*W), its CAM and the CAM of its flip, each resized to W, the flip un-flipped, max,
 * ReLU, sum over scales, per-class (cam - min) / (max(cam - min) + 1e-5). Square W x W inputs.
 */
export function refTocoCam(x: Float64Array, W: number, flip = true): Float64Array {
  const fused = new Float64Array(3 * W * W);
  for (const s of [1, 0.5, 1.5]) {
    const size = Math.floor(W * s);
    const g = size / 16;
    const resized = s === 1 ? x : refBilinear(x, 3, W, W, size, size);
    const camOf = (flip: boolean): Float64Array => {
      const cam = new Float64Array(3 * g * g);
      for (let py = 0; py < g; py++) {
        for (let px = 0; px < g; px++) {
          const m = [0, 0, 0];
          for (let c = 0; c < 3; c++) {
            let sum = 0;
            for (let y = 0; y < 16; y++) {
              for (let xx = 0; xx < 16; xx++) {
                const col = px * 16 + xx;
                sum += resized[c * size * size + (py * 16 + y) * size + (flip ? size - 1 - col : col)] as number;
              }
            }
            m[c] = sum / 256;
          }
          const total = (m[0] as number) + (m[1] as number) + (m[2] as number);
          for (let c = 0; c < 3; c++) cam[c * g * g + py * g + px] = Math.max(0, (m[c] as number) - (total - (m[c] as number)));
        }
      }
      return cam;
    };
    const up = refBilinear(camOf(false), 3, g, g, W, W);
    // Without the flip (params.flip false) each scale adds ReLU of the CAM alone.
    const upFlipped = flip ? refBilinear(camOf(true), 3, g, g, W, W) : null;
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < W; y++) {
        for (let xx = 0; xx < W; xx++) {
          const i = c * W * W + y * W + xx;
          const best =
            upFlipped === null ? (up[i] as number) : Math.max(up[i] as number, upFlipped[c * W * W + y * W + (W - 1 - xx)] as number);
          fused[i] = (fused[i] as number) + Math.max(0, best);
        }
      }
    }
  }
  for (let c = 0; c < 3; c++) {
    const plane = fused.subarray(c * W * W, (c + 1) * W * W);
    let min = Infinity;
    for (let i = 0; i < plane.length; i++) min = Math.min(min, plane[i] as number);
    let max = -Infinity;
    for (let i = 0; i < plane.length; i++) max = Math.max(max, (plane[i] as number) - min);
    for (let i = 0; i < plane.length; i++) plane[i] = ((plane[i] as number) - min) / (max + 1e-5);
  }
  return fused;
}

/** Reads a little-endian float32 C-order .npy written by anyone: returns shape and values. */
export function parseNpyFloat32(bytes: Buffer): { shape: number[]; data: Float32Array } {
  if (bytes.subarray(0, 6).toString('latin1') !== '\x93NUMPY') throw new Error('not an npy file');
  const major = bytes[6] as number;
  const headerLen = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.subarray(start, start + headerLen).toString('latin1');
  if (!header.includes("'descr': '<f4'") || !header.includes("'fortran_order': False")) throw new Error(`unexpected npy header ${header}`);
  const shape = (/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0)
    .map(Number);
  const body = bytes.subarray(start + headerLen);
  return { shape, data: new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)) };
}

/**
 * mmseg's mIoU of label maps (a confusion matrix over every pixel, IoU per class, the mean over classes
 * with a non-empty union); GT value 255 is ignored. Written from mmseg's `intersect_and_union`.
 */
export function refMmsegMiou(pairs: ReadonlyArray<{ gt: ArrayLike<number>; pred: ArrayLike<number> }>, classes: number): number {
  const conf = new Float64Array(classes * classes);
  for (const { gt, pred } of pairs) for (let k = 0; k < gt.length; k++) if (gt[k] !== 255) conf[gt[k]! * classes + pred[k]!]!++;
  let sum = 0;
  let n = 0;
  for (let c = 0; c < classes; c++) {
    let row = 0;
    let col = 0;
    for (let j = 0; j < classes; j++) {
      row += conf[c * classes + j]!;
      col += conf[j * classes + c]!;
    }
    const tp = conf[c * classes + c]!;
    const union = row + col - tp;
    if (union > 0) {
      sum += tp / union;
      n++;
    }
  }
  return sum / n;
}

/**
 * ToCo's CAM evaluation at one background threshold, written out plainly: per pixel the first channel
 * whose score is the highest above `threshold` (compared in float32, as torch and numpy cast it) gives
 * its class, else background; one confusion matrix over all items; the mean IoU over the classes the
 * ground truth contains (utils/evaluate.py `scores`, miou_gt_classes).
 */
export function refCamSweepMiou(
  items: ReadonlyArray<{ gt: ArrayLike<number>; channels: ReadonlyArray<{ cls: number; cam: ArrayLike<number> }> }>,
  classes: number,
  threshold: number,
): number {
  const conf = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (const { gt, channels } of items) {
    for (let i = 0; i < gt.length; i++) {
      if (gt[i] === 255) continue;
      let arg = 0;
      let max = Math.fround(threshold);
      for (const { cls, cam } of channels) {
        if (cam[i]! > max) {
          max = cam[i]!;
          arg = cls;
        }
      }
      conf[gt[i]!]![arg]! += 1;
    }
  }
  const ious: number[] = [];
  for (let c = 0; c < classes; c++) {
    const gtc = conf[c]!.reduce((a, b) => a + b, 0);
    if (gtc === 0) continue;
    const tp = conf[c]![c]!;
    const fp = conf.reduce((a, row) => a + row[c]!, 0) - tp;
    ious.push(tp / (gtc + fp));
  }
  return ious.reduce((a, b) => a + b, 0) / ious.length;
}
