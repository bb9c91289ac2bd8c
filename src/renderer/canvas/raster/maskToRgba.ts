/** A 256-entry RGBA lookup table from class colours; unlisted labels and background are transparent. */
export function classLut(
  colors: ReadonlyArray<{ index: number; color: readonly [number, number, number] }>,
  options: { hideBackground?: boolean; ignoreColor?: readonly [number, number, number] } = {},
): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(256 * 4);
  for (const c of colors) {
    if (c.index === 0 && options.hideBackground !== false) continue;
    lut.set([c.color[0], c.color[1], c.color[2], 255], c.index * 4);
  }
  const ignore = options.ignoreColor ?? [224, 224, 192];
  lut.set([ignore[0], ignore[1], ignore[2], 255], 255 * 4);
  return lut;
}

/** Label map (row-major uint8) -> RGBA pixels through a LUT. One pass, no per-pixel allocation. */
export function maskToRgba(labels: Uint8Array, lut: Uint8ClampedArray, out?: Uint8ClampedArray): Uint8ClampedArray {
  const rgba = out ?? new Uint8ClampedArray(labels.length * 4);
  const lut32 = new Uint32Array(lut.buffer, lut.byteOffset, 256);
  const out32 = new Uint32Array(rgba.buffer, rgba.byteOffset, labels.length);
  for (let i = 0; i < labels.length; i++) out32[i] = lut32[labels[i] as number] as number;
  return rgba;
}
