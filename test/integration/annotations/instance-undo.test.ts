// Undo on instance (COCO) ground truth puts back the very instances an edit changed. It used to write the
// edit's label-map pixels back, and a pixel that regains class c goes to the newest live region of c: an
// erased instance's pixels went to another instance of its class (ids, iscrowd and the export's
// instances lost), although the label map looked right.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ImportResult } from '../../../src/shared';
import { ExportResult } from '../../../src/shared/api/methods/exports';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir, writeSolidImage } from '../../helpers/fixtures';
import { engineInternals } from '../../../src/main/engine/internals';
import type { Engine } from '../../../src/main/engine/engine';
import type { TesseraClient } from '../../../src/shared';
import { crop, labelMap } from './helpers';

const W = 40;
const H = 30;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Column-major uncompressed COCO counts of a rectangle (x0..x1-1, y0..y1-1) on a W x H image. */
function rectCounts(x0: number, y0: number, x1: number, y1: number): number[] {
  const flat: number[] = [];
  for (let x = 0; x < W; x++) for (let y = 0; y < H; y++) flat.push(x >= x0 && x < x1 && y >= y0 && y < y1 ? 1 : 0);
  const counts: number[] = [];
  let value = 0;
  let run = 0;
  for (const v of flat) {
    if (v === value) run++;
    else {
      counts.push(run);
      value = v;
      run = 1;
    }
  }
  counts.push(run);
  return counts;
}

const rect = (x0: number, y0: number, x1: number, y1: number): number[][] => [[x0, y0, x1, y0, x1, y1, x0, y1]];

interface Opened {
  root: string;
  workspace: string;
  engine: Engine;
  client: TesseraClient;
  datasetId: number;
  imageId: number;
}

/** Instances 11 and 12 (person), 13 (person, iscrowd), 14 (dog). */
const INSTANCES = [
  { id: 11, image_id: 7, category_id: 1, iscrowd: 0, segmentation: rect(2, 2, 12, 12) },
  { id: 12, image_id: 7, category_id: 1, iscrowd: 0, segmentation: rect(14, 2, 24, 12) },
  { id: 13, image_id: 7, category_id: 1, iscrowd: 1, segmentation: { size: [H, W], counts: rectCounts(2, 18, 24, 26) } },
  { id: 14, image_id: 7, category_id: 18, iscrowd: 0, segmentation: rect(26, 5, 36, 21) },
];

/** One 40x30 image with `annotations` (COCO, painted in order: a later instance covers an earlier one). */
async function openCoco(annotationsOfImage: readonly object[] = INSTANCES): Promise<Opened> {
  const t = tempDir('tessera-instance-undo-');
  const images = join(t.dir, 'images');
  mkdirSync(images);
  await writeSolidImage(join(images, 'a.png'), W, H, [90, 90, 90]);
  const doc = {
    images: [{ id: 7, file_name: 'a.png', width: W, height: H }],
    categories: [
      { id: 1, name: 'person' },
      { id: 18, name: 'dog' },
    ],
    annotations: annotationsOfImage,
  };
  const annotations = join(t.dir, 'instances.json');
  writeFileSync(annotations, JSON.stringify(doc));
  const { engine, client } = openTestEngine(join(t.dir, 'ws'));
  let open = true;
  cleanups.push(t.cleanup, async () => {
    if (open) await engine.close();
    open = false;
  });
  const done = await finishJob(client, () => client.call('datasets.importCoco', { annotations, imagesDir: images }));
  const result = ImportResult.parse(done.result);
  const page = await client.call('images.page', { datasetId: result.datasetId });
  const opened: Opened = {
    root: t.dir,
    workspace: join(t.dir, 'ws'),
    engine,
    client,
    datasetId: result.datasetId,
    imageId: page.items[0]!.id,
  };
  return opened;
}

interface Instance {
  external_id: string;
  class_idx: number;
  iscrowd: number;
  rle: string;
  area: number;
  deleted: number;
}

/** Every region of the image with its current version, by COCO id. */
function instances(engine: Engine, imageId: number): Instance[] {
  return engineInternals(engine)
    .db.prepare(
      `SELECT a.external_id, a.class_idx, a.iscrowd, v.rle, v.area, v.deleted FROM annotations a
       JOIN annotation_versions v ON v.annotation_id = a.id AND v.version = a.current_version
       JOIN samples s ON s.id = a.sample_id WHERE s.image_id = ? ORDER BY a.id`,
    )
    .all(imageId) as Instance[];
}

async function edit(o: Opened, box: { x: number; y: number; w: number; h: number }, value: (before: number) => number): Promise<void> {
  const current = await labelMap(o.engine, o.imageId);
  const { revision } = await o.client.call('annotations.get', { imageId: o.imageId });
  const before = crop(current, W, box);
  await o.client.call('annotations.applyEdit', {
    imageId: o.imageId,
    baseRevision: revision,
    patch: { ...box, before, after: before.map(value) },
  });
}

describe('undo on instance ground truth', () => {
  it('an erased instance comes back as itself, not as pixels of another instance of its class', async () => {
    const o = await openCoco();
    const imported = instances(o.engine, o.imageId);
    expect(imported.map((i) => [i.external_id, i.class_idx, i.iscrowd, i.area])).toEqual([
      ['11', 1, 0, 100],
      ['12', 1, 0, 100],
      ['13', 1, 1, 176],
      ['14', 2, 0, 160],
    ]);
    // Erase instance 11 whole.
    await edit(o, { x: 0, y: 0, w: 13, h: 14 }, () => 0);
    const erased = instances(o.engine, o.imageId);
    expect(erased.find((i) => i.external_id === '11')).toMatchObject({ area: 0, deleted: 1 });
    expect(erased.find((i) => i.external_id === '12')).toEqual(imported[1]);

    await o.client.call('annotations.undo', { imageId: o.imageId });
    expect(instances(o.engine, o.imageId)).toEqual(imported);

    // Redo erases it again, and only it; undo once more brings it back again.
    await o.client.call('annotations.redo', { imageId: o.imageId });
    expect(instances(o.engine, o.imageId)).toEqual(erased);
    await o.client.call('annotations.undo', { imageId: o.imageId });
    expect(instances(o.engine, o.imageId)).toEqual(imported);
  });

  it('an edit across three instances of one class, undone and redone across a restart, keeps each instance exact', async () => {
    const o = await openCoco();
    const imported = instances(o.engine, o.imageId);
    // A band erasing parts of 11, 12 and the crowd 13, then a stroke painting person over background and the dog.
    await edit(o, { x: 8, y: 8, w: 10, h: 14 }, () => 0);
    await edit(o, { x: 20, y: 12, w: 12, h: 8 }, () => 1);
    const edited = instances(o.engine, o.imageId);
    const editedMap = await labelMap(o.engine, o.imageId);
    await o.client.call('annotations.undo', { imageId: o.imageId });
    await o.client.call('annotations.undo', { imageId: o.imageId });
    expect(instances(o.engine, o.imageId)).toEqual(imported);

    // Closed and opened again: the history's record of which versions each edit replaced is in the store.
    await o.engine.close();
    const again = openTestEngine(o.workspace);
    cleanups.push(() => again.engine.close());
    const reopened: Opened = { ...o, engine: again.engine, client: again.client };
    await again.client.call('annotations.redo', { imageId: o.imageId });
    await again.client.call('annotations.redo', { imageId: o.imageId });
    expect(instances(again.engine, o.imageId)).toEqual(edited);
    expect(Buffer.from(await labelMap(again.engine, o.imageId)).equals(Buffer.from(editedMap))).toBe(true);
    await again.client.call('annotations.undo', { imageId: o.imageId });
    await again.client.call('annotations.undo', { imageId: o.imageId });
    expect(instances(reopened.engine, o.imageId)).toEqual(imported);
  });

  it('the COCO export after an erase and its undo lists the imported instances with their ids and iscrowd', async () => {
    const o = await openCoco();
    await edit(o, { x: 0, y: 0, w: 13, h: 14 }, () => 0);
    await edit(o, { x: 0, y: 16, w: 30, h: 12 }, () => 0);
    await o.client.call('annotations.undo', { imageId: o.imageId });
    await o.client.call('annotations.undo', { imageId: o.imageId });
    const out = join(o.root, 'coco');
    const done = await finishJob(o.client, () => o.client.call('datasets.export', { datasetId: o.datasetId, format: 'coco', outDir: out }));
    expect(ExportResult.parse(done.result)).toMatchObject({ images: 1 });
    const doc = JSON.parse(readFileSync(join(out, 'instances.json'), 'utf8')) as {
      annotations: Array<{ id: number; category_id: number; iscrowd: number; area: number }>;
    };
    expect(doc.annotations.map((a) => [a.id, a.category_id, a.iscrowd, a.area])).toEqual([
      [11, 1, 0, 100],
      [12, 1, 0, 100],
      [13, 1, 1, 176],
      [14, 18, 0, 160],
    ]);
  });

  it('over random edits, undos and redos, every undo and redo gives back each instance exactly as it was', async () => {
    const o = await openCoco();
    let seed = 7;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 4294967296;
    };
    const values = [0, 1, 2, 255];
    let state = instances(o.engine, o.imageId);
    const undo: Instance[][] = [];
    const redo: Instance[][] = [];
    for (let step = 0; step < 60; step++) {
      const op = rand();
      if (op < 0.2 && undo.length > 0) {
        await o.client.call('annotations.undo', { imageId: o.imageId });
        redo.push(state);
        state = undo.pop()!;
      } else if (op < 0.3 && redo.length > 0) {
        await o.client.call('annotations.redo', { imageId: o.imageId });
        undo.push(state);
        state = redo.pop()!;
      } else {
        const w = 1 + Math.floor(rand() * 16);
        const h = 1 + Math.floor(rand() * 16);
        const box = { x: Math.floor(rand() * (W - w + 1)), y: Math.floor(rand() * (H - h + 1)), w, h };
        const value = values[Math.floor(rand() * values.length)]!;
        const before = crop(await labelMap(o.engine, o.imageId), W, box);
        const { revision } = await o.client.call('annotations.get', { imageId: o.imageId });
        const after = before.map((v) => (rand() < 0.7 ? value : v));
        const res = await o.client.call('annotations.applyEdit', {
          imageId: o.imageId,
          baseRevision: revision,
          patch: { ...box, before, after },
        });
        if (res.box === null) continue;
        undo.push(state);
        redo.length = 0;
        state = instances(o.engine, o.imageId);
        continue;
      }
      expect(instances(o.engine, o.imageId), `step ${step}`).toEqual(state);
    }
  });

  it('a history row from before schema 15 (no record of versions) is undone by its pixels, as before', async () => {
    const o = await openCoco();
    const imported = await labelMap(o.engine, o.imageId);
    await edit(o, { x: 4, y: 4, w: 20, h: 6 }, () => 2);
    engineInternals(o.engine).db.prepare('UPDATE annotation_edits SET regions = NULL').run();
    await o.client.call('annotations.undo', { imageId: o.imageId });
    expect(Buffer.from(await labelMap(o.engine, o.imageId)).equals(Buffer.from(imported))).toBe(true);
    // The redo records the versions it replaced: the next undo puts them back.
    await o.client.call('annotations.redo', { imageId: o.imageId });
    expect(engineInternals(o.engine).db.prepare('SELECT regions FROM annotation_edits').pluck().get()).not.toBeNull();
  });

  it('an edit leaves the hidden pixels of an instance under another alone where the label does not change', async () => {
    // A person (21) with a cat (22) over a quarter of it: 100 of the person's 400 pixels are hidden.
    const o = await openCoco([
      { id: 21, image_id: 7, category_id: 1, iscrowd: 0, segmentation: rect(2, 2, 22, 22) },
      { id: 22, image_id: 7, category_id: 18, iscrowd: 0, segmentation: rect(12, 12, 32, 27) },
    ]);
    const imported = instances(o.engine, o.imageId);
    expect(imported.map((i) => [i.external_id, i.area])).toEqual([
      ['21', 400],
      ['22', 300],
    ]);
    // A box over the whole cat in which one cat pixel, outside the person, is erased.
    await edit(o, { x: 10, y: 10, w: 24, h: 19 }, () => 0);
    await o.client.call('annotations.undo', { imageId: o.imageId });
    const current = await labelMap(o.engine, o.imageId);
    const box = { x: 10, y: 10, w: 24, h: 19 };
    const before = crop(current, W, box);
    const after = before.slice();
    after[(25 - box.y) * box.w + (30 - box.x)] = 0;
    const { revision } = await o.client.call('annotations.get', { imageId: o.imageId });
    await o.client.call('annotations.applyEdit', { imageId: o.imageId, baseRevision: revision, patch: { ...box, before, after } });
    const edited = instances(o.engine, o.imageId);
    expect(edited.map((i) => [i.external_id, i.area])).toEqual([
      ['21', 400],
      ['22', 299],
    ]);
    expect(edited[0]!.rle).toBe(imported[0]!.rle);
  });

  it("a region drawn after an instance was erased does not take the erased instance's COCO id in the export", async () => {
    const o = await openCoco();
    // Erase the dog (14, the largest id), then paint a new dog patch elsewhere: a new region.
    await edit(o, { x: 26, y: 5, w: 10, h: 16 }, () => 0);
    await edit(o, { x: 36, y: 26, w: 2, h: 2 }, () => 2);
    const out = join(o.root, 'coco-ids');
    const done = await finishJob(o.client, () => o.client.call('datasets.export', { datasetId: o.datasetId, format: 'coco', outDir: out }));
    expect(done.error).toBeNull();
    const doc = JSON.parse(readFileSync(join(out, 'instances.json'), 'utf8')) as {
      annotations: Array<{ id: number; category_id: number; area: number }>;
    };
    expect(doc.annotations.map((a) => [a.id, a.category_id, a.area])).toEqual([
      [11, 1, 100],
      [12, 1, 100],
      [13, 1, 176],
      [15, 18, 4],
    ]);
  });
});
