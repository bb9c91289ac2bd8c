import type { ToolState } from '../Tool';

/** A click makes the clicked pixel's class the active one, then the previous tool comes back. */
export function pickerIdle(): ToolState {
  return {
    onPointerDown(ctx, e) {
      const x = Math.floor(e.x);
      const y = Math.floor(e.y);
      if (x < 0 || y < 0 || x >= ctx.width || y >= ctx.height) return;
      ctx.setActiveClass(ctx.labels[y * ctx.width + x] as number);
      ctx.returnToPreviousTool();
    },
  };
}
