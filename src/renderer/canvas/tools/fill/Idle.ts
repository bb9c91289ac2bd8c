import { floodFill } from '../raster/floodFill';
import type { ToolState } from '../Tool';

/** A click fills the 4-connected area of the clicked label with the active class: one edit. */
export function fillIdle(): ToolState {
  return {
    onPointerDown(ctx, e) {
      ctx.commit(floodFill(ctx.labels, ctx.width, ctx.height, e.x, e.y), ctx.activeClass);
    },
  };
}
