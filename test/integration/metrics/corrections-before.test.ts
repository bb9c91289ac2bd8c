// metrics.corrections "before" is the run's eval against the ground truth as imported: an image first
// annotated in the app is in "after" only, and an edit undone back to the imported mask is no correction.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TesseraClient } from '../../../src/shared';
import type { EvalResult } from '../../../src/shared/api/methods/metrics';
import type { Engine } from '../../../src/main/engine/engine';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir, writeGreyMask, writeSolidImage } from '../../helpers/fixtures';
import { engineInternals } from '../../../src/main/engine/internals';
import { addReferringDataset, addSemanticRun, naiveReferring, naiveSemantic, noisyPrediction, randomScene, testRandom } from './helpers';

const SIZE = { w: 40, h: 30 };
const CLASSES = 6;
/** img_000..img_004; img_003 is imported without a mask. */
const COUNT = 5;
const UNMASKED = 3;

let engine: Engine;
let client: TesseraClient;
let cleanup: () => void;
let datasetId: number;
let runId: number;
let samples: Array<{ sampleId: number; imageId: number; fileName: string }>;
/** The ground truth now (null: none), kept in step with every edit below. */
let gts: Array<Uint8Array | null>;
let preds: Uint8Array[];
/** metrics.scores before any edit. */
let imported: EvalResult;

type Box = { x: number; y: number; w: number; h: number };

function crop(map: Uint8Array, box: Box): number[] {
  const out: number[] = [];
  for (let y = box.y; y < box.y + box.h; y++) for (let x = box.x; x < box.x + box.w; x++) out.push(map[y * SIZE.w + x]!);
  return out;
}

/** Paints `box` all `value` on image `i` through the client; returns the map after it. */
async function paint(i: number, box: Box, value: number): Promise<Uint8Array> {
  const { imageId } = samples[i]!;
  // An image without ground truth reads all 255: nothing labelled yet (annotations/unlabelled.ts).
  const current = gts[i] ?? new Uint8Array(SIZE.w * SIZE.h).fill(255);
  const { revision } = await client.call('annotations.get', { imageId });
  const before = crop(current, box);
  await client.call('annotations.applyEdit', {
    imageId,
    baseRevision: revision,
    patch: { ...box, before, after: before.map(() => value) },
  });
  const next = current.slice();
  for (let y = box.y; y < box.y + box.h; y++) next.fill(value, y * SIZE.w + box.x, y * SIZE.w + box.x + box.w);
  return next;
}

function pairs(maps: ReadonlyArray<Uint8Array | null>): Array<{ gt: Uint8Array; pred: Uint8Array }> {
  return maps.flatMap((gt, i) => (gt === null ? [] : [{ gt, pred: preds[i]! }]));
}

/** Same image count and every semantic score within 1e-12 (both null, or both numbers). */
function expectSameEval(actual: EvalResult, expected: EvalResult, what: string): void {
  expect(actual.images, `${what}: images`).toBe(expected.images);
  const a = actual.semantic!;
  const e = expected.semantic!;
  const pairsOf = (b: typeof a): Array<[string, number | null]> => [
    ['miou', b.miou],
    ['miou_gt_classes', b.miou_gt_classes],
    ['pixel_acc', b.pixel_acc],
    ['mean_acc', b.mean_acc],
    ['fwiou', b.fwiou],
    ...b.per_class.flatMap((c): Array<[string, number | null]> => [
      [`iou ${c.id}`, c.iou],
      [`acc ${c.id}`, c.acc],
    ]),
  ];
  const av = pairsOf(a);
  const ev = pairsOf(e);
  expect(
    av.map(([k]) => k),
    `${what}: fields`,
  ).toEqual(ev.map(([k]) => k));
  for (const [k, [, x]] of av.entries()) {
    const y = ev[k]![1];
    if (y === null) expect(x, `${what}: ${ev[k]![0]}`).toBeNull();
    else expect(Math.abs(x! - y), `${what}: ${ev[k]![0]}: ${x} vs ${y}`).toBeLessThanOrEqual(1e-12);
  }
}

/** The naive reference as far as it goes: mIoU and friends to 1e-12, and the image count. */
function expectNaive(actual: EvalResult, maps: ReadonlyArray<Uint8Array | null>, what: string): void {
  const ref = naiveSemantic(pairs(maps), CLASSES);
  expect(actual.images, `${what}: images`).toBe(maps.filter((m) => m !== null).length);
  for (const k of ['miou', 'miou_gt_classes', 'pixel_acc', 'mean_acc', 'fwiou'] as const) {
    const x = actual.semantic![k];
    const y = ref[k];
    if (y === null) expect(x, `${what}: ${k}`).toBeNull();
    else expect(Math.abs(x! - y), `${what}: ${k}: ${x} vs ${y}`).toBeLessThanOrEqual(1e-12);
  }
}

const corrections = () => client.call('metrics.corrections', { datasetId, runId });

beforeAll(async () => {
  const t = tempDir('tessera-corrections-');
  cleanup = t.cleanup;
  ({ engine, client } = openTestEngine(join(t.dir, 'ws')));
  const random = testRandom(11);
  const scenes = Array.from({ length: COUNT }, (_, i) => randomScene(random, SIZE.w, SIZE.h, CLASSES, i === 1));
  scenes[0]![0] = CLASSES - 1; // the class list runs to the highest label present
  const images = join(t.dir, 'images');
  const masks = join(t.dir, 'masks');
  mkdirSync(images);
  mkdirSync(masks);
  for (const [i, gt] of scenes.entries()) {
    const stem = `img_${String(i).padStart(3, '0')}`;
    await writeSolidImage(join(images, `${stem}.png`), SIZE.w, SIZE.h, [100 + i, 90, 80]);
    if (i !== UNMASKED) writeGreyMask(join(masks, `${stem}.png`), SIZE.w, SIZE.h, gt);
  }
  const done = await finishJob(client, () => client.call('datasets.importFolder', { dir: images, masksDir: masks, name: 'partial' }));
  expect(done.error).toBeNull();
  datasetId = Number(done.result?.['datasetId']);
  samples = engineInternals(engine)
    .db.prepare(
      'SELECT s.id AS sampleId, i.id AS imageId, i.file_name AS fileName FROM samples s JOIN images i ON i.id = s.image_id WHERE i.dataset_id = ? ORDER BY i.file_name',
    )
    .all(datasetId) as typeof samples;
  expect(samples.map((s) => s.fileName)).toEqual(scenes.map((_, i) => `img_${String(i).padStart(3, '0')}.png`));
  gts = scenes.map((gt, i) => (i === UNMASKED ? null : gt));
  // The unmasked image gets a prediction too: a complete run scores whatever has ground truth.
  preds = scenes.map((gt) => noisyPrediction(random, gt, CLASSES, 0.2));
  runId = addSemanticRun(engine, datasetId, 'noisy', new Map(samples.map((s, i) => [s.sampleId, preds[i]!])), SIZE);
  imported = await client.call('metrics.scores', { datasetId, runId });
});

afterAll(async () => {
  await engine?.close();
  cleanup?.();
});

describe('metrics.corrections against the ground truth as imported', () => {
  it('scores the imported images before any edit: no correction, before = after = the eval', async () => {
    expectNaive(imported, gts, 'imported eval');
    expect(imported.images).toBe(COUNT - 1);
    const c = await corrections();
    expect(c.correctedImages).toBe(0);
    expectSameEval(c.before, imported, 'before');
    expectSameEval(c.after, imported, 'after');
  });

  it('leaves an image first annotated in the app out of "before" and scores it in "after"', async () => {
    gts[UNMASKED] = await paint(UNMASKED, { x: 5, y: 4, w: 20, h: 12 }, 2);
    const now = await client.call('metrics.scores', { datasetId, runId });
    expectNaive(now, gts, 'eval after the edit');
    const c = await corrections();
    expect(c.correctedImages).toBe(1);
    expectSameEval(c.before, imported, 'before');
    expectNaive(c.after, gts, 'after');
    expectSameEval(c.after, now, 'after vs eval');
  });

  it('counts an edit undone back to the imported mask as no correction', async () => {
    const previous = gts[0]!;
    gts[0] = await paint(0, { x: 0, y: 0, w: 10, h: 10 }, 4);
    let c = await corrections();
    expect(c.correctedImages).toBe(2);
    expectSameEval(c.before, imported, 'before');
    expectNaive(c.after, gts, 'after the edit');

    await client.call('annotations.undo', { imageId: samples[0]!.imageId });
    gts[0] = previous;
    c = await corrections();
    expect(c.correctedImages).toBe(1);
    expectSameEval(c.before, imported, 'before, undone');
    expectNaive(c.after, gts, 'after, undone');
  });

  it('keeps an imported image corrected to all background in both, as a correction', async () => {
    gts[2] = await paint(2, { x: 0, y: 0, ...SIZE }, 0);
    const c = await corrections();
    expect(c.correctedImages).toBe(2);
    expectSameEval(c.before, imported, 'before');
    expectNaive(c.after, gts, 'after');
    expect(c.after.images).toBe(COUNT);
  });
});

describe('metrics.corrections on a referring dataset', () => {
  it('keeps every query in "before", and an undone query edit is no correction', async () => {
    const size = { w: 12, h: 8 };
    const rect = (x0: number, x1: number): Uint8Array => {
      const m = new Uint8Array(size.w * size.h);
      for (let y = 2; y < 6; y++) m.fill(1, y * size.w + x0, y * size.w + x1);
      return m;
    };
    const ref = addReferringDataset(
      engine,
      'refs',
      [
        { query: 'left box', gt: rect(0, 5), pred: rect(1, 6) },
        { query: 'nothing', gt: new Uint8Array(size.w * size.h), pred: rect(8, 10) },
      ],
      size,
    );
    const call = () => client.call('metrics.corrections', { datasetId: ref.datasetId, runId: ref.runId });
    const start = await client.call('metrics.scores', { datasetId: ref.datasetId, runId: ref.runId });
    const expectRef = (r: EvalResult, gtsNow: Uint8Array[], what: string): void => {
      const naive = naiveReferring([
        { gt: gtsNow[0]!, pred: rect(1, 6) },
        { gt: gtsNow[1]!, pred: rect(8, 10) },
      ]);
      expect(r.referring!.pairs, `${what}: pairs`).toBe(2);
      expect(Math.abs(r.referring!.giou! - naive.giou), `${what}: giou`).toBeLessThanOrEqual(1e-12);
      expect(Math.abs(r.referring!.ciou! - naive.ciou!), `${what}: ciou`).toBeLessThanOrEqual(1e-12);
    };
    const importedGts = [rect(0, 5), new Uint8Array(size.w * size.h)];
    expectRef(start, importedGts, 'eval');

    // Paint the empty query's target: its imported target (empty) is ground truth too, so it stays in "before".
    const edit = async (i: number, box: Box, from: number, to: number): Promise<void> => {
      const { imageId, sampleId } = ref.samples[i]!;
      const n = box.w * box.h;
      await client.call('annotations.applyEdit', {
        imageId,
        sampleId,
        baseRevision: (await client.call('annotations.get', { imageId, sampleId })).revision,
        patch: { ...box, before: new Array<number>(n).fill(from), after: new Array<number>(n).fill(to) },
      });
    };
    await edit(1, { x: 8, y: 2, w: 2, h: 4 }, 0, 1);
    const edited = [importedGts[0]!, rect(8, 10)];
    let c = await call();
    expect(c.correctedImages).toBe(1);
    expect(c.before.images).toBe(start.images);
    expectRef(c.before, importedGts, 'before');
    expectRef(c.after, edited, 'after');

    // Grow the imported target of the other query, then undo it: back to the imported mask, no correction.
    await edit(0, { x: 5, y: 2, w: 2, h: 4 }, 0, 1);
    c = await call();
    expect(c.correctedImages).toBe(2);
    expectRef(c.before, importedGts, 'before, grown');
    expectRef(c.after, [rect(0, 7), edited[1]!], 'after, grown');
    await client.call('annotations.undo', { imageId: ref.samples[0]!.imageId, sampleId: ref.samples[0]!.sampleId });
    c = await call();
    expect(c.correctedImages).toBe(1);
    expectRef(c.before, importedGts, 'before, undone');
    expectRef(c.after, edited, 'after, undone');
  });
});
