import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { perImageRows } from '../../../src/shared/api/methods/metrics';
import { ApiError, type TesseraClient } from '../../../src/shared';
import type { Engine } from '../../../src/main/engine/engine';
import { encodeMask } from '../../../src/main/engine/masks';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import {
  addReferringDataset,
  addSemanticRun,
  expectClose,
  importSemantic,
  naiveReferring,
  naiveSemantic,
  noisyPrediction,
  randomScene,
  testRandom,
  type ReferringPair,
  type SemanticFixture,
} from './helpers';
import { engineInternals } from '../../../src/main/engine/internals';

const SIZE = { w: 40, h: 30 };
const CLASSES = 6;
let engine: Engine;
let client: TesseraClient;
let cleanup: () => void;
let fx: SemanticFixture;
let preds: Map<number, Uint8Array>;
let runId: number;

function metricRows(run: number): Array<{ sample_id: number; class_idx: number; tp: number; annotation_rev: string }> {
  return engineInternals(engine)
    .db.prepare('SELECT sample_id, class_idx, tp, annotation_rev FROM metric_rows WHERE run_id = ? ORDER BY sample_id, class_idx')
    .all(run) as never;
}

/**
 * The samples whose metric rows are inserted, updated or deleted from now on (temp triggers on the
 * engine's connection, which makes every store write): equal rows written again would look unchanged.
 */
function watchMetricRowWrites(): () => number[] {
  const { db } = engineInternals(engine);
  db.exec('CREATE TEMP TABLE IF NOT EXISTS metric_row_writes (sample_id INTEGER NOT NULL); DELETE FROM temp.metric_row_writes;');
  for (const [event, row] of [
    ['INSERT', 'NEW'],
    ['UPDATE', 'NEW'],
    ['DELETE', 'OLD'],
  ] as const)
    db.exec(
      `CREATE TEMP TRIGGER IF NOT EXISTS metric_row_writes_${event.toLowerCase()} AFTER ${event} ON main.metric_rows BEGIN INSERT INTO temp.metric_row_writes VALUES (${row}.sample_id); END;`,
    );
  return () => db.prepare('SELECT DISTINCT sample_id FROM temp.metric_row_writes ORDER BY 1').pluck().all() as number[];
}

beforeAll(async () => {
  const t = tempDir('tessera-metrics-');
  cleanup = t.cleanup;
  ({ engine, client } = openTestEngine(`${t.dir}/ws`));
  const random = testRandom(7);
  const gts = Array.from({ length: 12 }, (_, i) => randomScene(random, SIZE.w, SIZE.h, CLASSES, i % 3 === 0));
  gts[0]![0] = CLASSES - 1; // the dataset's class list runs to the highest label present
  gts[11] = new Uint8Array(SIZE.w * SIZE.h).fill(255); // an all-ignore image
  fx = await importSemantic(client, engine, t.dir, gts, SIZE);
  preds = new Map(fx.samples.map((s) => [s.sampleId, noisyPrediction(random, s.gt, CLASSES, 0.2)]));
  runId = addSemanticRun(engine, fx.datasetId, 'noisy', preds, SIZE);
});

afterAll(async () => {
  await engine?.close();
  cleanup?.();
});

describe('semantic evaluation through the store', () => {
  it('agrees with a per-pixel reference to 1e-9 on every score and class', async () => {
    const done = await finishJob(client, () => client.call('metrics.evaluate', { datasetId: fx.datasetId, runId }));
    expect(done.error).toBeNull();
    expect(done.result).toMatchObject({ images: 12, computed: 12, upToDate: 0, unpredicted: 0 });
    const scores = await client.call('metrics.scores', { datasetId: fx.datasetId, runId });
    const ref = naiveSemantic(
      fx.samples.map((s) => ({ gt: s.gt, pred: preds.get(s.sampleId)! })),
      CLASSES,
    );
    expect(scores.images).toBe(12);
    expect(scores.referring).toBeNull();
    expect(scores.definitions).toEqual(['mmseg-miou', 'toco-miou', 'pixel-acc', 'mean-acc', 'fwiou']);
    for (const key of ['miou', 'miou_gt_classes', 'pixel_acc', 'mean_acc', 'fwiou'] as const)
      expectClose(scores.semantic![key], ref[key], key);
    expect(scores.semantic!.per_class.map((c) => c.name)).toEqual(['background', 'class 1', 'class 2', 'class 3', 'class 4', 'class 5']);
    for (const c of ref.perClass) {
      expectClose(scores.semantic!.per_class[c.id]!.iou, c.iou, `iou ${c.id}`);
      expectClose(scores.semantic!.per_class[c.id]!.acc, c.acc, `acc ${c.id}`);
    }
  });

  it('re-evaluates nothing when nothing changed, and the all-ignore image has a null image score', async () => {
    const before = metricRows(runId);
    const written = watchMetricRowWrites();
    const done = await finishJob(client, () => client.call('metrics.evaluate', { datasetId: fx.datasetId, runId }));
    expect(done.result).toMatchObject({ computed: 0, upToDate: 12 });
    expect(metricRows(runId)).toEqual(before);
    expect(written()).toEqual([]);
    const perImage = perImageRows(await client.call('metrics.perImage', { datasetId: fx.datasetId, runId }));
    expect(perImage).toHaveLength(12);
    expect(perImage[11]!.score).toBeNull();
    // Image mIoU: mean over classes with a non-empty union in that image.
    const ref = naiveSemantic([{ gt: fx.samples[3]!.gt, pred: preds.get(fx.samples[3]!.sampleId)! }], CLASSES);
    expectClose(perImage[3]!.score, ref.miou, 'image 3 mIoU');
  });

  it('scores a subset as a recomputation over only those images', async () => {
    const chosen = [fx.samples[1]!, fx.samples[4]!, fx.samples[5]!, fx.samples[9]!];
    await client.call('tags.apply', { tag: 'hard', imageIds: chosen.map((s) => s.imageId) });
    const scores = await client.call('metrics.scores', { datasetId: fx.datasetId, runId, subset: 'hard' });
    const ref = naiveSemantic(
      chosen.map((s) => ({ gt: s.gt, pred: preds.get(s.sampleId)! })),
      CLASSES,
    );
    expect(scores.images).toBe(4);
    expect(scores.subset).toBe('hard');
    for (const key of ['miou', 'miou_gt_classes', 'pixel_acc', 'mean_acc', 'fwiou'] as const)
      expectClose(scores.semantic![key], ref[key], key);
    expect(await client.call('metrics.subsets', { datasetId: fx.datasetId })).toEqual([{ name: 'hard', samples: 4 }]);
    await expect(client.call('metrics.scores', { datasetId: fx.datasetId, runId, subset: 'nope' })).rejects.toThrow('no tag named "nope"');
  });

  it('a ground-truth correction invalidates exactly that image, and before/after match both ground truths', async () => {
    const target = fx.samples[3]!; // has an ignore band
    const before = metricRows(runId);
    const corrected = target.gt.map((v) => (v === 255 ? 0 : v)); // the annotator labels the ignore band background
    const { repos } = engineInternals(engine);
    engineInternals(engine).db.transaction(() => {
      for (const region of repos.annotations.currentForSample(target.sampleId)) {
        const mask = corrected.map((v) => (v === region.classIdx ? 1 : 0));
        const area = mask.reduce((a, b) => a + b, 0);
        repos.annotations.addVersion({
          annotationId: region.annotationId,
          rle: encodeMask(mask, SIZE.h, SIZE.w),
          area,
          bbox: [0, 0, 0, 0],
          source: 'edit',
        });
      }
    })();
    const written = watchMetricRowWrites();
    const done = await finishJob(client, () => client.call('metrics.evaluate', { datasetId: fx.datasetId, runId }));
    expect(done.result).toMatchObject({ computed: 1, upToDate: 11 });
    expect(written()).toEqual([target.sampleId]);
    const after = metricRows(runId);
    expect(after.filter((r) => r.sample_id !== target.sampleId)).toEqual(before.filter((r) => r.sample_id !== target.sampleId));
    expect(after.filter((r) => r.sample_id === target.sampleId)[0]!.annotation_rev).not.toBe(
      before.find((r) => r.sample_id === target.sampleId)!.annotation_rev,
    );

    const c = await client.call('metrics.corrections', { datasetId: fx.datasetId, runId });
    expect(c.correctedImages).toBe(1);
    const pairs = (swap: boolean) => fx.samples.map((s) => ({ gt: swap && s === target ? corrected : s.gt, pred: preds.get(s.sampleId)! }));
    expectClose(c.before.semantic!.miou, naiveSemantic(pairs(false), CLASSES).miou, 'before');
    expectClose(c.after.semantic!.miou, naiveSemantic(pairs(true), CLASSES).miou, 'after');
    expect(c.before.semantic!.miou).not.toBe(c.after.semantic!.miou);
  });

  it('names the run, the image and the value of an out-of-range prediction class', async () => {
    const bad = new Map(preds);
    const first = fx.samples[0]!;
    const labels = bad.get(first.sampleId)!.slice();
    labels[5] = 9;
    bad.set(first.sampleId, labels);
    const badRun = addSemanticRun(engine, fx.datasetId, 'bad-ids', bad, SIZE);
    const err = await client.call('metrics.scores', { datasetId: fx.datasetId, runId: badRun }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('INVALID_INPUT');
    expect((err as ApiError).message).toBe(
      `run "bad-ids": image ${first.fileName}: prediction class 9 is outside the dataset's classes [0, 6)`,
    );
  });
});

describe('mIoU definitions where they differ, and empty cases', () => {
  it('counts a class predicted but absent from GT in mmseg mIoU only, and leaves absent classes null', async () => {
    const w = 8;
    const h = 4;
    // GT: classes 0 and 1 (and 3 elsewhere so the dataset has 4 classes); prediction adds class 2 where GT is 0.
    const gtA = new Uint8Array(w * h).fill(0).map((_, i) => (i % w < 4 ? 1 : 0));
    const gtB = new Uint8Array(w * h).fill(3);
    const predA = gtA.map((v, i) => (i === w - 1 ? 2 : v));
    const t = tempDir('tessera-metrics-defs-');
    const fx2 = await importSemantic(client, engine, t.dir, [gtA, gtB], { w, h }, 'defs');
    // A cancelled run that got to one image of two: only that image is scored.
    const run = addSemanticRun(
      engine,
      fx2.datasetId,
      'adds-class-2',
      new Map([[fx2.samples[0]!.sampleId, predA]]),
      { w, h },
      { status: 'cancelled' },
    );
    const s = await client.call('metrics.scores', { datasetId: fx2.datasetId, runId: run });
    t.cleanup();
    const ref = naiveSemantic([{ gt: gtA, pred: predA }], 4);
    expect(s.images).toBe(1);
    expect(s.unpredicted).toBe(1);
    expectClose(s.semantic!.miou, ref.miou, 'mmseg');
    expectClose(s.semantic!.miou_gt_classes, ref.miou_gt_classes, 'toco');
    expect(s.semantic!.miou).toBeCloseTo((15 / 16 + 1 + 0) / 3, 12);
    expect(s.semantic!.miou_gt_classes).toBeCloseTo((15 / 16 + 1) / 2, 12);
    expect(s.semantic!.per_class[2]).toMatchObject({ iou: 0, acc: null });
    expect(s.semantic!.per_class[3]).toMatchObject({ iou: null, acc: null });
  });

  it("scores a finished run's images without regions as all background, and refuses a run without masks", async () => {
    const w = 6;
    const h = 4;
    const gt = new Uint8Array(w * h).map((_, i) => (i < 12 ? 1 : 0));
    const t = tempDir('tessera-metrics-bg-');
    const fx3 = await importSemantic(client, engine, t.dir, [gt, gt, gt], { w, h }, 'bg');
    t.cleanup();
    const ones = new Uint8Array(w * h).fill(1);
    // As the run and import writers do: no region for class 0; image 2 predicted all background.
    const run = addSemanticRun(
      engine,
      fx3.datasetId,
      'no-bg-regions',
      new Map([
        [fx3.samples[0]!.sampleId, gt],
        [fx3.samples[1]!.sampleId, ones],
      ]),
      { w, h },
      { dropBackground: true },
    );
    const s = await client.call('metrics.scores', { datasetId: fx3.datasetId, runId: run });
    const zeros = new Uint8Array(w * h);
    const ref = naiveSemantic(
      [
        { gt, pred: gt },
        { gt, pred: ones },
        { gt, pred: zeros },
      ],
      2,
    );
    expect(s.images).toBe(3);
    expect(s.unpredicted).toBe(0);
    expectClose(s.semantic!.miou, ref.miou, 'mIoU');
    expectClose(s.semantic!.pixel_acc, ref.pixel_acc, 'pAcc');

    const camOnly = engineInternals(engine).repos.runs.create({
      datasetId: fx3.datasetId,
      name: 'cams',
      source: 'import',
      status: 'complete',
    });
    engineInternals(engine).repos.predictions.saveHeatmap(camOnly, fx3.samples[0]!.sampleId, {
      name: 'cam',
      shape: [1, 2, 2],
      dtype: 'float32',
      data: new Uint8Array(16),
      meta: {},
    });
    await expect(client.call('metrics.scores', { datasetId: fx3.datasetId, runId: camOnly })).rejects.toThrow(
      'run "cams" has no masks to score (it holds only heatmaps: CAMs are scored by eval --cam-sweep; logits or probabilities need their argmax saved as PNG label maps)',
    );
  });

  it('scores referring pairs (empty vs empty = 1, GT 255 ignored) like LISA, against a per-pixel reference', async () => {
    const size = { w: 12, h: 10 };
    const random = testRandom(99);
    const blob = (): Uint8Array => {
      const m = new Uint8Array(size.w * size.h);
      const x0 = Math.floor(random() * 8);
      const y0 = Math.floor(random() * 6);
      for (let y = y0; y < y0 + 4; y++) for (let x = x0; x < x0 + 4; x++) m[y * size.w + x] = 1;
      return m;
    };
    const pairs: ReferringPair[] = Array.from({ length: 9 }, (_, i) => {
      const gt = blob();
      if (i % 2 === 0) for (let x = 0; x < size.w; x++) gt[x] = 255;
      return { query: `the thing ${i}`, gt, pred: random() < 0.3 ? gt.map((v) => (v === 1 ? 1 : 0)) : blob() };
    });
    pairs.push({ query: 'nothing there', gt: new Uint8Array(size.w * size.h), pred: new Uint8Array(size.w * size.h) });
    pairs.push({ query: 'missed', gt: blob(), pred: new Uint8Array(size.w * size.h) });
    pairs.push({ query: 'all ignore', gt: new Uint8Array(size.w * size.h).fill(255), pred: blob() });
    const ds = addReferringDataset(engine, 'refer', pairs, size);
    const s = await client.call('metrics.scores', { datasetId: ds.datasetId, runId: ds.runId });
    const ref = naiveReferring(pairs);
    expect(s.semantic).toBeNull();
    expect(s.referring!.pairs).toBe(12);
    expect(s.images).toBe(12);
    expect(s.definitions).toEqual(['lisa-giou', 'lisa-ciou', 'lisa-precision']);
    expectClose(s.referring!.giou, ref.giou, 'giou');
    expectClose(s.referring!.ciou, ref.ciou, 'ciou');
    for (const t of ['0.5', '0.6', '0.7', '0.8', '0.9']) expectClose(s.referring!.precision[t], ref.precision[t], `P@${t}`);
    const perImage = perImageRows(await client.call('metrics.perImage', { datasetId: ds.datasetId, runId: ds.runId }));
    const byQuery = new Map(perImage.map((p) => [p.query, p.score]));
    expect(byQuery.get('nothing there')).toBe(1);
    expect(byQuery.get('missed')).toBe(0);
    expect(byQuery.get('all ignore')).toBe(1);
  });
});
