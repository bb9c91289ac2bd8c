import { afterEach, describe, expect, it } from 'vitest';
import { labelMapToRles } from '../../../src/main/engine/masks';
import { crop, deflated, expectError, labelMap, openScene, pasted, type Scene } from './helpers';
import { engineInternals } from '../../../src/main/engine/internals';

const scenes: Scene[] = [];
afterEach(async () => {
  for (const s of scenes.splice(0)) await s.cleanup();
});

/** A referring query on the image whose mask is the rectangle x 4..11, y 4..9 (value 1). */
function addQuery(s: Scene, imageId: number, query: string): { sampleId: number; mask: Uint8Array } {
  const mask = new Uint8Array(s.width * s.height);
  for (let y = 4; y < 10; y++) for (let x = 4; x < 12; x++) mask[y * s.width + x] = 1;
  const sampleId = engineInternals(s.engine).repos.images.createSample(imageId, query);
  for (const r of labelMapToRles(mask, s.height, s.width).filter((r) => r.classIdx !== 0))
    engineInternals(s.engine).repos.annotations.create({ sampleId, classIdx: r.classIdx, rle: r.rle, area: r.area, bbox: [4, 4, 8, 6] });
  return { sampleId, mask };
}

async function queryMask(s: Scene, imageId: number, sampleId: number): Promise<Uint8Array> {
  return (await s.engine.blobs.read({ kind: 'labelmap', imageId, source: 'gt', sampleId })).bytes;
}

/** Versions of the sample's regions, oldest first (read with SQL here, not through the engine's repo). */
function sampleVersions(s: Scene, sampleId: number): Array<[number, number, string]> {
  return (
    engineInternals(s.engine)
      .db.prepare(
        `SELECT a.class_idx, v.version, v.source FROM annotation_versions v JOIN annotations a ON a.id = v.annotation_id
         WHERE a.sample_id = ? ORDER BY a.id, v.version`,
      )
      .all(sampleId) as Array<{ class_idx: number; version: number; source: string }>
  ).map((r) => [r.class_idx, r.version, r.source]);
}

describe('editing a referring query mask', () => {
  it('paints the sample mask as new versions, with its own undo/redo, and leaves the label map alone', async () => {
    const s = await openScene();
    scenes.push(s);
    const imageId = s.imageIds[0] as number;
    const { sampleId, mask } = addQuery(s, imageId, 'the small box');
    const state = await s.client.call('annotations.get', { imageId, sampleId });
    expect(state).toMatchObject({
      sampleId,
      query: 'the small box',
      revision: 0,
      canUndo: false,
      labelMap: { kind: 'labelmap', imageId, source: 'gt', sampleId },
    });
    expect(state.regions.map((r) => [r.classIdx, r.version, r.area])).toEqual([[1, 1, 48]]);
    const semanticBefore = await labelMap(s.engine, imageId);

    // Grow the mask 4 px to the right: one versioned edit of the query's region.
    const box = { x: 12, y: 4, w: 4, h: 6 };
    const after = crop(mask, s.width, box).map(() => 1);
    const res = await s.client.call('annotations.applyEdit', {
      imageId,
      sampleId,
      baseRevision: 0,
      patch: { ...box, before: deflated(crop(mask, s.width, box)), after: deflated(after) },
    });
    expect(res).toEqual({ imageId, revision: 1, canUndo: true, canRedo: false, box, editId: expect.any(Number) });
    const grown = pasted(mask, s.width, box, after);
    expect(Buffer.from(await queryMask(s, imageId, sampleId)).equals(Buffer.from(grown))).toBe(true);
    expect(sampleVersions(s, sampleId)).toEqual([
      [1, 1, 'import'],
      [1, 2, 'edit'],
    ]);
    expect(Buffer.from(await labelMap(s.engine, imageId)).equals(Buffer.from(semanticBefore))).toBe(true);

    // An edit of the image's label map after it: undo of the query undoes the query's edit, not that one.
    const sBox = { x: 40, y: 40, w: 2, h: 2 };
    await s.client.call('annotations.applyEdit', {
      imageId,
      baseRevision: 1,
      patch: { ...sBox, before: crop(semanticBefore, s.width, sBox), after: [3, 3, 3, 3] },
    });
    expect(await s.client.call('annotations.get', { imageId })).toMatchObject({ sampleId: expect.any(Number), query: null, canUndo: true });
    const undone = await s.client.call('annotations.undo', { imageId, sampleId });
    expect(undone).toEqual({ imageId, revision: 3, canUndo: false, canRedo: true, box, editId: res.editId });
    expect(Buffer.from(await queryMask(s, imageId, sampleId)).equals(Buffer.from(mask))).toBe(true);
    expect(crop(await labelMap(s.engine, imageId), s.width, sBox)).toEqual([3, 3, 3, 3]);
    const redone = await s.client.call('annotations.redo', { imageId, sampleId });
    expect(redone).toEqual({ imageId, revision: 4, canUndo: true, canRedo: false, box, editId: res.editId });
    expect(Buffer.from(await queryMask(s, imageId, sampleId)).equals(Buffer.from(grown))).toBe(true);
    expect(sampleVersions(s, sampleId).map((v) => v[1])).toEqual([1, 2, 3, 4]);
    // The label map's own history is untouched: its undo still reverts its edit.
    await s.client.call('annotations.undo', { imageId });
    expect(crop(await labelMap(s.engine, imageId), s.width, sBox)).toEqual(crop(semanticBefore, s.width, sBox));
    expect(engineInternals(s.engine).db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it("refuses a value a query's mask cannot hold", async () => {
    const s = await openScene();
    scenes.push(s);
    const imageId = s.imageIds[0] as number;
    const { sampleId } = addQuery(s, imageId, 'the small box');
    await expectError(
      s.client.call('annotations.applyEdit', {
        imageId,
        sampleId,
        baseRevision: 0,
        patch: { x: 0, y: 0, w: 2, h: 1, before: [0, 0], after: [1, 7] },
      }),
      'INVALID_INPUT',
      /^img_000\.png: the edit paints label 7, which is not a class here: a query's mask holds 0, 1 and 255 \(ignore\)$/,
    );
    expect(sampleVersions(s, sampleId)).toEqual([[1, 1, 'import']]);
  });

  it('opens an image with only queries on its first query, and refuses a sample of another image', async () => {
    const s = await openScene();
    scenes.push(s);
    const [a, b] = s.imageIds as [number, number];
    // Image a's label map goes: a referring image has only query samples.
    engineInternals(s.engine).db.prepare('DELETE FROM samples WHERE image_id = ? AND query IS NULL').run(a);
    const first = addQuery(s, a, 'left box').sampleId;
    addQuery(s, a, 'the other box');
    const state = await s.client.call('annotations.get', { imageId: a });
    expect(state).toMatchObject({ sampleId: first, query: 'left box', labelMap: { sampleId: first } });
    expect(state.querySamples.map((q) => q.query)).toEqual(['left box', 'the other box']);
    const other = addQuery(s, b, 'elsewhere').sampleId;
    const versions = engineInternals(s.engine).db.prepare('SELECT COUNT(*) AS n FROM annotation_versions').get();
    await expectError(s.client.call('annotations.get', { imageId: a, sampleId: other }), 'NOT_FOUND', /is not a sample of image/);
    await expectError(
      s.client.call('annotations.applyEdit', {
        imageId: a,
        sampleId: other,
        baseRevision: 0,
        patch: { x: 0, y: 0, w: 1, h: 1, before: [0], after: [1] },
      }),
      'NOT_FOUND',
      new RegExp(`sample ${other} is not a sample of image ${a}`),
    );
    expect(engineInternals(s.engine).db.prepare('SELECT COUNT(*) AS n FROM annotation_versions').get()).toEqual(versions);
  });
});
