import type { ToolState } from '../Tool';

export function polygonIdle(): ToolState {
  return {
    onPointerDown(ctx, e) {
      ctx.transition('drawing', e);
    },
  };
}
