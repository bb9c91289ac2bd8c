import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/shared';
import type { AnnotationRevision } from '../../../src/shared/api/methods/annotations';
import { EditSync, type EditApi } from '../../../src/renderer/features/annotate/editSync';
import { toWirePatch } from '../../../src/renderer/features/annotate/patchWire';
import { rebaseEdits, reloadNotice } from '../../../src/renderer/features/annotate/rebase';
import type { MaskPatch } from '../../../src/renderer/canvas/tools/history/maskPatch';
import { inflateSync } from 'node:zlib';

function patch(x: number): MaskPatch {
  return { x, y: 0, w: 1, h: 1, before: new Uint8Array([0]), after: new Uint8Array([1]) };
}

/** A fake engine: records calls, answers with increasing revisions, fails on demand. */
function fakeApi(failures: Array<Error | null> = []) {
  const calls: string[] = [];
  let revision = 0;
  const answer = (box: { x: number; y: number; w: number; h: number } | null): AnnotationRevision => ({
    imageId: 1,
    revision: ++revision,
    canUndo: true,
    canRedo: false,
    box,
    editId: box === null ? null : revision,
  });
  const next = (): void => {
    const f = failures.shift();
    if (f !== undefined && f !== null) throw f;
  };
  const api: EditApi = {
    async applyEdit(input) {
      calls.push(`edit@${input.baseRevision}:${input.patch.x}`);
      next();
      return answer({ x: input.patch.x, y: input.patch.y, w: input.patch.w, h: input.patch.h });
    },
    async undo(input) {
      calls.push(`undo@${input.baseRevision}`);
      next();
      return answer({ x: 7, y: 0, w: 1, h: 1 });
    },
    async redo(input) {
      calls.push(`redo@${input.baseRevision}`);
      next();
      return answer(null);
    },
  };
  return { api, calls };
}

function sync(api: EditApi): EditSync {
  return new EditSync({ imageId: 1, revision: 0, canUndo: false, canRedo: false, api, encode: toWirePatch, wait: async () => undefined });
}

describe('EditSync (autosave queue)', () => {
  it('sends edits in order, each on the revision the previous one returned', async () => {
    const { api, calls } = fakeApi();
    const s = sync(api);
    s.edit(patch(1));
    s.edit(patch(2));
    s.edit(patch(3));
    expect(s.getStatus().pending).toBe(3);
    await s.idle();
    expect(calls).toEqual(['edit@0:1', 'edit@1:2', 'edit@2:3']);
    expect(s.getStatus()).toMatchObject({ pending: 0, revision: 3, error: null, needsReload: false });
  });

  it('retries an edit the engine could not be reached for, and loses nothing', async () => {
    const { api, calls } = fakeApi([new TypeError('Failed to fetch'), new TypeError('Failed to fetch')]);
    const s = sync(api);
    s.edit(patch(4));
    s.edit(patch(5));
    await s.idle();
    expect(calls).toEqual(['edit@0:4', 'edit@0:4', 'edit@0:4', 'edit@1:5']);
    expect(s.getStatus()).toMatchObject({ pending: 0, revision: 2, error: null });
  });

  it('keeps the edits while a restarted server refuses the page (UNAUTHORIZED) and sends them once it takes them', async () => {
    const refused = (): ApiError => new ApiError('UNAUTHORIZED', 'the server refused the token');
    const { api, calls } = fakeApi([new TypeError('Failed to fetch'), refused(), refused()]);
    const statuses: Array<string | null> = [];
    const s = sync(api);
    s.subscribe(() => statuses.push(s.getStatus().error));
    s.edit(patch(1));
    s.edit(patch(2));
    await s.idle();
    expect(calls).toEqual(['edit@0:1', 'edit@0:1', 'edit@0:1', 'edit@0:1', 'edit@1:2']);
    expect(s.getStatus()).toMatchObject({ pending: 0, revision: 2, error: null, needsReload: false });
    expect(statuses).toContain(
      "2 edits not saved yet: the server refuses this page's access (restarted with a new token?); they are kept in this tab and sent once it accepts them — closing or reloading the tab loses them",
    );
  });

  it('stops on a CONFLICT and asks for a reload', async () => {
    const { api, calls } = fakeApi([null, new ApiError('CONFLICT', 'img.png: the label map is at revision 5')]);
    const s = sync(api);
    s.edit(patch(1));
    s.edit(patch(2));
    s.edit(patch(3));
    await s.idle();
    expect(calls).toEqual(['edit@0:1', 'edit@1:2']);
    expect(s.getStatus()).toMatchObject({ pending: 0, needsReload: true, error: 'img.png: the label map is at revision 5' });
    s.reset({ revision: 5, canUndo: true, canRedo: false });
    s.edit(patch(9));
    await s.idle();
    expect(calls.at(-1)).toBe('edit@5:9');
  });

  it('asks for a reload when the engine undid something other than what the canvas reverted', async () => {
    const { api } = fakeApi();
    const s = sync(api);
    s.undo(patch(7)); // the engine's fake undoes box x=7: the same step
    await s.idle();
    expect(s.getStatus().needsReload).toBe(false);
    s.undo(null); // nothing on the local stack (after a reload): the engine's undo must be fetched
    await s.idle();
    expect(s.getStatus().needsReload).toBe(true);
  });

  it("sends undo and redo on the revision the page shows, so another window's newer edit is refused, not undone unseen", async () => {
    const { api, calls } = fakeApi([
      null,
      null,
      new ApiError('CONFLICT', 'img.png: the label map is at revision 3 but the undo was asked on revision 2'),
    ]);
    const s = sync(api);
    s.edit(patch(1));
    s.undo(patch(7));
    s.undo(patch(1));
    s.redo(patch(1));
    await s.idle();
    expect(calls).toEqual(['edit@0:1', 'undo@1', 'undo@2']);
    expect(s.getStatus()).toMatchObject({ pending: 0, needsReload: true, error: expect.stringMatching(/asked on revision 2/) });
  });

  it('puts both sides of a patch on the wire deflated', () => {
    const p: MaskPatch = { x: 3, y: 4, w: 2, h: 2, before: new Uint8Array([0, 1, 2, 3]), after: new Uint8Array([9, 9, 9, 255]) };
    const wire = toWirePatch(p);
    expect(wire).toMatchObject({ x: 3, y: 4, w: 2, h: 2 });
    const side = (v: unknown): number[] => [...inflateSync(Buffer.from((v as { deflate: string }).deflate, 'base64'))];
    expect(side(wire.before)).toEqual([0, 1, 2, 3]);
    expect(side(wire.after)).toEqual([9, 9, 9, 255]);
  });
});

describe('edits refused because the stored map changed first (another tab)', () => {
  it('are kept, net of the undos after them, for the page to apply again on the fresh map', async () => {
    const { api, calls } = fakeApi([null, new ApiError('CONFLICT', 'img.png: the label map is at revision 5')]);
    const s = sync(api);
    const [a, b, c, d] = [patch(1), patch(2), patch(3), patch(4)];
    s.edit(a);
    s.edit(b);
    s.edit(c);
    s.undo(c); // the canvas reverted c before it was sent: it is not replayed
    s.edit(d);
    s.undo(null); // an undo of something saved: cannot be replayed on a changed map
    await s.idle();
    expect(calls).toEqual(['edit@0:1', 'edit@1:2']);
    const unsent = s.takeUnsent();
    expect(unsent.edits).toEqual([b, d]);
    expect(unsent.steps).toBe(1);
    expect(unsent.refused).toBeNull();
    expect(s.takeUnsent().edits).toEqual([]); // taken once
    s.reset({ revision: 5, canUndo: true, canRedo: false }, 'notice');
    s.resend(b);
    await s.idle();
    expect(calls.at(-1)).toBe('edit@5:2');
    expect(s.getStatus()).toMatchObject({ pending: 0, error: null, notice: 'notice' });
    s.edit(patch(8)); // this tab's next edit: the notice has been read
    expect(s.getStatus().notice).toBeNull();
  });

  it('another refusal drops the queue but says how many changes were not saved', async () => {
    const { api } = fakeApi([new ApiError('INVALID_INPUT', 'img.png: label 9 is not a class of the dataset')]);
    const s = sync(api);
    s.edit(patch(1));
    s.edit(patch(2));
    await s.idle();
    expect(s.takeUnsent()).toEqual({
      edits: [],
      steps: 0,
      refused: { changes: 2, message: 'img.png: label 9 is not a class of the dataset' },
    });
  });
});

describe('rebaseEdits', () => {
  it("keeps exactly the pixels each edit changed, on the fresh map, and leaves the other tab's pixels", () => {
    // A 4x2 map: the other tab painted 5 at (0,0) and (3,1); this tab's edit painted 3 on (1,0) and (2,0).
    const fresh = new Uint8Array([5, 0, 0, 0, 0, 0, 0, 5]);
    const edit: MaskPatch = { x: 0, y: 0, w: 4, h: 2, before: new Uint8Array(8), after: new Uint8Array([0, 3, 3, 0, 0, 0, 0, 0]) };
    const out = rebaseEdits(fresh, 4, [edit]);
    expect([...fresh]).toEqual([5, 3, 3, 0, 0, 0, 0, 5]);
    expect(out).toHaveLength(1);
    expect([...out[0]!.before]).toEqual([5, 0, 0, 0, 0, 0, 0, 5]);
    expect([...out[0]!.after]).toEqual([5, 3, 3, 0, 0, 0, 0, 5]);
    // Applied again, it changes nothing: left out.
    expect(rebaseEdits(fresh, 4, [edit])).toEqual([]);
  });

  it('where both tabs painted a pixel, this tab (the later) wins', () => {
    const fresh = new Uint8Array([7, 7]);
    const edit: MaskPatch = { x: 0, y: 0, w: 2, h: 1, before: new Uint8Array([0, 0]), after: new Uint8Array([2, 0]) };
    rebaseEdits(fresh, 2, [edit]);
    expect([...fresh]).toEqual([2, 7]);
  });
});

describe('reloadNotice', () => {
  it('says what happened to the unsaved changes, or nothing when there were none', () => {
    expect(reloadNotice(0, 0, 0, null)).toBeNull();
    expect(reloadNotice(1, 1, 0, null)).toBe(
      'Another window or tab changed this image first: your 1 edit was applied again on top of its change.',
    );
    expect(reloadNotice(3, 2, 1, null)).toBe(
      'Another window or tab changed this image first: of your 3 edits, 2 were applied again on top of its change (the others change nothing there now); 1 undo or redo of saved edits was not replayed.',
    );
    expect(reloadNotice(0, 0, 0, { changes: 2, message: 'bad label' })).toBe('2 unsaved changes could not be saved: bad label');
    expect(reloadNotice(0, 0, 1, null)).toBe(
      'Another window or tab changed this image first: your 1 undo or redo was not done, so as not to step its edit instead of yours; nothing was changed.',
    );
  });
});
