/** Overlay colours of HiPrune's token sets (RGBA). */
export const TOKEN_SET_COLORS = {
  anchor: [255, 214, 0, 230],
  buffer: [0, 229, 255, 170],
  register: [213, 0, 249, 200],
} as const;

export interface TokenSets {
  anchors: readonly number[];
  buffers: readonly number[];
  registers: readonly number[];
}

/**
 * HiPrune anchor / buffer / register overlay at token-grid resolution (one pixel per patch, drawn
 * stretched over the image without smoothing). Anchors win over buffers over registers where a
 * malformed input lists an index twice. Indices outside the grid are ignored.
 */
export function tokenSetsToRgba(gridH: number, gridW: number, sets: TokenSets, out?: Uint8ClampedArray): Uint8ClampedArray {
  const n = gridH * gridW;
  const rgba = out ?? new Uint8ClampedArray(n * 4);
  rgba.fill(0);
  const paint = (indices: readonly number[], c: readonly [number, number, number, number]): void => {
    for (const i of indices) if (i >= 0 && i < n) rgba.set(c, i * 4);
  };
  paint(sets.registers, TOKEN_SET_COLORS.register);
  paint(sets.buffers, TOKEN_SET_COLORS.buffer);
  paint(sets.anchors, TOKEN_SET_COLORS.anchor);
  return rgba;
}

/** Which set a token is in, for the inspector. */
export function tokenSetOf(index: number, sets: TokenSets): 'anchor' | 'buffer' | 'register' | null {
  if (sets.anchors.includes(index)) return 'anchor';
  if (sets.buffers.includes(index)) return 'buffer';
  if (sets.registers.includes(index)) return 'register';
  return null;
}
