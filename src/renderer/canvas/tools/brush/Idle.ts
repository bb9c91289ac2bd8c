import type { ToolState } from '../Tool';

/** Waiting for a press; the brush ring follows the pointer (drawn by the stage from the cursor). */
export function brushIdle(): ToolState {
  return {
    onPointerDown(ctx, e) {
      ctx.transition('painting', e);
    },
  };
}
