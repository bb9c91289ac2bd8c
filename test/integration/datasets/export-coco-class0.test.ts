/**
 * COCO export of class 0. QA probe X (A5): a COCO-Stuff dataset imported with `import folder`
 * (stuffthingmaps: 0 = person, 1..181 other classes, 255 unlabeled) lost every person pixel on
 * `export --format coco`, even after `classes rename 0 person`: class 0 was always taken to be
 * background. Class 0 is now left out only when it is background (named so, or a COCO import's);
 * otherwise it is written like every other class, with COCO-Stuff's numbering (category id = class
 * index + 1), and the export says so in a note.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImportResult } from '../../../src/shared';
import { ExportResult } from '../../../src/shared/api/methods/exports';
import { cocoCategories, exportCoco } from '../../../src/main/engine/datasets/exportCoco';
import { engineInternals } from '../../../src/main/engine/internals';
import { encodeMask, paintLabelMap, rleArea } from '../../../src/main/engine/masks';
import { finishJob } from '../../helpers/engine';
import { writeGreyMask, writeSolidImage } from '../../helpers/fixtures';
import { imagesByName, sampleLabels, setup } from './store';

const [W, H] = [24, 16];
const NOTE =
  'class 0 "person" exported as COCO category 1 (category id = class index + 1, as in COCO-Stuff); a class 0 named "background" is left out';
const NAMES = ['a', 'b', 'c'];

interface CocoDoc {
  images: Array<{ id: number; file_name: string }>;
  annotations: Array<{
    id: number;
    image_id: number;
    category_id: number;
    segmentation: { size: [number, number]; counts: string };
    area: number;
  }>;
  categories: Array<{ id: number; name: string }>;
}
interface ResultRow {
  image_id: number;
  category_id: number;
  segmentation: { size: [number, number]; counts: string };
  score: number;
}

/** A stuffthingmaps-like label map: class 0 (person) on a large part, classes 1..3 in bands, some 255. */
function stuffLabels(k: number, shift = 0): Uint8Array {
  const l = new Uint8Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const band = Math.floor((x + y + k * 3 + shift) / 5) % 5; // 0..4
      l[y * W + x] = band === 4 ? 0 : band; // class 0 on two bands of five
    }
  if (shift === 0) for (let x = 0; x < 4; x++) l[x] = 255; // unlabeled pixels on the ground truth only
  return l;
}

function counts(l: Uint8Array): Map<number, number> {
  const m = new Map<number, number>();
  for (const v of l) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

/** A folder dataset of grey masks (values 0..3 and 255), with predictions of the same values in `preds`. */
async function stuffDataset(s: ReturnType<typeof setup>): Promise<{ datasetId: number; images: string; preds: string }> {
  const images = join(s.root, 'images');
  const masks = join(s.root, 'masks');
  const preds = join(s.root, 'preds');
  for (const d of [images, masks, preds]) mkdirSync(d);
  for (const [k, name] of NAMES.entries()) {
    await writeSolidImage(join(images, `${name}.png`), W, H, [90, 90, 90]);
    writeGreyMask(join(masks, `${name}.png`), W, H, stuffLabels(k));
    writeGreyMask(join(preds, `${name}.png`), W, H, stuffLabels(k, 1));
  }
  const done = await finishJob(s.client, () => s.client.call('datasets.importFolder', { dir: images, masksDir: masks, name: 'stuff' }));
  expect(done.error).toBeNull();
  return { datasetId: ImportResult.parse(done.result).datasetId, images, preds };
}

async function exportTo(s: ReturnType<typeof setup>, datasetId: number, outDir: string, runId?: number) {
  const done = await finishJob(s.client, () =>
    s.client.call('datasets.export', { datasetId, format: 'coco', outDir, ...(runId === undefined ? {} : { runId }) }),
  );
  expect(done.error).toBeNull();
  return ExportResult.parse(done.result);
}

/** The export's own result (the note is on it): exportCoco called on the engine's store. */
async function exportNotes(s: ReturnType<typeof setup>, datasetId: number, outDir: string, runId?: number): Promise<string[] | undefined> {
  const ctx = { jobId: 'test', signal: new AbortController().signal, progress: () => undefined };
  return (await exportCoco(engineInternals(s.engine), datasetId, runId, outDir, ctx)).notes;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** Pixels of each category in a list of RLE rows (annotations or results). */
function pixelsByCategory(rows: ReadonlyArray<{ category_id: number; segmentation: { size: [number, number]; counts: string } }>) {
  const m = new Map<number, number>();
  for (const r of rows) m.set(r.category_id, (m.get(r.category_id) ?? 0) + rleArea(r.segmentation));
  return m;
}

function classNames(s: ReturnType<typeof setup>, datasetId: number): Map<number, string> {
  return new Map(
    engineInternals(s.engine)
      .repos.datasets.classes(datasetId)
      .map((c) => [c.index, c.name]),
  );
}

async function renameClass0(s: ReturnType<typeof setup>, datasetId: number, name: string): Promise<void> {
  await s.client.call('classes.update', { datasetId, index: 0, name });
}

describe('COCO export of class 0', () => {
  it('exports a real class 0 ("person") as category 1, the others as index + 1, and imports back to the same pixels per class', async () => {
    const s = setup();
    const { datasetId, images } = await stuffDataset(s);
    await renameClass0(s, datasetId, 'person');
    const out = join(s.root, 'coco');
    expect(await exportTo(s, datasetId, out)).toMatchObject({ images: 3, ignoreLeftOut: 3, unannotatedLeftOut: 0 });
    const doc = readJson<CocoDoc>(join(out, 'instances.json'));
    expect(doc.categories).toEqual([
      { id: 1, name: 'person' },
      { id: 2, name: 'class 1' },
      { id: 3, name: 'class 2' },
      { id: 4, name: 'class 3' },
    ]);
    // Every pixel of every class is written, person included; each area is its mask's pixel count.
    const expected = new Map<number, number>();
    for (const k of NAMES.keys())
      for (const [v, n] of counts(stuffLabels(k))) if (v !== 255) expected.set(v + 1, (expected.get(v + 1) ?? 0) + n);
    expect(pixelsByCategory(doc.annotations)).toEqual(expected);
    expect(expected.get(1)).toBeGreaterThan(0);
    for (const a of doc.annotations) expect(a.area).toBe(rleArea(a.segmentation));
    // The export says what it did with class 0 (one line).
    expect(await exportNotes(s, datasetId, join(s.root, 'coco-direct'))).toEqual([NOTE]);
    expect(readFileSync(join(s.root, 'coco-direct', 'instances.json'), 'utf8')).toBe(readFileSync(join(out, 'instances.json'), 'utf8'));

    // import coco reads the same pixels back under the same class names (255 reads back as background).
    const back = ImportResult.parse(
      (
        await finishJob(s.client, () =>
          s.client.call('datasets.importCoco', { annotations: join(out, 'instances.json'), imagesDir: images, name: 'back' }),
        )
      ).result,
    );
    const [namesBefore, namesAfter] = [classNames(s, datasetId), classNames(s, back.datasetId)];
    const before = imagesByName(s.engine, datasetId);
    const after = imagesByName(s.engine, back.datasetId);
    for (const name of NAMES) {
      const a = sampleLabels(s.engine, before.get(`${name}.png`)!.sampleIds[0]!, H, W);
      const b = sampleLabels(s.engine, after.get(`${name}.png`)!.sampleIds[0]!, H, W);
      const named = (l: Uint8Array, names: Map<number, string>) => [...l].map((v) => (v === 255 ? 'background' : names.get(v)));
      expect(named(b, namesAfter)).toEqual(named(a, namesBefore));
    }
  });

  it("exports a run's class-0 results as category 1 (results.json), and they import back as the same pixels per class", async () => {
    const s = setup();
    const { datasetId, images, preds } = await stuffDataset(s);
    await renameClass0(s, datasetId, 'person');
    const imported = await finishJob(s.client, () =>
      s.client.call('runs.importPredictions', { datasetId, run: 'r', format: 'png', path: preds }),
    );
    expect(imported.error).toBeNull();
    const runId = Number(imported.result?.['runId']);
    const out = join(s.root, 'results');
    expect(await exportTo(s, datasetId, out, runId)).toMatchObject({ images: 3, unpredicted: 0 });
    const rows = readJson<ResultRow[]>(join(out, 'results.json'));
    const expected = new Map<number, number>();
    for (const k of NAMES.keys()) for (const [v, n] of counts(stuffLabels(k, 1))) expected.set(v + 1, (expected.get(v + 1) ?? 0) + n);
    expect(pixelsByCategory(rows)).toEqual(expected);
    expect(rows.some((r) => r.category_id === 1)).toBe(true);
    expect(await exportNotes(s, datasetId, join(s.root, 'results-direct'), runId)).toEqual([NOTE]);

    // Into the ground truth's COCO re-import, as coco-results: each image's prediction, pixel for pixel, by class name.
    const gt = join(s.root, 'coco');
    await exportTo(s, datasetId, gt);
    const back = ImportResult.parse(
      (
        await finishJob(s.client, () =>
          s.client.call('datasets.importCoco', { annotations: join(gt, 'instances.json'), imagesDir: images, name: 'back' }),
        )
      ).result,
    );
    const again = await finishJob(s.client, () =>
      s.client.call('runs.importPredictions', {
        datasetId: back.datasetId,
        run: 'r',
        format: 'coco-results',
        path: join(out, 'results.json'),
      }),
    );
    expect(again.error).toBeNull();
    const backRunId = Number(again.result?.['runId']);
    const { repos } = engineInternals(s.engine);
    const [namesBefore, namesAfter] = [classNames(s, datasetId), classNames(s, back.datasetId)];
    const before = imagesByName(s.engine, datasetId);
    const after = imagesByName(s.engine, back.datasetId);
    for (const name of NAMES) {
      const a = paintLabelMap(repos.predictions.forSample(runId, before.get(`${name}.png`)!.sampleIds[0]!), H, W);
      const b = paintLabelMap(repos.predictions.forSample(backRunId, after.get(`${name}.png`)!.sampleIds[0]!), H, W);
      expect([...b].map((v) => namesAfter.get(v))).toEqual([...a].map((v) => namesBefore.get(v)));
    }
  });

  it("leaves class 0 out when it is background: named so (any case, spaces around), or a COCO import's even renamed", async () => {
    const s = setup();
    const { datasetId } = await stuffDataset(s);
    const out = join(s.root, 'coco');
    expect(await exportTo(s, datasetId, out)).toMatchObject({ images: 3 });
    const doc = readJson<CocoDoc>(join(out, 'instances.json'));
    // As before: ids are the class indices, no category or annotation for class 0, no note.
    expect(doc.categories).toEqual([
      { id: 1, name: 'class 1' },
      { id: 2, name: 'class 2' },
      { id: 3, name: 'class 3' },
    ]);
    const expected = new Map<number, number>();
    for (const k of NAMES.keys())
      for (const [v, n] of counts(stuffLabels(k))) if (v !== 255 && v !== 0) expected.set(v, (expected.get(v) ?? 0) + n);
    expect(pixelsByCategory(doc.annotations)).toEqual(expected);
    expect(await exportNotes(s, datasetId, join(s.root, 'direct'))).toBeUndefined();
    expect(readFileSync(join(s.root, 'direct', 'instances.json'), 'utf8')).toBe(readFileSync(join(out, 'instances.json'), 'utf8'));

    await renameClass0(s, datasetId, ' Unlabeled ');
    const out2 = join(s.root, 'coco2');
    await exportTo(s, datasetId, out2);
    expect(readJson<CocoDoc>(join(out2, 'instances.json')).categories.map((c) => c.id)).toEqual([1, 2, 3]);

    // A COCO import's class 0 is the importer's background (no category maps to it), whatever it is called.
    const imagesDir = join(s.root, 'coco-images');
    mkdirSync(imagesDir);
    await writeSolidImage(join(imagesDir, 'x.png'), W, H, [60, 60, 60]);
    const mask = new Uint8Array(W * H).fill(1, 0, W * 4);
    const cocoDoc = {
      images: [{ id: 7, file_name: 'x.png', width: W, height: H }],
      annotations: [
        { id: 1, image_id: 7, category_id: 5, segmentation: encodeMask(mask, H, W), area: W * 4, bbox: [0, 0, W, 4], iscrowd: 0 },
      ],
      categories: [{ id: 5, name: 'car' }],
    };
    writeFileSync(join(s.root, 'in.json'), JSON.stringify(cocoDoc));
    const coco = ImportResult.parse(
      (
        await finishJob(s.client, () =>
          s.client.call('datasets.importCoco', { annotations: join(s.root, 'in.json'), imagesDir, name: 'coco' }),
        )
      ).result,
    );
    await renameClass0(s, coco.datasetId, 'road');
    const out3 = join(s.root, 'coco3');
    await exportTo(s, coco.datasetId, out3);
    const doc3 = readJson<CocoDoc>(join(out3, 'instances.json'));
    expect(doc3.categories).toEqual([{ id: 5, name: 'car' }]);
    expect(doc3.annotations.map((a) => [a.id, a.category_id, a.area])).toEqual([[1, 5, W * 4]]);
  });

  it('keeps an imported category id and gives class 0 the next free id when index + 1 is taken', () => {
    const c = (index: number, name: string, externalId: number | null) => ({
      index,
      name,
      color: [0, 0, 0] as [number, number, number],
      externalId,
    });
    const classes = [c(0, 'person', null), c(1, 'car', 1), c(2, 'tree', null), c(3, 'sky', 9)];
    const got = cocoCategories({ format: 'folder', task: 'semantic' }, classes);
    expect(got.zeroIsBackground).toBe(false);
    expect(classes.map((k) => got.categoryId(k.index))).toEqual([10, 1, 3, 9]);
    expect(got.note).toBe(
      'class 0 "person" exported as COCO category 10 (category id = class index + 1 for a class without an imported COCO id, as in COCO-Stuff; id 1 is taken by "car"); a class 0 named "background" is left out',
    );
    // Background (by name, or a COCO import's class 0 whatever its name): ids as before, no note.
    for (const [dataset, name] of [
      [{ format: 'folder', task: 'semantic' }, 'Void'],
      [{ format: 'coco', task: 'semantic' }, 'person'],
    ] as const) {
      const bg = cocoCategories(dataset, [c(0, name, null), ...classes.slice(1)]);
      expect([bg.zeroIsBackground, bg.note, [1, 2, 3].map((i) => bg.categoryId(i))]).toEqual([true, null, [1, 2, 9]]);
    }
  });
});
