import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/shared';
import type { AnnotationRevision } from '../../../src/shared/api/methods/annotations';
import { EditSync, type EditApi } from '../../../src/renderer/features/annotate/editSync';
import { toWirePatch } from '../../../src/renderer/features/annotate/patchWire';
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
