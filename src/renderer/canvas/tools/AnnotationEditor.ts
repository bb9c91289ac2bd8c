import { cropBox } from '../../../shared/pure/maskBox';
import { LocalHistory } from './history/localHistory';
import { applyPatch, patchFromRegion, type MaskPatch } from './history/maskPatch';
import type { Point, RegionMask } from './raster/regionMask';
import type { ToolContext, ToolDefinition, ToolId, ToolIntent, ToolMessage, ToolPointer, ToolPreview, ToolState } from './Tool';
import { toolById } from './registry';

export const MIN_BRUSH_RADIUS = 0.5;
export const MAX_BRUSH_RADIUS = 256;

/** What the stage and the panels render; a new object on every change (useSyncExternalStore). */
export interface EditorSnapshot {
  toolId: ToolId;
  /** `tool.state`, e.g. `brush.painting`: what tests assert on. */
  toolPath: string;
  activeClass: number;
  brushRadius: number;
  preview: ToolPreview | null;
  cursor: Point | null;
  /** Bumped whenever label pixels change; `dirty` says where (null: everywhere). */
  labelsVersion: number;
  dirty: { x: number; y: number; w: number; h: number } | null;
  canUndo: boolean;
  canRedo: boolean;
  /** Whether a reference layer (a run's prediction) is set: what the copy tool and copyFromReference read. */
  hasReference: boolean;
  /**
   * The newest committed edit: which tool made it and the class it wrote (null: several, as a whole
   * prediction copy). `seq` grows with every commit, so the page can flash the class once per edit.
   */
  lastCommit: { seq: number; toolId: ToolId | 'copy-all' | 'copy-class'; value: number | null } | null;
  /**
   * Nothing can be painted (setLocked): a dataset without classes, whose engine refuses every label
   * value. Gestures do not start and no edit is committed, so nothing is drawn that would then vanish.
   */
  locked: boolean;
}

/** Which pixels of the reference layer copyFromReference writes into the labels. */
export type CopyScope = { kind: 'all' } | { kind: 'class'; classIdx: number };

/** `[` and `]` multiply or divide the brush radius by this. */
export const BRUSH_STEP_FACTOR = 1.25;

export interface EditorOptions {
  width: number;
  height: number;
  labels: Uint8Array;
  /** Called with each committed edit, after it is applied on screen: the page sends it to the engine. */
  onEdit?(patch: MaskPatch): void;
  historyBudgetBytes?: number;
  activeClass?: number;
  brushRadius?: number;
}

/**
 * The annotation editor without React or Konva: the label map, the active tool's state machine, the
 * settings and the local undo stacks. The stage feeds it pointer events in image coordinates; tests
 * drive it the same way in Node (tldraw's Editor/TestEditor split).
 */
export class AnnotationEditor {
  readonly width: number;
  readonly height: number;
  labels: Uint8Array;
  private reference: Uint8Array | null = null;
  private readonly history: LocalHistory;
  private readonly listeners = new Set<() => void>();
  private readonly intentListeners = new Set<(intent: ToolIntent) => void>();
  private snapshot: EditorSnapshot;
  private tool: ToolDefinition;
  private stateId: string;
  private state: ToolState;
  private previousTool: ToolId = 'brush';
  private readonly onEdit: ((patch: MaskPatch) => void) | undefined;
  private readonly ctx: ToolContext;

  constructor(options: EditorOptions) {
    this.width = options.width;
    this.height = options.height;
    if (options.labels.length !== options.width * options.height)
      throw new Error(`label map has ${options.labels.length} pixels, expected ${options.width}x${options.height}`);
    this.labels = options.labels;
    this.onEdit = options.onEdit;
    this.history = new LocalHistory(options.historyBudgetBytes);
    this.tool = toolById('brush');
    this.stateId = this.tool.initial;
    this.snapshot = {
      toolId: 'brush',
      toolPath: `brush.${this.stateId}`,
      activeClass: options.activeClass ?? 1,
      brushRadius: options.brushRadius ?? 4,
      preview: null,
      cursor: null,
      labelsVersion: 0,
      dirty: null,
      canUndo: false,
      canRedo: false,
      hasReference: false,
      lastCommit: null,
      locked: false,
    };
    this.ctx = this.makeContext();
    this.state = (this.tool.states[this.stateId] as () => ToolState)();
  }

  private makeContext(): ToolContext {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const editor = this;
    return {
      get width() {
        return editor.width;
      },
      get height() {
        return editor.height;
      },
      get labels() {
        return editor.labels;
      },
      get activeClass() {
        return editor.snapshot.activeClass;
      },
      get brushRadius() {
        return editor.snapshot.brushRadius;
      },
      get reference() {
        return editor.reference;
      },
      setPreview: (preview) => this.update({ preview }),
      commit: (region, value) => this.commit(region, value),
      setActiveClass: (classIdx) => this.setActiveClass(classIdx),
      transition: (stateId, info) => this.transition(stateId, info),
      returnToPreviousTool: () => this.setTool(this.previousTool),
      emit: (intent) => {
        for (const l of [...this.intentListeners]) l(intent);
      },
    };
  }

  getSnapshot = (): EditorSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The page listens for what tools ask of it (a proposal from a model) and answers with deliver(). */
  onIntent = (listener: (intent: ToolIntent) => void): (() => void) => {
    this.intentListeners.add(listener);
    return () => this.intentListeners.delete(listener);
  };

  /** Hands the page's answer to the active tool state (a state that moved on ignores it). */
  deliver(message: ToolMessage): void {
    this.state.onMessage?.(this.ctx, message);
  }

  private update(patch: Partial<EditorSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const l of [...this.listeners]) l();
  }

  private transition(stateId: string, info?: ToolPointer): void {
    const make = this.tool.states[stateId];
    if (make === undefined) throw new Error(`tool ${this.tool.id} has no state ${stateId}`);
    this.state.onExit?.(this.ctx);
    this.stateId = stateId;
    this.state = make();
    this.update({ toolPath: `${this.tool.id}.${stateId}` });
    this.state.onEnter?.(this.ctx, info);
  }

  setTool(id: ToolId): void {
    if (id === this.tool.id) return;
    this.state.onCancel?.(this.ctx);
    if (this.tool.id !== 'picker') this.previousTool = this.tool.id;
    this.tool = toolById(id);
    this.stateId = this.tool.initial;
    this.state = (this.tool.states[this.stateId] as () => ToolState)();
    this.update({ toolId: id, toolPath: `${id}.${this.stateId}`, preview: null });
  }

  setActiveClass(classIdx: number): void {
    if (Number.isInteger(classIdx) && classIdx >= 0 && classIdx <= 255) this.update({ activeClass: classIdx });
  }

  setBrushRadius(radius: number): void {
    this.update({ brushRadius: Math.min(MAX_BRUSH_RADIUS, Math.max(MIN_BRUSH_RADIUS, radius)) });
  }

  /** Locks or unlocks painting (a gesture in progress is cancelled, nothing of it committed). */
  setLocked(locked: boolean): void {
    if (locked === this.snapshot.locked) return;
    if (locked) this.cancel();
    this.update({ locked, preview: null });
  }

  pointerDown(e: ToolPointer): void {
    if (this.snapshot.locked) return;
    this.state.onPointerDown?.(this.ctx, e);
  }

  pointerMove(e: ToolPointer): void {
    this.update({ cursor: { x: e.x, y: e.y } });
    this.state.onPointerMove?.(this.ctx, e);
  }

  pointerUp(e: ToolPointer): void {
    this.state.onPointerUp?.(this.ctx, e);
  }

  pointerLeave(): void {
    this.update({ cursor: null });
  }

  /** Keys the active tool state uses (Enter, Backspace); Escape cancels. Returns whether it was used. */
  keyDown(key: string): boolean {
    if (key === 'Escape') {
      this.cancel();
      return true;
    }
    return this.state.onKeyDown?.(this.ctx, key) ?? false;
  }

  cancel(): void {
    this.state.onCancel?.(this.ctx);
  }

  /**
   * Whether a gesture is in progress (a stroke held, a polygon being drawn, prompt points placed): the
   * active tool is not in its first state. A reload of the map waits for it instead of cancelling it.
   */
  isBusy(): boolean {
    return this.stateId !== this.tool.initial;
  }

  /** Resolves once no gesture is in progress (at once when none is). */
  whenIdle(): Promise<void> {
    if (!this.isBusy()) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.subscribe(() => {
        if (this.isBusy()) return;
        off();
        resolve();
      });
    });
  }

  /** Finishes what is in progress so it gets saved (pagehide, visibilitychange, switching images). */
  flush(): void {
    this.state.onFlush?.(this.ctx);
  }

  private commit(region: RegionMask | null, value: number): void {
    if (region === null) return;
    const patch = patchFromRegion(this.labels, this.width, region, value);
    if (patch === null) return;
    this.commitPatch(patch, this.tool.id, value);
  }

  /** Applies a patch on screen as one edit: one local undo step, one onEdit (one saved version). */
  private commitPatch(patch: MaskPatch, toolId: ToolId | 'copy-all' | 'copy-class', value: number | null): void {
    if (this.snapshot.locked) return;
    applyPatch(this.labels, this.width, patch, 'after');
    this.history.push(patch);
    const seq = (this.snapshot.lastCommit?.seq ?? 0) + 1;
    this.labelsChanged(patch, { lastCommit: { seq, toolId, value } });
    this.onEdit?.(patch);
  }

  private labelsChanged(box: { x: number; y: number; w: number; h: number } | null, extra: Partial<EditorSnapshot> = {}): void {
    const size = this.history.size;
    this.update({
      labelsVersion: this.snapshot.labelsVersion + 1,
      dirty: box === null ? null : { x: box.x, y: box.y, w: box.w, h: box.h },
      canUndo: size.undo > 0,
      canRedo: size.redo > 0,
      ...extra,
    });
  }

  /**
   * Shows a layer for reference (a run's prediction of this image, one label per pixel, same size as
   * the labels) that the copy tool and copyFromReference read; null removes it.
   */
  setReference(reference: Uint8Array | null): void {
    if (reference !== null && reference.length !== this.width * this.height)
      throw new Error(`reference layer has ${reference.length} pixels, expected ${this.width}x${this.height}`);
    this.reference = reference;
    this.update({ hasReference: reference !== null });
  }

  /**
   * Copies the reference layer into the labels as one edit (one undo step, one saved version): every
   * pixel (`all`: the labels become the reference), or the pixels the reference gives one class
   * (`class`: they get that class; other pixels keep theirs). The patch covers only the box of the
   * pixels that change. Returns how many pixels changed (0: nothing to do, no edit).
   */
  copyFromReference(scope: CopyScope): number {
    const ref = this.reference;
    if (ref === null || this.snapshot.locked) return 0;
    this.cancel();
    const { width, height, labels } = this;
    const wanted = (v: number): boolean => scope.kind === 'all' || v === scope.classIdx;
    let x0 = width;
    let y0 = height;
    let x1 = -1;
    let y1 = -1;
    let changed = 0;
    for (let y = 0; y < height; y++) {
      const row = y * width;
      for (let x = 0; x < width; x++) {
        const v = ref[row + x] as number;
        if (!wanted(v) || labels[row + x] === v) continue;
        changed++;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
    if (changed === 0) return 0;
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    const before = cropBox(labels, width, { x: x0, y: y0, w, h });
    const after = before.slice();
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const v = ref[(y0 + r) * width + x0 + c] as number;
        if (wanted(v)) after[r * w + c] = v;
      }
    }
    const patch: MaskPatch = { x: x0, y: y0, w, h, before, after };
    if (scope.kind === 'all') this.commitPatch(patch, 'copy-all', null);
    else this.commitPatch(patch, 'copy-class', scope.classIdx);
    return changed;
  }

  /** Reverts the newest local edit on screen and returns it; null when the local stack is empty. */
  undo(): MaskPatch | null {
    this.cancel();
    const patch = this.history.undo();
    if (patch === null) return null;
    applyPatch(this.labels, this.width, patch, 'before');
    this.labelsChanged(patch);
    return patch;
  }

  redo(): MaskPatch | null {
    this.cancel();
    const patch = this.history.redo();
    if (patch === null) return null;
    applyPatch(this.labels, this.width, patch, 'after');
    this.labelsChanged(patch);
    return patch;
  }

  /**
   * A fresh copy from the engine (after a conflict or an undo the local stack did not hold). `own`:
   * this tab's edits applied again on it (already in `labels`, rebase.ts), oldest first: the new undo
   * stack, so Ctrl+Z undoes them. The page reloads only once no gesture is in progress (isBusy), so
   * the cancel below drops nothing drawn there.
   */
  replaceLabels(labels: Uint8Array, options: { keepHistory?: boolean; own?: readonly MaskPatch[] } = {}): void {
    if (labels.length !== this.width * this.height)
      throw new Error(`label map has ${labels.length} pixels, expected ${this.width}x${this.height}`);
    this.cancel();
    this.labels = labels;
    if (options.keepHistory !== true) this.history.clear();
    for (const patch of options.own ?? []) this.history.push(patch);
    this.labelsChanged(null);
  }

  /**
   * `]` / `[`: the brush radius times / divided by 1.25 (proportional, so every size is a few presses
   * away), rounded to half pixels, always moving at least half a pixel, clamped to the limits.
   */
  stepBrush(direction: 1 | -1): void {
    const r = this.snapshot.brushRadius;
    const scaled = Math.round((direction === 1 ? r * BRUSH_STEP_FACTOR : r / BRUSH_STEP_FACTOR) * 2) / 2;
    this.setBrushRadius(direction === 1 ? Math.max(scaled, r + 0.5) : Math.min(scaled, r - 0.5));
  }
}
