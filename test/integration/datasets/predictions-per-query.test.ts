// RefCOCO-style datasets have one sample per sentence, several per image: a prediction file named by
// the image's stem cannot say which sentence it answers. `<stem>.q<k>.png` (and .npy) names the k-th
// query of the image in import order (the refs file's order, as LISA's val loader stacks an image's
// masks), the names `export --format points` writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImportResult } from '../../../src/shared';
import { PredictionsImportResult } from '../../../src/shared/api/methods/datasets';
import { engineInternals } from '../../../src/main/engine/internals';
import { finishJob } from '../../helpers/engine';
import { rectLabels, writeGreyMask, writeSolidImage } from '../../helpers/fixtures';
import { npyBytes } from '../../unit/engine/datasets/npyBytes';
import { naiveReferring } from '../metrics/helpers';
import { makeCocoDataset } from './generate';
import { imagesByName, sampleLabels, setup, storeSnapshot } from './store';

const W = 40;
const H = 30;
const FIRST = '000000001000'; // image 500: car (ann 100, x 2..9, y 3..8), kite (ann 101, x 20..24, y 10..16)
const THIRD = '000000001002'; // image 506: one sentence

async function refcoco(s: ReturnType<typeof setup>) {
  const coco = await makeCocoDataset(join(s.root, 'coco'), { n: 3 });
  const refs = [
    { ref_id: 1, ann_id: 100, image_id: 500, split: 'val', sentences: [{ sent: 'the car on the left' }, { sent: 'left car' }] },
    { ref_id: 3, ann_id: 108, image_id: 506, split: 'val', sentences: [{ sent: 'a train' }] },
    { ref_id: 4, ann_id: 101, image_id: 500, split: 'val', sentences: [{ sent: 'the kite' }] },
  ];
  const refsFile = join(s.root, 'refs.json');
  writeFileSync(refsFile, JSON.stringify(refs));
  const done = await finishJob(s.client, () =>
    s.client.call('datasets.importRefCoco', { refs: refsFile, instances: coco.annotations, imagesDir: coco.images }),
  );
  expect(done.error).toBeNull();
  const { datasetId } = ImportResult.parse(done.result);
  const images = imagesByName(s.engine, datasetId);
  const first = images.get(`${FIRST}.png`)!;
  const third = images.get(`${THIRD}.png`)!;
  expect(first.sampleIds).toHaveLength(3);
  expect(third.sampleIds).toHaveLength(1);
  return { datasetId, first, third };
}

function predictionFolder(root: string, masks: Record<string, Uint8Array>): string {
  const dir = join(root, `preds-${Object.keys(masks).join('-').length}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  for (const [name, mask] of Object.entries(masks)) writeGreyMask(join(dir, name), W, H, mask);
  return dir;
}

const car = rectLabels(W, H, { x: 2, y: 3, w: 8, h: 6 }, 1);
const kite = rectLabels(W, H, { x: 20, y: 10, w: 5, h: 7 }, 1);
const halfKite = rectLabels(W, H, { x: 20, y: 10, w: 5, h: 3 }, 1);
const train = rectLabels(W, H, { x: 5, y: 20, w: 10, h: 7 }, 1);

describe('per-query prediction files (<stem>.q<k>.png)', () => {
  it("land on the image's k-th query in import order and score as LISA's per-pair IoUs", async () => {
    const s = setup();
    const { datasetId, first, third } = await refcoco(s);
    // Saved as LISA/READ scripts save masks (pred_mask * 100 for q2): any non-zero pixel is the target.
    const preds = predictionFolder(s.root, {
      [`${FIRST}.q0.png`]: car, // 'the car on the left': right
      [`${FIRST}.q1.png`]: kite, // 'left car': the wrong object
      [`${FIRST}.q2.png`]: halfKite.map((v) => v * 100), // 'the kite': the upper 3 of its 7 rows
      [`${THIRD}.q0.png`]: train, // the image's only query, by index
    });
    const done = await finishJob(s.client, () =>
      s.client.call('runs.importPredictions', { datasetId, run: 'read', format: 'png', path: preds }),
    );
    expect(done.error).toBeNull();
    const result = PredictionsImportResult.parse(done.result);
    expect(result).toMatchObject({ images: 2, skipped: [] });
    expect(result.withoutFile).toBeUndefined();

    // Each file is stored on the sample its index names (areas: 48, 35, 15, 70).
    const { db } = engineInternals(s.engine);
    const rows = db
      .prepare('SELECT s.query, p.area FROM predictions p JOIN samples s ON s.id = p.sample_id WHERE p.run_id = ? ORDER BY s.id')
      .all(result.runId);
    expect(rows).toEqual([
      { query: 'the car on the left', area: 48 },
      { query: 'left car', area: 35 },
      { query: 'the kite', area: 15 },
      { query: 'a train', area: 70 },
    ]);

    const evaluated = await finishJob(s.client, () => s.client.call('metrics.evaluate', { datasetId, runId: result.runId }));
    expect(evaluated.error).toBeNull();
    const scores = await s.client.call('metrics.scores', { datasetId, runId: result.runId });
    const pairs = [
      { gt: sampleLabels(s.engine, first.sampleIds[0]!, H, W), pred: car },
      { gt: sampleLabels(s.engine, first.sampleIds[1]!, H, W), pred: kite },
      { gt: sampleLabels(s.engine, first.sampleIds[2]!, H, W), pred: halfKite },
      { gt: sampleLabels(s.engine, third.sampleIds[0]!, H, W), pred: train },
    ];
    const expected = naiveReferring(pairs);
    expect(expected.ious.slice(0, 3)).toEqual([1, 0, 15 / 35]);
    expect(scores.referring?.pairs).toBe(4);
    expect(scores.referring?.giou).toBeCloseTo(expected.giou, 12);
    expect(scores.referring?.ciou).toBeCloseTo(expected.ciou!, 12);
  });

  it('a plain <stem>.png of an image with several queries is refused in one line naming the per-query names; the store unchanged', async () => {
    const s = setup();
    const { datasetId } = await refcoco(s);
    const before = storeSnapshot(s.engine);
    const preds = predictionFolder(s.root, { [`${FIRST}.png`]: car, [`${THIRD}.png`]: train });
    const done = await finishJob(s.client, () =>
      s.client.call('runs.importPredictions', { datasetId, run: 'p', format: 'png', path: preds }),
    );
    expect(done.status).toBe('failed');
    expect(done.error?.message).toContain(`${FIRST}.png: image ${FIRST}.png of dataset "refs" has 3 queries`);
    expect(done.error?.message).toContain(`name its files ${FIRST}.q0.png … ${FIRST}.q2.png`);
    expect(done.error?.message).not.toContain('\n');
    expect(storeSnapshot(s.engine)).toEqual(before);
  });

  it("an index past the image's queries is skipped with its reason; a query without a file is counted; two files for one query are refused", async () => {
    const s = setup();
    const { datasetId } = await refcoco(s);
    const preds = predictionFolder(s.root, {
      [`${FIRST}.q0.png`]: car,
      [`${FIRST}.q3.png`]: car,
      [`${THIRD}.png`]: train, // one query: the plain name
    });
    const done = await finishJob(s.client, () =>
      s.client.call('runs.importPredictions', { datasetId, run: 'p', format: 'png', path: preds }),
    );
    expect(done.error).toBeNull();
    const result = PredictionsImportResult.parse(done.result);
    expect(result.skipped).toEqual([{ file: `${FIRST}.q3.png`, reason: `image ${FIRST}.png has 3 queries (q0 … q2)` }]);
    // q1 and q2 of the first image have no file: that image is counted (they score as empty masks).
    expect(result.withoutFile).toEqual({ images: 1, of: 2, examples: [`${FIRST}.png (q1, q2)`] });

    const before = storeSnapshot(s.engine);
    const twice = predictionFolder(s.root, { [`${THIRD}.png`]: train, [`${THIRD}.q0.png`]: train });
    const refused = await finishJob(s.client, () =>
      s.client.call('runs.importPredictions', { datasetId, run: 'q', format: 'png', path: twice }),
    );
    expect(refused.status).toBe('failed');
    expect(refused.error?.message).toMatch(/000000001002\.png and 000000001002\.q0\.png are both predictions for image 000000001002\.png$/);
    expect(storeSnapshot(s.engine)).toEqual(before);
  });

  it("a name that is both an image's own and another image's query is refused in one line (probe W: it went to the wrong image)", async () => {
    const s = setup();
    const root = join(s.root, 'clash');
    mkdirSync(join(root, 'img'), { recursive: true });
    for (const name of ['a', 'a.q1']) await writeSolidImage(join(root, 'img', `${name}.png`), W, H, [60, 60, 60]);
    const done = await finishJob(s.client, () => s.client.call('datasets.importFolder', { dir: join(root, 'img'), name: 'clash' }));
    const { datasetId } = ImportResult.parse(done.result);
    // a.png gets two queries (a referring dataset by hand), a.q1.png one.
    const { db, repos } = engineInternals(s.engine);
    db.prepare("UPDATE datasets SET task = 'referring' WHERE id = ?").run(datasetId);
    const images = imagesByName(s.engine, datasetId);
    const a = images.get('a.png')!;
    db.prepare('DELETE FROM samples WHERE image_id IN (?, ?)').run(a.id, images.get('a.q1.png')!.id);
    for (const q of ['left', 'right']) repos.images.createSample(a.id, q, [q], false);
    repos.images.createSample(images.get('a.q1.png')!.id, 'other', ['other'], false);
    const before = storeSnapshot(s.engine);
    const preds = predictionFolder(s.root, { 'a.q0.png': car, 'a.q1.png': kite });
    const refused = await finishJob(s.client, () =>
      s.client.call('runs.importPredictions', { datasetId, run: 'p', format: 'png', path: preds }),
    );
    expect(refused.status).toBe('failed');
    expect(refused.error?.message).toMatch(/a\.q1\.png: names both image a\.q1\.png and query 1 of image a\.png; rename one of the images/);
    expect(storeSnapshot(s.engine)).toEqual(before);
  });

  it('.npy heatmaps take the same names; COCO results, which name images, are refused with the per-query way', async () => {
    const s = setup();
    const { datasetId, first } = await refcoco(s);
    const dir = join(s.root, 'maps');
    mkdirSync(dir);
    writeFileSync(join(dir, `${FIRST}.q2.npy`), npyBytes('<f4', [H, W], new Float32Array(W * H).fill(0.25)));
    const done = await finishJob(s.client, () =>
      s.client.call('runs.importPredictions', { datasetId, run: 'maps', format: 'npy', path: dir }),
    );
    expect(done.error).toBeNull();
    const { runId } = PredictionsImportResult.parse(done.result);
    const stored = engineInternals(s.engine).db.prepare('SELECT sample_id FROM heatmaps WHERE run_id = ?').all(runId);
    expect(stored).toEqual([{ sample_id: first.sampleIds[2] }]);

    const results = join(s.root, 'results.json');
    writeFileSync(results, JSON.stringify([{ image_id: 500, category_id: 1, segmentation: { size: [H, W], counts: '0' }, score: 0.9 }]));
    const coco = await finishJob(s.client, () =>
      s.client.call('runs.importPredictions', { datasetId, run: 'coco', format: 'coco-results', path: results }),
    );
    expect(coco.status).toBe('failed');
    expect(coco.error?.message).toContain('COCO results name images, so they cannot say which query they answer');
    expect(coco.error?.message).toContain(`--format png, name its files ${FIRST}.q0.png … ${FIRST}.q2.png`);
  });
});
