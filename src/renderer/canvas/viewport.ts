/** Pure viewport math: screen = image * scale + offset. */
export interface Viewport {
  scale: number;
  x: number;
  y: number;
}

export const MIN_SCALE = 1 / 64;
export const MAX_SCALE = 64;

function clampScale(s: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, s));
}

/** Whole image visible and centred in the stage. */
export function fitViewport(imageW: number, imageH: number, stageW: number, stageH: number): Viewport {
  const scale = clampScale(Math.min(stageW / imageW, stageH / imageH));
  return { scale, x: (stageW - imageW * scale) / 2, y: (stageH - imageH * scale) / 2 };
}

/** 1:1 pixels, keeping the image point at the stage centre where it is. */
export function actualSize(v: Viewport, stageW: number, stageH: number): Viewport {
  return zoomAt(v, { x: stageW / 2, y: stageH / 2 }, 1 / v.scale);
}

/** Zoom by `factor` keeping the image point under `pointer` (screen coords) fixed: zoom to cursor. */
export function zoomAt(v: Viewport, pointer: { x: number; y: number }, factor: number): Viewport {
  const scale = clampScale(v.scale * factor);
  const k = scale / v.scale;
  return { scale, x: pointer.x - (pointer.x - v.x) * k, y: pointer.y - (pointer.y - v.y) * k };
}

export function screenToImage(v: Viewport, p: { x: number; y: number }): { x: number; y: number } {
  return { x: (p.x - v.x) / v.scale, y: (p.y - v.y) / v.scale };
}
