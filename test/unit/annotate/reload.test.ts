import { describe, expect, it } from 'vitest';
import { inflateSync } from 'node:zlib';
import { ApiError } from '../../../src/shared';
import type { AnnotationRevision, MaskPatch as WirePatch } from '../../../src/shared/api/methods/annotations';
import { EditSync, type EditApi } from '../../../src/renderer/features/annotate/editSync';
import { toWirePatch } from '../../../src/renderer/features/annotate/patchWire';
import { reloadSession } from '../../../src/renderer/features/annotate/reload';
import { TestViewer } from './testViewer';

const W = 20;
const H = 10;

function bytes(side: WirePatch['before']): Uint8Array {
  if (typeof side === 'object' && !Array.isArray(side)) return new Uint8Array(inflateSync(Buffer.from(side.deflate, 'base64')));
  throw new Error('the page sends deflated patches');
}

/** The engine's label map and shared history, as annotations.* keep them (revisions, edit ids, CONFLICT). */
class FakeEngine {
  labels = new Uint8Array(W * H);
  revision = 0;
  /** Refuses every edit with this message (a label value the dataset does not have), as the engine does. */
  refuse: string | null = null;
  private nextId = 1;
  readonly edits: Array<{
    id: number;
    box: { x: number; y: number; w: number; h: number };
    before: Uint8Array;
    after: Uint8Array;
    undone: boolean;
  }> = [];

  private paste(box: { x: number; y: number; w: number; h: number }, values: Uint8Array): void {
    for (let r = 0; r < box.h; r++)
      for (let c = 0; c < box.w; c++) this.labels[(box.y + r) * W + box.x + c] = values[r * box.w + c] as number;
  }

  private answer(step: { box: { x: number; y: number; w: number; h: number }; id: number } | null): AnnotationRevision {
    return {
      imageId: 1,
      revision: this.revision,
      canUndo: this.edits.some((e) => !e.undone),
      canRedo: this.edits.some((e) => e.undone),
      box: step?.box ?? null,
      editId: step?.id ?? null,
    };
  }

  edit(baseRevision: number, patch: WirePatch): AnnotationRevision {
    if (baseRevision !== this.revision) throw new ApiError('CONFLICT', `the label map is at revision ${this.revision}`);
    if (this.refuse !== null) throw new ApiError('INVALID_INPUT', this.refuse);
    const box = { x: patch.x, y: patch.y, w: patch.w, h: patch.h };
    const before = bytes(patch.before);
    const after = bytes(patch.after);
    for (let i = 0; i < this.edits.length; i++) if (this.edits[i]?.undone) this.edits.splice(i--, 1);
    const id = this.nextId++;
    this.edits.push({ id, box, before, after, undone: false });
    this.paste(box, after);
    this.revision++;
    return this.answer({ box, id });
  }

  /** Another tab's stroke: a row of `value` from x0 to x1 on row y. */
  paintRow(y: number, x0: number, x1: number, value: number): void {
    const box = { x: x0, y, w: x1 - x0 + 1, h: 1 };
    const before = this.labels.slice(y * W + x0, y * W + x1 + 1);
    this.edit(this.revision, toWirePatch({ ...box, before, after: before.map(() => value) }));
  }

  step(direction: 'undo' | 'redo', input: { baseRevision: number; editId?: number }): AnnotationRevision {
    if (input.baseRevision !== this.revision) throw new ApiError('CONFLICT', `the label map is at revision ${this.revision}`);
    const next = direction === 'undo' ? this.edits.findLast((e) => !e.undone) : this.edits.find((e) => e.undone);
    if (input.editId !== undefined && next?.id !== input.editId)
      throw new ApiError('CONFLICT', `the ${direction} was asked for edit ${input.editId}, but the next is ${next?.id}`);
    if (next === undefined) return this.answer(null);
    this.paste(next.box, direction === 'undo' ? next.before : next.after);
    next.undone = direction === 'undo';
    this.revision++;
    return this.answer({ box: next.box, id: next.id });
  }

  api(calls: string[]): EditApi {
    return {
      applyEdit: async (i) => (calls.push(`edit@${i.baseRevision}`), this.edit(i.baseRevision, i.patch)),
      undo: async (i) => (calls.push(`undo@${i.baseRevision}#${i.editId}`), this.step('undo', i)),
      redo: async (i) => (calls.push(`redo@${i.baseRevision}#${i.editId}`), this.step('redo', i)),
    };
  }

  fresh(): { state: { revision: number; canUndo: boolean; canRedo: boolean }; labels: Uint8Array } {
    const a = this.answer(null);
    return { state: { revision: a.revision, canUndo: a.canUndo, canRedo: a.canRedo }, labels: this.labels.slice() };
  }
}

/** One tab on the fake engine: its canvas wired to its autosave queue, as session.ts wires them. */
function tab(engine: FakeEngine) {
  const calls: string[] = [];
  const sync = new EditSync({
    imageId: 1,
    revision: engine.revision,
    canUndo: false,
    canRedo: false,
    api: engine.api(calls),
    encode: toWirePatch,
    wait: async () => undefined,
  });
  const v = new TestViewer(W, H, engine.labels.slice(), { onEdit: (p) => sync.edit(p), brushRadius: 0.5, activeClass: 3 });
  return { v, sync, calls };
}

const row = (labels: Uint8Array, y: number, x0: number, x1: number): number[] => Array.from(labels.subarray(y * W + x0, y * W + x1 + 1));
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

describe('reloadSession: another tab saved while this one was drawing', () => {
  it('waits for a held stroke, then applies it on top of the other change; Ctrl+Z then undoes this stroke (by its id), not the other', async () => {
    const engine = new FakeEngine();
    const { v, sync, calls } = tab(engine);
    v.pointerDown(2, 5).pointerMove(6, 5);
    engine.paintRow(2, 2, 8, 1); // the other tab
    let done = false;
    const reload = reloadSession(v.editor, sync, W, async () => engine.fresh()).then((r) => ((done = true), r));
    await settle();
    expect(done).toBe(false); // the stroke goes on
    v.expectToolPath('brush.painting');
    v.pointerMove(10, 5).pointerUp(10, 5);
    expect(await reload).toEqual({ othersEdited: true });
    await sync.idle();
    // Sent on revision 0 (refused), then again on revision 1 on top of the other tab's stroke.
    expect(calls).toEqual(['edit@0', 'edit@1']);
    expect(row(engine.labels, 2, 2, 8).every((x) => x === 1)).toBe(true);
    expect(row(engine.labels, 5, 3, 9).every((x) => x === 3)).toBe(true);
    expect(sync.getStatus()).toMatchObject({
      revision: 2,
      notice: expect.stringMatching(/your 1 edit was applied again on top of its change/),
    });
    // Its own stroke is on its undo stack: undone by id, the other tab's stays.
    const local = v.editor.undo();
    expect(local).not.toBeNull();
    sync.undo(local);
    await sync.idle();
    expect(calls.at(-1)).toBe(`undo@2#${engine.edits[1]?.id}`);
    expect(row(engine.labels, 5, 0, W - 1).every((x) => x === 0)).toBe(true);
    expect(row(engine.labels, 2, 2, 8).every((x) => x === 1)).toBe(true);
    expect(Buffer.from(v.editor.labels).equals(Buffer.from(engine.labels))).toBe(true);
  });

  it('does not drop a stroke begun while the fresh map was on its way: it fetches again once that stroke ends', async () => {
    const engine = new FakeEngine();
    const { v, sync } = tab(engine);
    engine.paintRow(2, 2, 8, 1);
    let fetches = 0;
    const reload = reloadSession(v.editor, sync, W, async () => {
      if (++fetches === 1) v.pointerDown(2, 7).pointerMove(9, 7); // pressed just as the map arrives
      return engine.fresh();
    });
    await settle();
    v.expectToolPath('brush.painting');
    v.pointerUp(9, 7);
    await reload;
    await sync.idle();
    expect(fetches).toBe(2);
    expect(row(engine.labels, 7, 3, 8).every((x) => x === 3)).toBe(true);
    expect(row(engine.labels, 2, 2, 8).every((x) => x === 1)).toBe(true);
    expect(Buffer.from(v.editor.labels).equals(Buffer.from(engine.labels))).toBe(true);
  });

  it('keeps edits made after the refusal and before the reload (queued, never sent): all applied on top', async () => {
    const engine = new FakeEngine();
    const { v, sync } = tab(engine);
    engine.paintRow(2, 2, 8, 1);
    v.drag([
      [2, 5],
      [9, 5],
    ]); // refused: made on revision 0
    await sync.idle();
    expect(sync.getStatus().needsReload).toBe(true);
    v.drag([
      [2, 8],
      [9, 8],
    ]); // queued behind the refusal
    await reloadSession(v.editor, sync, W, async () => engine.fresh());
    await sync.idle();
    expect(row(engine.labels, 5, 3, 8).every((x) => x === 3)).toBe(true);
    expect(row(engine.labels, 8, 3, 8).every((x) => x === 3)).toBe(true);
    expect(sync.getStatus().notice).toMatch(/your 2 edits were applied again/);
  });

  it("keeps an unfinished polygon's vertices across the other tab's save and fills it on top when closed", async () => {
    const engine = new FakeEngine();
    const { v, sync } = tab(engine);
    v.editor.setTool('polygon');
    v.click(1, 1).click(8, 1).click(8, 8);
    v.expectToolPath('polygon.drawing');
    engine.paintRow(9, 0, 19, 1);
    const reload = reloadSession(v.editor, sync, W, async () => engine.fresh());
    await settle();
    v.expectToolPath('polygon.drawing');
    expect(v.editor.getSnapshot().preview).toMatchObject({
      kind: 'polygon',
      points: [
        { x: 1, y: 1 },
        { x: 8, y: 1 },
        { x: 8, y: 8 },
      ],
    });
    v.key('Enter');
    await reload;
    await sync.idle();
    expect(engine.labels[3 * W + 6]).toBe(3); // inside the triangle
    expect(row(engine.labels, 9, 0, 19).every((x) => x === 1)).toBe(true);
    expect(Buffer.from(v.editor.labels).equals(Buffer.from(engine.labels))).toBe(true);
  });
});

describe("EditSync: undo and redo name this tab's own edit", () => {
  it("sends the engine's id of the edit the canvas stepped; the engine refuses when another tab's edit is newer", async () => {
    const engine = new FakeEngine();
    const { v, sync, calls } = tab(engine);
    v.drag([
      [2, 5],
      [9, 5],
    ]);
    await sync.idle();
    const mine = engine.edits[0]?.id as number;
    sync.undo(v.editor.undo());
    sync.redo(v.editor.redo());
    await sync.idle();
    expect(calls).toEqual(['edit@0', `undo@1#${mine}`, `redo@2#${mine}`]);
    // Another tab paints, and this tab's Ctrl+Z goes out before it heard of it.
    engine.paintRow(2, 2, 8, 1);
    const before = engine.labels.slice();
    sync.undo(v.editor.undo());
    await sync.idle();
    expect(sync.getStatus().needsReload).toBe(true);
    expect(Buffer.from(engine.labels).equals(Buffer.from(before))).toBe(true); // nothing undone
    const unsent = sync.takeUnsent();
    expect(unsent.steps).toBe(1); // said in the notice after the reload
  });
});

describe('an edit the engine refuses (a label the dataset does not have)', () => {
  it('is said, and the status never reads as saved, until a change is saved again', async () => {
    const engine = new FakeEngine();
    const { v, sync } = tab(engine);
    engine.refuse = 'the dataset has no classes yet';
    v.drag([
      [2, 5],
      [9, 5],
    ]);
    await sync.idle();
    expect(sync.getStatus().needsReload).toBe(true);
    await reloadSession(v.editor, sync, W, async () => engine.fresh());
    expect(sync.getStatus()).toMatchObject({
      pending: 0,
      revision: 0,
      error: '1 change was not saved',
      notice: '1 unsaved change could not be saved: the dataset has no classes yet',
    });
    expect(row(v.editor.labels, 5, 0, W - 1).every((x) => x === 0)).toBe(true); // the map is the stored one
    engine.refuse = null;
    v.drag([
      [2, 6],
      [9, 6],
    ]);
    await sync.idle();
    expect(sync.getStatus()).toMatchObject({ revision: 1, error: null, notice: null });
  });
});
