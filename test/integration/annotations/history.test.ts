import { afterEach, describe, expect, it } from 'vitest';
import { methods } from '../../../src/shared';
import { openTestEngine } from '../../helpers/engine';
import { annotationHandlers } from '../../../src/main/engine/annotations/handlers';
import { crop, expectError, labelMap, openScene, pasted, versionRows, type Scene } from './helpers';
import { engineInternals } from '../../../src/main/engine/internals';

const scenes: Scene[] = [];
afterEach(async () => {
  for (const s of scenes.splice(0)) await s.cleanup();
});
async function scene(): Promise<Scene> {
  const s = await openScene();
  scenes.push(s);
  return s;
}

/** Paints box `box` all `value` on the current map; returns the expected map after it. */
async function paint(s: Scene, imageId: number, box: { x: number; y: number; w: number; h: number }, value: number): Promise<Uint8Array> {
  const current = await labelMap(s.engine, imageId);
  const { revision } = await s.client.call('annotations.get', { imageId });
  const before = crop(current, s.width, box);
  const after = before.map(() => value);
  await s.client.call('annotations.applyEdit', { imageId, baseRevision: revision, patch: { ...box, before, after } });
  return pasted(current, s.width, box, after);
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

describe('annotations.undo / annotations.redo', () => {
  it('walks back and forth through the edits, each step a new version, the imported one kept', async () => {
    const s = await scene();
    const imageId = s.imageIds[0] as number;
    const imported = await labelMap(s.engine, imageId);
    const m1 = await paint(s, imageId, { x: 30, y: 10, w: 8, h: 8 }, 1);
    const m2 = await paint(s, imageId, { x: 34, y: 14, w: 8, h: 8 }, 2);
    const m3 = await paint(s, imageId, { x: 0, y: 0, w: 5, h: 5 }, 0);
    expect(same(await labelMap(s.engine, imageId), m3)).toBe(true);

    const u1 = await s.client.call('annotations.undo', { imageId });
    expect(u1).toMatchObject({ revision: 4, canUndo: true, canRedo: true, box: { x: 0, y: 0, w: 5, h: 5 } });
    expect(same(await labelMap(s.engine, imageId), m2)).toBe(true);
    await s.client.call('annotations.undo', { imageId });
    expect(same(await labelMap(s.engine, imageId), m1)).toBe(true);
    const r1 = await s.client.call('annotations.redo', { imageId });
    expect(r1.box).toEqual({ x: 34, y: 14, w: 8, h: 8 });
    expect(same(await labelMap(s.engine, imageId), m2)).toBe(true);
    await s.client.call('annotations.undo', { imageId });
    const u3 = await s.client.call('annotations.undo', { imageId });
    expect(u3).toMatchObject({ canUndo: false, canRedo: true });
    expect(same(await labelMap(s.engine, imageId), imported)).toBe(true);
    // Nothing left to undo: no change, no new revision.
    const none = await s.client.call('annotations.undo', { imageId });
    expect(none).toMatchObject({ revision: u3.revision, box: null, canUndo: false });

    // Every step wrote versions; version 1 (import) is still the first of class 1.
    const rows = versionRows(s.engine, imageId).filter((r) => r.class_idx === 1);
    expect(rows[0]).toMatchObject({ version: 1, source: 'import' });
    expect(rows.length).toBeGreaterThan(4);
    expect(rows.slice(1).every((r) => r.source === 'edit')).toBe(true);
  });

  it('drops the redo branch when a new edit is made after an undo', async () => {
    const s = await scene();
    const imageId = s.imageIds[1] as number;
    await paint(s, imageId, { x: 40, y: 2, w: 4, h: 4 }, 3);
    await paint(s, imageId, { x: 50, y: 2, w: 4, h: 4 }, 3);
    await s.client.call('annotations.undo', { imageId });
    expect((await s.client.call('annotations.get', { imageId })).canRedo).toBe(true);
    const m = await paint(s, imageId, { x: 40, y: 30, w: 4, h: 4 }, 1);
    const state = await s.client.call('annotations.get', { imageId });
    expect(state).toMatchObject({ canUndo: true, canRedo: false });
    const redo = await s.client.call('annotations.redo', { imageId });
    expect(redo.box).toBeNull();
    expect(same(await labelMap(s.engine, imageId), m)).toBe(true);
  });

  it("does not undo or redo another window's edit unseen: a step on an older revision is refused and writes nothing", async () => {
    // Two tabs on one image: A painted (revision 1), then B painted on what it saw (revision 2).
    // A's Ctrl+Z is sent on the revision A shows (1): B's stroke must not vanish from under B.
    const s = await scene();
    const imageId = s.imageIds[0] as number;
    const byA = await paint(s, imageId, { x: 30, y: 10, w: 8, h: 8 }, 1);
    const byB = await paint(s, imageId, { x: 2, y: 2, w: 6, h: 6 }, 2);
    expect(same(byA, byB)).toBe(false);
    const rowsBefore = versionRows(s.engine, imageId);
    await expectError(
      s.client.call('annotations.undo', { imageId, baseRevision: 1 }),
      'CONFLICT',
      /the label map is at revision 2 but the undo was asked on revision 1 \(another window or tab edited it since; nothing was undone or redone\); reload it/,
    );
    expect(same(await labelMap(s.engine, imageId), byB)).toBe(true);
    expect(versionRows(s.engine, imageId)).toEqual(rowsBefore);
    expect(await s.client.call('annotations.get', { imageId })).toMatchObject({ revision: 2, canUndo: true, canRedo: false });

    // A reloads (revision 2, B's stroke on screen): its undo now takes back the newest edit, B's, as seen.
    const undone = await s.client.call('annotations.undo', { imageId, baseRevision: 2 });
    expect(undone).toMatchObject({ revision: 3, box: { x: 2, y: 2, w: 6, h: 6 }, canRedo: true });
    expect(same(await labelMap(s.engine, imageId), byA)).toBe(true);
    // B, still on revision 2, cannot redo it unseen either; on revision 3 it can.
    await expectError(s.client.call('annotations.redo', { imageId, baseRevision: 2 }), 'CONFLICT', /the redo was asked on revision 2/);
    expect(same(await labelMap(s.engine, imageId), byA)).toBe(true);
    const redone = await s.client.call('annotations.redo', { imageId, baseRevision: 3 });
    expect(redone).toMatchObject({ revision: 4, box: { x: 2, y: 2, w: 6, h: 6 } });
    expect(same(await labelMap(s.engine, imageId), byB)).toBe(true);
  });

  it('with editId, steps exactly that edit or refuses: a tab never undoes the newer edit of another window in place of its own', async () => {
    const s = await scene();
    const imageId = s.imageIds[0] as number;
    const before = await labelMap(s.engine, imageId);
    const boxA = { x: 30, y: 10, w: 8, h: 8 };
    const a = await s.client.call('annotations.applyEdit', {
      imageId,
      baseRevision: 0,
      patch: { ...boxA, before: crop(before, s.width, boxA), after: crop(before, s.width, boxA).map(() => 1) },
    });
    expect(a).toMatchObject({ revision: 1, box: boxA, editId: expect.any(Number) });
    const byA = await labelMap(s.engine, imageId);
    const boxB = { x: 2, y: 2, w: 6, h: 6 };
    const b = await s.client.call('annotations.applyEdit', {
      imageId,
      baseRevision: 1,
      patch: { ...boxB, before: crop(byA, s.width, boxB), after: crop(byA, s.width, boxB).map(() => 2) },
    });
    const bId = b.editId as number;
    expect(bId).not.toBe(a.editId);
    const byB = await labelMap(s.engine, imageId);
    const rowsBefore = versionRows(s.engine, imageId);
    // A, having seen B's edit (revision 2), asks to undo its own: B's is the newest, so nothing happens.
    await expectError(
      s.client.call('annotations.undo', { imageId, baseRevision: 2, editId: a.editId as number }),
      'CONFLICT',
      new RegExp(
        `the undo was asked for edit ${a.editId}, but the image's newest edit not undone is edit ${bId} \\(another window or tab made or stepped it\\); nothing was undone or redone`,
      ),
    );
    expect(same(await labelMap(s.engine, imageId), byB)).toBe(true);
    expect(versionRows(s.engine, imageId)).toEqual(rowsBefore);
    // B undoes its own (by id), then A its own: each the one it named, the same id as the edit's.
    expect(await s.client.call('annotations.undo', { imageId, baseRevision: 2, editId: bId })).toMatchObject({ revision: 3, editId: bId });
    expect(same(await labelMap(s.engine, imageId), byA)).toBe(true);
    expect(await s.client.call('annotations.undo', { imageId, baseRevision: 3, editId: a.editId as number })).toMatchObject({
      revision: 4,
      editId: a.editId,
      box: boxA,
    });
    expect(same(await labelMap(s.engine, imageId), before)).toBe(true);
    // Redo names its edit too: the oldest undone is A's, so B's redo is refused and A's goes.
    await expectError(
      s.client.call('annotations.redo', { imageId, baseRevision: 4, editId: bId }),
      'CONFLICT',
      new RegExp(`the redo was asked for edit ${bId}, but the image's oldest undone edit is edit ${a.editId} `),
    );
    expect(await s.client.call('annotations.redo', { imageId, baseRevision: 4, editId: a.editId as number })).toMatchObject({
      revision: 5,
      editId: a.editId,
    });
    expect(same(await labelMap(s.engine, imageId), byA)).toBe(true);
    // Nothing to step: an editId is refused rather than answered with "nothing changed".
    await s.client.call('annotations.undo', { imageId, editId: a.editId as number });
    await expectError(s.client.call('annotations.undo', { imageId, editId: a.editId as number }), 'CONFLICT', /there is no edit to undo/);
  });

  it('keeps the history across a restart: edits, then close the engine, reopen and undo', async () => {
    const s = await scene();
    const imageId = s.imageIds[0] as number;
    const imported = await labelMap(s.engine, imageId);
    const m1 = await paint(s, imageId, { x: 20, y: 20, w: 10, h: 3 }, 2);
    await paint(s, imageId, { x: 22, y: 21, w: 2, h: 10 }, 5);
    await s.engine.close();
    const reopened = openTestEngine(s.workspace);
    try {
      const state = await reopened.client.call('annotations.get', { imageId });
      expect(state).toMatchObject({ revision: 2, canUndo: true, canRedo: false });
      await reopened.client.call('annotations.undo', { imageId });
      expect(same((await reopened.engine.blobs.read({ kind: 'labelmap', imageId, source: 'gt' })).bytes, m1)).toBe(true);
      await reopened.client.call('annotations.undo', { imageId });
      expect(same((await reopened.engine.blobs.read({ kind: 'labelmap', imageId, source: 'gt' })).bytes, imported)).toBe(true);
    } finally {
      await reopened.engine.close();
      s.engine = reopened.engine; // closed; cleanup only removes the folder
      await s.cleanup().catch(() => undefined);
    }
  });

  it('keeps the history within its byte budget: the oldest edits of the workspace go first, the newest always stays', async () => {
    const s = await scene();
    const handlers = annotationHandlers(engineInternals(s.engine), { historyBudgetBytes: 80 });
    const apply = (input: unknown) => handlers['annotations.applyEdit'](methods['annotations.applyEdit'].input.parse(input));
    const [a, b] = s.imageIds as [number, number];
    const ops: Array<[number, number]> = [
      [a, 10],
      [b, 20],
      [a, 30],
      [b, 40],
      [a, 50],
    ];
    for (const [imageId, x] of ops) {
      const current = await labelMap(s.engine, imageId);
      const { revision } = await s.client.call('annotations.get', { imageId });
      const box = { x, y: 0, w: 8, h: 8 };
      // Each stored patch (before + after, deflated) is about 28 bytes, so 80 bytes hold two of the five.
      const after = crop(current, s.width, box).map((_, i) => (i * 7 + x) % 5);
      await apply({ imageId, baseRevision: revision, patch: { ...box, before: crop(current, s.width, box), after } });
    }
    const rows = engineInternals(s.engine).db.prepare('SELECT image_id, x, bytes FROM annotation_edits ORDER BY id').all() as Array<{
      image_id: number;
      x: number;
      bytes: number;
    }>;
    const total = rows.reduce((n, r) => n + r.bytes, 0);
    expect(total).toBeLessThanOrEqual(80);
    expect(rows.at(-1)).toMatchObject({ image_id: a, x: 50 });
    expect(rows.length).toBeLessThan(ops.length);
    // What was dropped is the oldest; the survivors are a suffix of the edits made.
    expect(rows.map((r) => r.x)).toEqual(ops.slice(ops.length - rows.length).map((o) => o[1]));
    // A single edit larger than the budget is still kept (the newest can always be undone).
    const tiny = annotationHandlers(engineInternals(s.engine), { historyBudgetBytes: 1 });
    const current = await labelMap(s.engine, b);
    const { revision } = await s.client.call('annotations.get', { imageId: b });
    const box = { x: 0, y: 40, w: 16, h: 8 };
    await tiny['annotations.applyEdit'](
      methods['annotations.applyEdit'].input.parse({
        imageId: b,
        baseRevision: revision,
        patch: { ...box, before: crop(current, s.width, box), after: crop(current, s.width, box).map((_, i) => i % 3) },
      }),
    );
    expect((engineInternals(s.engine).db.prepare('SELECT COUNT(*) AS n FROM annotation_edits').get() as { n: number }).n).toBe(1);
    expect((await s.client.call('annotations.undo', { imageId: b })).box).toEqual(box);
    // Versions are never dropped with the history: the imported ones are all still there.
    expect(versionRows(s.engine).filter((r) => r.version === 1 && r.source === 'import')).toHaveLength(6);
  });
});
