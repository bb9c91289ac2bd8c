import { patchBytes, type MaskPatch } from './maskPatch';

/** 256 MiB of raw patches: tens of thousands of brush strokes; the oldest go when it is full. */
export const DEFAULT_LOCAL_HISTORY_BYTES = 256 * 1024 * 1024;

/**
 * The canvas's undo/redo stacks, bounded by bytes rather than a count of steps (a flood fill of a
 * large image weighs as much as thousands of strokes). The engine keeps its own history in SQLite;
 * this one only makes undo instant on screen.
 */
export class LocalHistory {
  private readonly done: MaskPatch[] = [];
  private readonly undone: MaskPatch[] = [];
  private bytes = 0;

  constructor(private readonly budgetBytes = DEFAULT_LOCAL_HISTORY_BYTES) {}

  push(patch: MaskPatch): void {
    for (const p of this.undone) this.bytes -= patchBytes(p);
    this.undone.length = 0;
    this.done.push(patch);
    this.bytes += patchBytes(patch);
    while (this.bytes > this.budgetBytes && this.done.length > 1) this.bytes -= patchBytes(this.done.shift() as MaskPatch);
  }

  /** The patch to revert (moved to the redo stack), or null when nothing is left here. */
  undo(): MaskPatch | null {
    const p = this.done.pop();
    if (p === undefined) return null;
    this.undone.push(p);
    return p;
  }

  redo(): MaskPatch | null {
    const p = this.undone.pop();
    if (p === undefined) return null;
    this.done.push(p);
    return p;
  }

  clear(): void {
    this.done.length = 0;
    this.undone.length = 0;
    this.bytes = 0;
  }

  get size(): { undo: number; redo: number; bytes: number } {
    return { undo: this.done.length, redo: this.undone.length, bytes: this.bytes };
  }
}
