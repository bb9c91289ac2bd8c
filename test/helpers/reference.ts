// Plain, obviously-correct re-implementations used as references in tests. Deliberately written
// pixel by pixel from the published formulas, never by calling the code under test.

/** torch F.interpolate(mode='bilinear', align_corners=False), one value at a time. */
export function refBilinear(src: ArrayLike<number>, c: number, sh: number, sw: number, dh: number, dw: number): Float64Array {
  const out = new Float64Array(c * dh * dw);
  const sy = sh / dh;
  const sx = sw / dw;
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < dh; y++) {
      const fy = Math.max((y + 0.5) * sy - 0.5, 0);
      const y0 = Math.min(Math.floor(fy), sh - 1);
      const y1 = Math.min(y0 + 1, sh - 1);
      const ly = fy - y0;
      for (let x = 0; x < dw; x++) {
        const fx = Math.max((x + 0.5) * sx - 0.5, 0);
        const x0 = Math.min(Math.floor(fx), sw - 1);
        const x1 = Math.min(x0 + 1, sw - 1);
        const lx = fx - x0;
        const at = (yy: number, xx: number): number => src[ch * sh * sw + yy * sw + xx] as number;
        out[ch * dh * dw + y * dw + x] = (1 - ly) * ((1 - lx) * at(y0, x0) + lx * at(y0, x1)) + ly * ((1 - lx) * at(y1, x0) + lx * at(y1, x1));
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
