import type { Point } from '../raster/regionMask';
import { rasterizeStroke } from '../raster/stroke';
import type { ToolContext, ToolState } from '../Tool';

/**
 * Pointer held: points collect into a stroke shown on the tool layer; on release the stroke is
 * rasterized once and committed as one edit. `erase` paints background (0) instead of the class.
 */
export function brushPainting(erase: boolean): () => ToolState {
  return () => {
    const points: Point[] = [];
    let value = 0;
    const show = (ctx: ToolContext): void => ctx.setPreview({ kind: 'stroke', points: points.slice(), radius: ctx.brushRadius, value });
    const finish = (ctx: ToolContext): void => {
      ctx.setPreview(null);
      ctx.commit(rasterizeStroke(points, ctx.brushRadius, ctx.width, ctx.height), value);
      ctx.transition('idle');
    };
    return {
      onEnter(ctx, e) {
        value = erase ? 0 : ctx.activeClass;
        if (e !== undefined) points.push({ x: e.x, y: e.y });
        show(ctx);
      },
      onPointerMove(ctx, e) {
        const last = points.at(-1);
        if (last !== undefined && last.x === e.x && last.y === e.y) return;
        points.push({ x: e.x, y: e.y });
        show(ctx);
      },
      onPointerUp(ctx, e) {
        const last = points.at(-1);
        if (last === undefined || last.x !== e.x || last.y !== e.y) points.push({ x: e.x, y: e.y });
        finish(ctx);
      },
      onFlush: finish,
      onCancel(ctx) {
        ctx.setPreview(null);
        ctx.transition('idle');
      },
    };
  };
}
