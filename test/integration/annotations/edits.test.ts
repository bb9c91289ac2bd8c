import { deflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { crop, deflated, expectError, labelMap, openScene, pasted, versionRows, type Scene } from './helpers';
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

describe('annotations.applyEdit', () => {
  it('paints a box as new versions of exactly the classes that changed, and keeps the imported version', async () => {
    const s = await scene();
    const imageId = s.imageIds[0] as number;
    const state = await s.client.call('annotations.get', { imageId });
    expect(state).toMatchObject({ revision: 0, canUndo: false, canRedo: false, labelMap: { kind: 'labelmap', imageId, source: 'gt' } });
    // Regions as imported: class 1 (the rectangle) and 255 (one ignore pixel); background is implicit.
    expect(state.regions.map((r) => [r.classIdx, r.version, r.source])).toEqual([
      [1, 1, 'import'],
      [255, 1, 'import'],
    ]);

    // A 10x4 box straddling the rectangle's right edge (x = 31 | 32): paint it all class 1.
    const box = { x: 26, y: 10, w: 10, h: 4 };
    const before = crop(s.labels[0] as Uint8Array, s.width, box);
    const after = before.map(() => 1);
    const changes: string[][] = [];
    const off = s.client.on('data.changed', (e) => changes.push(e.topics));
    const res = await s.client.call('annotations.applyEdit', { imageId, baseRevision: 0, patch: { ...box, before, after } });
    off();
    expect(res).toEqual({ imageId, revision: 1, canUndo: true, canRedo: false, box, editId: expect.any(Number) });
    expect(changes).toContainEqual(['annotations', 'images']);

    const expected = pasted(s.labels[0] as Uint8Array, s.width, box, after);
    expect(Buffer.from(await labelMap(s.engine, imageId)).equals(Buffer.from(expected))).toBe(true);
    // Class 1 got version 2 (source edit); the ignore region did not change; version 1 is still there.
    const rows = versionRows(s.engine, imageId);
    expect(rows.map((r) => [r.class_idx, r.version, r.source])).toEqual([
      [1, 1, 'import'],
      [1, 2, 'edit'],
      [255, 1, 'import'],
    ]);
    expect(rows[1]?.area).toBe(expected.filter((v) => v === 1).length);
    expect(engineInternals(s.engine).db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('creates a new region for a class the image did not have, and marks a class erased to nothing as deleted', async () => {
    const s = await scene();
    const imageId = s.imageIds[0] as number;
    const box = { x: 40, y: 5, w: 6, h: 6 };
    const after = crop(s.labels[0] as Uint8Array, s.width, box).map(() => 7);
    const r1 = await s.client.call('annotations.applyEdit', {
      imageId,
      baseRevision: 0,
      patch: { ...box, before: crop(s.labels[0] as Uint8Array, s.width, box), after },
    });
    const seven = versionRows(s.engine, imageId).filter((r) => r.class_idx === 7);
    expect(seven).toEqual([expect.objectContaining({ version: 1, source: 'edit', deleted: 0, area: 36 })]);

    // Erase the ignore pixel at (0,0): its region's new version is empty and marked deleted.
    const r2 = await s.client.call('annotations.applyEdit', {
      imageId,
      baseRevision: r1.revision,
      patch: { x: 0, y: 0, w: 1, h: 1, before: [255], after: [0] },
    });
    expect(r2.revision).toBe(2);
    const ignore = versionRows(s.engine, imageId).filter((r) => r.class_idx === 255);
    expect(ignore.map((r) => [r.version, r.deleted, r.area])).toEqual([
      [1, 0, 1],
      [2, 1, 0],
    ]);
    const map = await labelMap(s.engine, imageId);
    expect(map[0]).toBe(0);
    expect(map[5 * s.width + 40]).toBe(7);
    const state = await s.client.call('annotations.get', { imageId });
    expect(state.regions.find((r) => r.classIdx === 255)).toMatchObject({ deleted: true, versions: 2 });
  });

  it('accepts the patch as numbers, base64 and deflated base64', async () => {
    const s = await scene();
    const imageId = s.imageIds[1] as number;
    const box = { x: 50, y: 40, w: 4, h: 2 };
    const before = crop(s.labels[1] as Uint8Array, s.width, box);
    const r1 = await s.client.call('annotations.applyEdit', {
      imageId,
      baseRevision: 0,
      patch: { ...box, before: deflated(before), after: deflated([2, 2, 2, 2, 2, 2, 2, 2]) },
    });
    const r2 = await s.client.call('annotations.applyEdit', {
      imageId,
      baseRevision: r1.revision,
      patch: { ...box, before: Buffer.from([2, 2, 2, 2, 2, 2, 2, 2]).toString('base64'), after: [3, 3, 3, 3, 0, 0, 0, 0] },
    });
    expect(r2.revision).toBe(2);
    expect(crop(await labelMap(s.engine, imageId), s.width, box)).toEqual([3, 3, 3, 3, 0, 0, 0, 0]);
  });

  it('refuses a stale revision or stale pixels with CONFLICT and writes nothing', async () => {
    const s = await scene();
    const imageId = s.imageIds[0] as number;
    const box = { x: 0, y: 0, w: 2, h: 2 };
    await s.client.call('annotations.applyEdit', {
      imageId,
      baseRevision: 0,
      patch: { ...box, before: [255, 0, 0, 0], after: [4, 4, 4, 4] },
    });
    const rowsBefore = versionRows(s.engine);
    const mapBefore = await labelMap(s.engine, imageId);
    await expectError(
      s.client.call('annotations.applyEdit', { imageId, baseRevision: 0, patch: { ...box, before: [4, 4, 4, 4], after: [5, 5, 5, 5] } }),
      'CONFLICT',
      /img_000\.png: the label map is at revision 1, the edit was made on revision 0/,
    );
    await expectError(
      s.client.call('annotations.applyEdit', { imageId, baseRevision: 1, patch: { ...box, before: [255, 0, 0, 0], after: [5, 5, 5, 5] } }),
      'CONFLICT',
      /img_000\.png: edit: the label map in box 2x2\+0\+0 has changed since it was read/,
    );
    expect(versionRows(s.engine)).toEqual(rowsBefore);
    expect(Buffer.from(await labelMap(s.engine, imageId)).equals(Buffer.from(mapBefore))).toBe(true);
    expect((await s.client.call('annotations.get', { imageId })).revision).toBe(1);
    expect(engineInternals(s.engine).db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('refuses a box outside the image, a wrong byte count and an unknown image with clear messages', async () => {
    const s = await scene();
    const imageId = s.imageIds[0] as number;
    await expectError(
      s.client.call('annotations.applyEdit', {
        imageId,
        baseRevision: 0,
        patch: { x: 60, y: 0, w: 5, h: 1, before: [0, 0, 0, 0, 0], after: [1, 1, 1, 1, 1] },
      }),
      'INVALID_INPUT',
      /img_000\.png: edit box 5x1\+60\+0 reaches outside the image \(64x48\)/,
    );
    await expectError(
      s.client.call('annotations.applyEdit', {
        imageId,
        baseRevision: 0,
        patch: { x: 10, y: 0, w: 2, h: 2, before: [0, 0, 0], after: [1, 1, 1, 1] },
      }),
      'INVALID_INPUT',
      /img_000\.png: patch\.before: 3 bytes, expected 4/,
    );
    await expectError(
      s.client.call('annotations.applyEdit', {
        imageId,
        baseRevision: 0,
        patch: { x: 10, y: 0, w: 1, h: 1, before: [0], after: deflated([1, 1, 1]) },
      }),
      'INVALID_INPUT',
      /img_000\.png: patch\.after: more than 1 bytes, expected 1/,
    );
    await expectError(s.client.call('annotations.get', { imageId: 999 }), 'NOT_FOUND', /image 999 not found/);
    expect(versionRows(s.engine).every((r) => r.source === 'import')).toBe(true);
  });

  it('refuses a label that is not a class of the dataset, writing nothing (it was stored, then failed every score)', async () => {
    const s = await scene();
    const imageId = s.imageIds[0] as number;
    const rowsBefore = versionRows(s.engine);
    const classes = (await s.client.call('classes.list', { datasetId: s.datasetId })).map((c) => c.index);
    for (const value of [200, Math.max(...classes) + 1]) {
      await expectError(
        s.client.call('annotations.applyEdit', {
          imageId,
          baseRevision: 0,
          patch: { x: 0, y: 40, w: 2, h: 1, before: [0, 0], after: [1, value] },
        }),
        'INVALID_INPUT',
        new RegExp(
          `^img_000\\.png: the edit paints label ${value}, which is not a class here: the dataset's classes are ${classes.join(', ')} \\(255 is ignore\\)$`,
        ),
      );
    }
    expect(versionRows(s.engine)).toEqual(rowsBefore);
    expect((await s.client.call('annotations.get', { imageId })).revision).toBe(0);
    // Ignore (255) and the classes themselves are painted as before.
    await s.client.call('annotations.applyEdit', {
      imageId,
      baseRevision: 0,
      patch: { x: 0, y: 40, w: 2, h: 1, before: [0, 0], after: [255, 1] },
    });
  });

  it('stops inflating a deflated patch once it is longer than the box (a deflate bomb used to be inflated to its end)', async () => {
    const s = await scene();
    const imageId = s.imageIds[0] as number;
    // 200 kB of zeros in stored blocks, the second block's header made invalid: inflating it to the end
    // fails on that header; stopping past the box's one byte never reaches it.
    const stored = deflateSync(Buffer.alloc(200_000), { level: 0 });
    stored[2 + 5 + 65_535] = 0b110;
    await expectError(
      s.client.call('annotations.applyEdit', {
        imageId,
        baseRevision: 0,
        patch: { x: 10, y: 0, w: 1, h: 1, before: [0], after: { deflate: stored.toString('base64') } },
      }),
      'INVALID_INPUT',
      /^img_000\.png: patch\.after: more than 1 bytes, expected 1/,
    );
  });

  it('does nothing for an edit that changes no pixel', async () => {
    const s = await scene();
    const imageId = s.imageIds[0] as number;
    const res = await s.client.call('annotations.applyEdit', {
      imageId,
      baseRevision: 0,
      patch: { x: 5, y: 5, w: 1, h: 1, before: [1], after: [1] },
    });
    expect(res).toEqual({ imageId, revision: 0, canUndo: false, canRedo: false, box: null, editId: null });
    expect(versionRows(s.engine).every((r) => r.version === 1)).toBe(true);
  });
});

describe('samples.setQuery', () => {
  it('edits the query of a reasoning sample and keeps the imported wording in queries', async () => {
    const s = await scene();
    const imageId = s.imageIds[2] as number;
    const sampleId = engineInternals(s.engine).repos.images.createSample(
      imageId,
      'the thing on the left',
      ['the thing on the left', 'the left object'],
      true,
    );
    const res = await s.client.call('samples.setQuery', { sampleId, query: '  the grey square  ' });
    expect(res).toEqual({ sampleId, query: 'the grey square', queries: ['the thing on the left', 'the left object'] });
    const single = engineInternals(s.engine).repos.images.createSample(imageId, 'a cat');
    expect(await s.client.call('samples.setQuery', { sampleId: single, query: 'a dog' })).toEqual({
      sampleId: single,
      query: 'a dog',
      queries: ['a cat'],
    });
    const state = await s.client.call('annotations.get', { imageId });
    expect(state.querySamples).toEqual([
      { sampleId, query: 'the grey square', queries: ['the thing on the left', 'the left object'] },
      { sampleId: single, query: 'a dog', queries: ['a cat'] },
    ]);
    const semantic = engineInternals(s.engine).repos.images.semanticSampleId(imageId) as number;
    await expectError(
      s.client.call('samples.setQuery', { sampleId: semantic, query: 'x' }),
      'INVALID_INPUT',
      /is the label map of its image, not a text-query sample/,
    );
    await expectError(s.client.call('samples.setQuery', { sampleId: 9999, query: 'x' }), 'NOT_FOUND', /sample 9999 not found/);
    await expectError(s.client.call('samples.setQuery', { sampleId, query: '   ' }), 'INVALID_INPUT', /samples\.setQuery/);
    // Probe AA F5: a lone surrogate was echoed back while the store kept bytes that read as three U+FFFD.
    await expectError(
      s.client.call('samples.setQuery', { sampleId, query: 'lone \ud800 surrogate' }),
      'INVALID_INPUT',
      /^samples\.setQuery: text at query holds a lone UTF-16 surrogate \(\\ud800\)/,
    );
    expect((await s.client.call('annotations.get', { imageId })).querySamples[0]?.query).toBe('the grey square');
  });
});
