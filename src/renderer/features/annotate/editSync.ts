import type { MaskPatch } from '../../canvas/tools/history/maskPatch';
import type { AnnotationRevision, MaskPatch as WirePatch } from '../../../shared/api/methods/annotations';
import { netEdits } from './rebase';

/** The three engine calls the sync needs; the page passes client.call, tests pass fakes. */
export interface EditApi {
  applyEdit(input: { imageId: number; sampleId?: number; baseRevision: number; patch: WirePatch }): Promise<AnnotationRevision>;
  undo(input: { imageId: number; sampleId?: number; baseRevision: number; editId?: number }): Promise<AnnotationRevision>;
  redo(input: { imageId: number; sampleId?: number; baseRevision: number; editId?: number }): Promise<AnnotationRevision>;
}

export interface SyncStatus {
  /** Edits, undos and redos not yet confirmed by the engine. */
  pending: number;
  revision: number;
  canUndo: boolean;
  canRedo: boolean;
  /** The last failure, in words; cleared by the next success. */
  error: string | null;
  /** The on-screen map may differ from the stored one: the page must reload it. */
  needsReload: boolean;
  /**
   * What the last reload did with this tab's unsaved changes (applied again on another tab's edit, or
   * dropped as refused), in words; kept until this tab's next edit, undo or redo.
   */
  notice: string | null;
}

type Op = { kind: 'edit'; patch: MaskPatch } | { kind: 'undo' | 'redo'; local: MaskPatch | null };

export interface EditSyncOptions {
  imageId: number;
  /** A referring/reasoning query whose mask is edited; absent for the image's label map. */
  sampleId?: number;
  revision: number;
  canUndo: boolean;
  canRedo: boolean;
  api: EditApi;
  encode(patch: MaskPatch): WirePatch;
  /** Waits before retrying after a network failure (the page passes a timer; tests resolve at once). */
  wait(ms: number): Promise<void>;
}

function errorCode(err: unknown): string | null {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : null;
}

/** Did the engine's undo/redo change the box the canvas already changed on screen (or, both, nothing)? */
function sameStep(a: { x: number; y: number; w: number; h: number } | null, b: MaskPatch | null): boolean {
  if (a === null || b === null) return a === b;
  return a.x === b.x && a.y === b.y && a.w === b.w && a.h === b.h;
}

/**
 * Sends the canvas's edits to the engine one at a time, in order, each on the revision the previous
 * one produced (autosave: every stroke is committed to SQLite on pointer-up). A network failure, or a
 * server that refuses the page's token (restarted with a new one), is retried, so an edit is never
 * dropped while the page lives; a CONFLICT or any other refusal stops the queue and asks the page to
 * reload the stored label map; a CONFLICT's edits are kept to be applied again on it (takeUnsent).
 */
export class EditSync {
  private readonly queue: Op[] = [];
  private running = false;
  private status: SyncStatus;
  private readonly listeners = new Set<() => void>();
  private unsent: Op[] = [];
  private refused: { changes: number; message: string } | null = null;
  /**
   * The engine's id of each of this tab's saved edits (applyEdit's editId), by the canvas's patch: an
   * undo or redo of a patch on the canvas's stack names that edit, so the engine steps exactly it or
   * refuses (CONFLICT), never another window's edit that is newer.
   */
  private readonly editIds = new WeakMap<MaskPatch, number>();

  constructor(private readonly options: EditSyncOptions) {
    this.status = {
      pending: 0,
      revision: options.revision,
      canUndo: options.canUndo,
      canRedo: options.canRedo,
      error: null,
      needsReload: false,
      notice: null,
    };
  }

  getStatus = (): SyncStatus => this.status;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(patch: Partial<SyncStatus>): void {
    this.status = { ...this.status, ...patch, pending: this.queue.length };
    for (const l of [...this.listeners]) l();
  }

  edit(patch: MaskPatch): void {
    this.enqueue({ kind: 'edit', patch }, true);
  }

  /** `local`: the patch the canvas already reverted on screen, or null when its stack was empty. */
  undo(local: MaskPatch | null): void {
    this.enqueue({ kind: 'undo', local }, true);
  }

  redo(local: MaskPatch | null): void {
    this.enqueue({ kind: 'redo', local }, true);
  }

  /** An edit of this tab applied again after a reload (rebase.ts): queued like an edit, the notice kept. */
  resend(patch: MaskPatch): void {
    this.enqueue({ kind: 'edit', patch }, false);
  }

  /** Whether a call to the engine is in flight or being retried (the queue is sending). */
  busy(): boolean {
    return this.running;
  }

  /**
   * The edits a CONFLICT kept from being saved (the stored map had changed first), net of the undos
   * and redos queued after them, for the page to apply again on the fresh map; `steps`: undos and redos
   * of saved edits that were not replayed. Operations queued after the CONFLICT (made on the same old
   * map, never sent: the queue stops until the reload) are taken with them. Taken once.
   */
  takeUnsent(): { edits: MaskPatch[]; steps: number; refused: { changes: number; message: string } | null } {
    const waiting = this.running ? [] : this.queue.splice(0);
    const out = { ...netEdits([...this.unsent, ...waiting]), refused: this.refused };
    this.unsent = [];
    this.refused = null;
    return out;
  }

  /** Shows a line in the autosave status (cleared by the next edit, undo or redo). */
  say(notice: string): void {
    this.set({ notice });
  }

  /**
   * After the page reloaded the map: start again from the engine's revision. `lost`: how many of this
   * tab's changes the engine refused (dropped by the reload): the status keeps saying they were not
   * saved (never "All edits saved") until the next change is saved.
   */
  reset(state: { revision: number; canUndo: boolean; canRedo: boolean }, notice: string | null = null, lost = 0): void {
    this.queue.length = 0;
    this.set({
      revision: state.revision,
      canUndo: state.canUndo,
      canRedo: state.canRedo,
      error: lost > 0 ? `${lost} change${lost === 1 ? ' was' : 's were'} not saved` : null,
      needsReload: false,
      notice,
    });
  }

  /** Resolves when everything queued so far is confirmed or has failed (tests; leaving the page). */
  async idle(): Promise<void> {
    while (this.running) await this.options.wait(10);
  }

  private enqueue(op: Op, byUser: boolean): void {
    this.queue.push(op);
    this.set(byUser ? { notice: null } : {});
    void this.run();
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      let failures = 0;
      while (this.queue.length > 0 && !this.status.needsReload) {
        const op = this.queue[0] as Op;
        try {
          const res = await this.send(op);
          this.queue.shift();
          failures = 0;
          if (op.kind === 'edit' && res.editId !== null) this.editIds.set(op.patch, res.editId);
          const reload = op.kind !== 'edit' && !sameStep(res.box, op.local);
          this.set({ revision: res.revision, canUndo: res.canUndo, canRedo: res.canRedo, error: null, needsReload: reload });
        } catch (err) {
          const code = errorCode(err);
          const message = err instanceof Error ? err.message : String(err);
          if (code === null || code === 'UNAUTHORIZED' || (code === 'INTERNAL' && failures < 3)) {
            // The engine was not reached (or hiccuped, or a restarted server does not take this page's
            // token yet): keep the edit and try again, backing off. Nothing queued is dropped.
            failures++;
            const n = this.queue.length;
            this.set({
              error:
                code === 'UNAUTHORIZED'
                  ? `${n} edit${n === 1 ? '' : 's'} not saved yet: the server refuses this page's access (restarted with a new token?); they are kept in this tab and sent once it accepts them — closing or reloading the tab loses them`
                  : `not saved yet, retrying: ${message}`,
            });
            await this.options.wait(Math.min(10_000, 500 * 2 ** Math.min(failures, 5)));
            continue;
          }
          // Nothing queued is lost silently: a CONFLICT's edits are applied again on the fresh map
          // (session.ts), and what another refusal drops is said after the reload.
          const unsent = this.queue.splice(0);
          if (code === 'CONFLICT') this.unsent.push(...unsent);
          else this.refused = { changes: (this.refused?.changes ?? 0) + unsent.length, message };
          this.set({ error: message, needsReload: true });
        }
      }
    } finally {
      this.running = false;
    }
  }

  private send(op: Op): Promise<AnnotationRevision> {
    const { api } = this.options;
    const target =
      this.options.sampleId === undefined
        ? { imageId: this.options.imageId }
        : { imageId: this.options.imageId, sampleId: this.options.sampleId };
    const baseRevision = this.status.revision;
    if (op.kind === 'edit') return api.applyEdit({ ...target, baseRevision, patch: this.options.encode(op.patch) });
    // On the revision this page shows (another window's newer edit is not undone unseen), and naming
    // this tab's own edit when the canvas stepped one: the engine steps that edit or refuses (CONFLICT,
    // reload, said in the notice); it never undoes another window's edit in its place.
    const editId = op.local === null ? undefined : this.editIds.get(op.local);
    const input = editId === undefined ? { ...target, baseRevision } : { ...target, baseRevision, editId };
    return op.kind === 'undo' ? api.undo(input) : api.redo(input);
  }
}
