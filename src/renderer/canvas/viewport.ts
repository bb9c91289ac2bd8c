/** Pure viewport math: screen = image * scale + offset. */
export interface Viewport {
  scale: number;
  x: number;
  y: number;
}

/** Zoom limits of every canvas (viewer, compare, annotate): 1/32x to 64x. */
export const MIN_SCALE = 1 / 32;
export const MAX_SCALE = 64;

export function clampScale(s: number): number {
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

/** The zoom readout: 100% is one image pixel per screen pixel (3.1% at 1/32x, 6400% at 64x). */
export function zoomLabel(scale: number): string {
  const pct = scale * 100;
  return `${pct < 10 ? pct.toFixed(1) : Math.round(pct)}%`;
}
