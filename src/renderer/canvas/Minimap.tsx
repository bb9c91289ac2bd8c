import { useEffect, useMemo, useRef } from 'react';
import type { Viewport } from './viewport';

const MINIMAP_MAX = 160;

export interface MinimapProps {
  image: HTMLImageElement;
  width: number;
  height: number;
  viewport: Viewport;
  stage: { w: number; h: number };
  onMove(v: Viewport): void;
}

/** Which part of the image the stage shows, in image pixels (clamped to the image). */
export function visibleRect(
  v: Viewport,
  stage: { w: number; h: number },
  width: number,
  height: number,
): { x: number; y: number; w: number; h: number } {
  const x0 = Math.max(0, -v.x / v.scale);
  const y0 = Math.max(0, -v.y / v.scale);
  const x1 = Math.min(width, (stage.w - v.x) / v.scale);
  const y1 = Math.min(height, (stage.h - v.y) / v.scale);
  return { x: x0, y: y0, w: Math.max(0, x1 - x0), h: Math.max(0, y1 - y0) };
}

/**
 * A thumbnail of the whole image with the visible part outlined; shown only while part of the image
 * is out of view (zoomed in on a large image). Click or drag on it to centre the view there.
 */
export function Minimap(props: MinimapProps): React.JSX.Element | null {
  const canvas = useRef<HTMLCanvasElement>(null);
  const k = MINIMAP_MAX / Math.max(props.width, props.height);
  const w = Math.max(1, Math.round(props.width * k));
  const h = Math.max(1, Math.round(props.height * k));
  const rect = visibleRect(props.viewport, props.stage, props.width, props.height);
  const clipped = rect.w < props.width - 0.5 || rect.h < props.height - 0.5;
  const thumb = useMemo(() => {
    const c = document.createElement('canvas');
    c.width = w;
    c.height = h;
    c.getContext('2d')?.drawImage(props.image, 0, 0, w, h);
    return c;
  }, [props.image, w, h]);

  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (ctx == null) return;
    ctx.clearRect(0, 0, w, h);
    ctx.drawImage(thumb, 0, 0);
    ctx.strokeStyle = '#4f9dff';
    ctx.lineWidth = 2;
    ctx.strokeRect(rect.x * k, rect.y * k, Math.max(2, rect.w * k), Math.max(2, rect.h * k));
  });

  if (!clipped) return null;
  const centreAt = (e: React.PointerEvent<HTMLCanvasElement>): void => {
    const box = e.currentTarget.getBoundingClientRect();
    const ix = (e.clientX - box.left) / k;
    const iy = (e.clientY - box.top) / k;
    const s = props.viewport.scale;
    props.onMove({ scale: s, x: props.stage.w / 2 - ix * s, y: props.stage.h / 2 - iy * s });
  };
  return (
    <canvas
      ref={canvas}
      className="minimap"
      data-testid="minimap"
      width={w}
      height={h}
      onPointerDown={(e) => {
        e.currentTarget.setPointerCapture(e.pointerId);
        centreAt(e);
      }}
      onPointerMove={(e) => {
        if (e.buttons === 1) centreAt(e);
      }}
    />
  );
}
