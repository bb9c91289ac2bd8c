import { fillPolygon } from '../raster/polygon';
import type { Point } from '../raster/regionMask';
import type { ToolContext, ToolState } from '../Tool';

/** Screen pixels within which a click on the first vertex closes the polygon. */
const CLOSE_DISTANCE_SCREEN_PX = 8;

/**
 * Clicks add vertices; a click on the first vertex, Enter or a double click closes and fills the
 * polygon with the active class (one edit); Backspace removes the last vertex; Escape drops it.
 */
export function polygonDrawing(): ToolState {
  const points: Point[] = [];
  let cursor: Point | null = null;
  const show = (ctx: ToolContext): void =>
    ctx.setPreview({ kind: 'polygon', points: points.slice(), cursor, value: ctx.activeClass, closable: points.length >= 3 });
  const close = (ctx: ToolContext): void => {
    ctx.setPreview(null);
    ctx.commit(fillPolygon(points, ctx.width, ctx.height), ctx.activeClass);
    ctx.transition('idle');
  };
  return {
    onEnter(ctx, e) {
      if (e !== undefined) points.push({ x: e.x, y: e.y });
      show(ctx);
    },
    onPointerDown(ctx, e) {
      const first = points[0];
      const tolerance = CLOSE_DISTANCE_SCREEN_PX * e.imagePixelsPerScreenPixel;
      if (first !== undefined && points.length >= 3 && Math.hypot(e.x - first.x, e.y - first.y) <= tolerance) return close(ctx);
      points.push({ x: e.x, y: e.y });
      show(ctx);
    },
    onPointerMove(ctx, e) {
      cursor = { x: e.x, y: e.y };
      show(ctx);
    },
    onKeyDown(ctx, key) {
      if (key === 'Enter') {
        if (points.length >= 3) close(ctx);
        return true;
      }
      if (key === 'Backspace') {
        points.pop();
        if (points.length === 0) {
          ctx.setPreview(null);
          ctx.transition('idle');
        } else show(ctx);
        return true;
      }
      return false;
    },
    onFlush(ctx) {
      if (points.length >= 3) close(ctx);
    },
    onCancel(ctx) {
      ctx.setPreview(null);
      ctx.transition('idle');
    },
  };
}
