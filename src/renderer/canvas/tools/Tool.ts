import type { Point, RegionMask } from './raster/regionMask';

export type ToolId = 'brush' | 'eraser' | 'polygon' | 'fill' | 'picker' | 'prompt' | 'copy';

/** A pointer event already in image coordinates (the stage converts through viewport.ts). */
export interface ToolPointer extends Point {
  /** How far one screen pixel reaches in image pixels at the current zoom (for hit tolerances). */
  imagePixelsPerScreenPixel: number;
  /** The mouse button (0 primary, 2 secondary) and modifiers; absent means a plain primary press. */
  button?: number;
  shiftKey?: boolean;
  altKey?: boolean;
}

/** A click of the prompt tool: label 1 = part of the object, 0 = not (SAM's point labels). */
export interface PromptPoint extends Point {
  label: 1 | 0;
}

/**
 * What a tool asks of the page that the canvas layer cannot do itself (it never fetches): the page
 * performs it and answers through `AnnotationEditor.deliver` with a ToolMessage of the same requestId.
 */
export type ToolIntent = { kind: 'propose'; requestId: number; points: readonly PromptPoint[] };

/** The page's answer to a ToolIntent; `region` is null when the model proposed no pixel. */
export type ToolMessage =
  | { kind: 'proposal'; requestId: number; region: RegionMask | null; score: number | null }
  | { kind: 'proposal-failed'; requestId: number; error: string };

/** What is drawn on the tool layer while a tool works; never part of the label map until committed. */
export type ToolPreview =
  | { kind: 'stroke'; points: readonly Point[]; radius: number; value: number }
  | { kind: 'polygon'; points: readonly Point[]; cursor: Point | null; value: number; closable: boolean }
  | {
      kind: 'prompt';
      points: readonly PromptPoint[];
      proposal: RegionMask | null;
      score: number | null;
      pending: boolean;
      error: string | null;
    };

/** What a tool state may do: read the label map and settings, show a preview, commit a region, move on. */
export interface ToolContext {
  readonly width: number;
  readonly height: number;
  readonly labels: Uint8Array;
  readonly activeClass: number;
  readonly brushRadius: number;
  /** The layer shown for reference (a run's prediction, same size as labels), or null when none is shown. */
  readonly reference: Uint8Array | null;
  setPreview(preview: ToolPreview | null): void;
  /** Sets the region's pixels to `value` as one edit (one undo step, one applyEdit). */
  commit(region: RegionMask | null, value: number): void;
  setActiveClass(classIdx: number): void;
  /** Goes to another state of the same tool; `info` reaches its onEnter. */
  transition(stateId: string, info?: ToolPointer): void;
  /** Switches to the tool used before this one (the class picker returns to the brush). */
  returnToPreviousTool(): void;
  /** Asks the page for something async (a model proposal); the answer comes back as onMessage. */
  emit(intent: ToolIntent): void;
}

/** One state of a tool's state machine (tldraw's StateNode, reduced to what masks need). */
export interface ToolState {
  onEnter?(ctx: ToolContext, info?: ToolPointer): void;
  onExit?(ctx: ToolContext): void;
  onPointerDown?(ctx: ToolContext, e: ToolPointer): void;
  onPointerMove?(ctx: ToolContext, e: ToolPointer): void;
  onPointerUp?(ctx: ToolContext, e: ToolPointer): void;
  /** Returns true when the key was used (the page then does nothing else with it). */
  onKeyDown?(ctx: ToolContext, key: string): boolean;
  /** Escape: drop what is in progress. */
  onCancel?(ctx: ToolContext): void;
  /** The window is going away: finish what is in progress so it is saved (a stroke is committed). */
  onFlush?(ctx: ToolContext): void;
  /** The page's answer to an intent this tool emitted (possibly stale: compare requestId). */
  onMessage?(ctx: ToolContext, message: ToolMessage): void;
}

export interface ToolDefinition {
  id: ToolId;
  label: string;
  /** The key that selects the tool (listed in the help overlay). */
  shortcut: string;
  hint: string;
  initial: string;
  /** Factories: each entry into a state gets fresh state data (the points of this stroke only). */
  states: Record<string, () => ToolState>;
}
