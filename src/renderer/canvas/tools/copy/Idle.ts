import { floodFill } from '../raster/floodFill';
import type { ToolState } from '../Tool';

/**
 * A click copies the connected region of the reference layer (a run's prediction) under the cursor into
 * the labels with the class the reference gives it: the 4-connected pixels of that predicted class,
 * one edit. Without a reference layer a click does nothing.
 */
export function copyIdle(): ToolState {
  return {
    onPointerDown(ctx, e) {
      const ref = ctx.reference;
      if (ref === null) return;
      const x = Math.floor(e.x);
      const y = Math.floor(e.y);
      if (x < 0 || y < 0 || x >= ctx.width || y >= ctx.height) return;
      ctx.commit(floodFill(ref, ctx.width, ctx.height, x, y), ref[y * ctx.width + x] as number);
    },
  };
}
