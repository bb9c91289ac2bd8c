import type { RegionMask } from '../raster/regionMask';
import type { PromptPoint, ToolContext, ToolPointer, ToolState } from '../Tool';

/** Screen pixels within which a click on an existing point removes it instead of adding one. */
const REMOVE_DISTANCE_SCREEN_PX = 6;

let lastRequestId = 0;

/** Shift, Alt or the secondary button mark a point as "not the object" (SAM label 0). */
function labelOf(e: ToolPointer): 1 | 0 {
  return e.button === 2 || e.shiftKey === true || e.altKey === true ? 0 : 1;
}

/**
 * Points collect; after each change the tool asks the page for a proposal (an intent: the canvas never
 * fetches) and shows the answer that belongs to its latest request. Enter commits the proposal with
 * the active class as one edit (the same commit path as the brush: undo, autosave and versions apply);
 * Backspace removes the last point; a click on a point removes it; Escape drops points and proposal.
 * A proposal is a suggestion: closing the window does not commit it (no onFlush).
 */
export function promptPrompting(): ToolState {
  const points: PromptPoint[] = [];
  let requestId = 0;
  let pending = false;
  let proposal: RegionMask | null = null;
  let score: number | null = null;
  let error: string | null = null;
  const show = (ctx: ToolContext): void => ctx.setPreview({ kind: 'prompt', points: points.slice(), proposal, score, pending, error });
  const reset = (ctx: ToolContext): void => {
    ctx.setPreview(null);
    ctx.transition('idle');
  };
  const request = (ctx: ToolContext): void => {
    if (points.length === 0) return reset(ctx);
    requestId = ++lastRequestId;
    error = null;
    if (!points.some((p) => p.label === 1)) {
      // Only "not the object" points: nothing to propose, and no call.
      pending = false;
      proposal = null;
      score = null;
      return show(ctx);
    }
    pending = true;
    show(ctx);
    ctx.emit({ kind: 'propose', requestId, points: points.slice() });
  };
  const accept = (ctx: ToolContext): void => {
    const region = proposal;
    ctx.setPreview(null);
    ctx.commit(region, ctx.activeClass);
    ctx.transition('idle');
  };
  return {
    onEnter(ctx, e) {
      if (e === undefined) return reset(ctx);
      points.push({ x: e.x, y: e.y, label: labelOf(e) });
      request(ctx);
    },
    onPointerDown(ctx, e) {
      const tolerance = REMOVE_DISTANCE_SCREEN_PX * e.imagePixelsPerScreenPixel;
      const hit = points.findIndex((p) => Math.hypot(e.x - p.x, e.y - p.y) <= tolerance);
      if (hit >= 0) points.splice(hit, 1);
      else points.push({ x: e.x, y: e.y, label: labelOf(e) });
      request(ctx);
    },
    onMessage(ctx, m) {
      if (m.requestId !== requestId) return; // an answer to a click since superseded
      pending = false;
      if (m.kind === 'proposal') {
        proposal = m.region;
        score = m.score;
      } else {
        proposal = null;
        score = null;
        error = m.error;
      }
      show(ctx);
    },
    onKeyDown(ctx, key) {
      if (key === 'Enter') {
        // Only the proposal for the points on screen: never one a newer click is replacing.
        if (!pending && proposal !== null) accept(ctx);
        return true;
      }
      if (key === 'Backspace') {
        points.pop();
        request(ctx);
        return true;
      }
      return false;
    },
    onCancel: reset,
  };
}
