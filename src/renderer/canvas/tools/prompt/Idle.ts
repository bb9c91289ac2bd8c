import type { ToolState } from '../Tool';

/** No points yet: the first click starts a prompt. */
export function promptIdle(): ToolState {
  return {
    onPointerDown(ctx, e) {
      ctx.transition('prompting', e);
    },
  };
}
