/**
 * Inputs as the upstream tools write them (probe O): binary masks saved two ways by one script, LISA's
 * cp1252 annotation files, LISA/READ masks saved as 0/100, and detector result dumps whose low-scoring
 * results overlap confident ones. Each of these was read without a word and gave a wrong score.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ImportResult } from '../../../src/shared';
import { PredictionsImportResult } from '../../../src/shared/api/methods/datasets';
import { encodeMask } from '../../../src/main/engine/masks/rle';
import { engineInternals } from '../../../src/main/engine/internals';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { rectLabels, writeGreyMask, writeSolidImage } from '../../helpers/fixtures';
import { makeCocoDataset } from './generate';
import { imagesByName, sampleLabels, setup } from './store';

const W = 40;
const H = 30;

async function evaluate(client: ReturnType<typeof setup>['client'], datasetId: number, runId: number) {
  const done = await finishJob(client, () => client.call('metrics.evaluate', { datasetId, runId }));
  expect(done.error).toBeNull();
  return client.call('metrics.scores', { datasetId, runId });
}

describe('folder masks: one binary set saved two ways', () => {
  it('0/1 and 0/255 masks in one folder are one binary set (255 = foreground), and the import says so', async () => {
    const { root, engine, client } = setup();
    mkdirSync(join(root, 'img'));
    mkdirSync(join(root, 'mask'));
    const object = rectLabels(W, H, { x: 5, y: 5, w: 10, h: 10 }, 1); // 100 pixels
    for (const name of ['a', 'b', 'c']) await writeSolidImage(join(root, 'img', `${name}.png`), W, H, [80, 80, 80]);
    writeGreyMask(join(root, 'mask', 'a.png'), W, H, object); // m
    writeGreyMask(
      join(root, 'mask', 'b.png'),
      W,
      H,
      object.map((v) => v * 255),
    ); // m * 255
    writeGreyMask(
      join(root, 'mask', 'c.png'),
      W,
      H,
      object.map((v) => v * 255),
    );
    const done = await finishJob(client, () =>
      client.call('datasets.importFolder', { dir: join(root, 'img'), masksDir: join(root, 'mask'), name: 'two-ways' }),
    );
    const result = ImportResult.parse(done.result);
    expect(result.notes).toEqual([
      '1 mask(s) hold 0/1 (a.png) and 2 hold 0/255 (b.png, c.png): read as one binary set, 1 and 255 both foreground',
    ]);
    const images = imagesByName(engine, result.datasetId);
    for (const name of ['a.png', 'b.png', 'c.png'])
      expect(Array.from(sampleLabels(engine, images.get(name)!.sampleIds[0]!, H, W))).toEqual(Array.from(object));
    expect((await client.call('datasets.get', { datasetId: result.datasetId })).classCount).toBe(2);

    // A prediction that finds the object on a and misses it on b and c: class 1 IoU 100/300, not 1.0.
    const pred = join(root, 'pred');
    mkdirSync(pred);
    writeGreyMask(join(pred, 'a.png'), W, H, object);
    writeGreyMask(join(pred, 'b.png'), W, H, new Uint8Array(W * H));
    writeGreyMask(join(pred, 'c.png'), W, H, new Uint8Array(W * H));
    const run = PredictionsImportResult.parse(
      (
        await finishJob(client, () =>
          client.call('runs.importPredictions', { datasetId: result.datasetId, run: 'r', format: 'png', path: pred }),
        )
      ).result,
    );
    const scores = await evaluate(client, result.datasetId, run.runId);
    expect(scores.semantic?.per_class[1]?.iou).toBeCloseTo(100 / 300, 12);
    expect(scores.semantic?.per_class[0]?.iou).toBeCloseTo(3300 / 3500, 12);
  });

  it('an index set keeps 255 as ignore, and names the masks that hold only 0 and 255', async () => {
    const { root, engine, client } = setup();
    mkdirSync(join(root, 'img'));
    mkdirSync(join(root, 'mask'));
    const labels = rectLabels(W, H, { x: 5, y: 5, w: 10, h: 10 }, 2);
    for (const name of ['a', 'b']) await writeSolidImage(join(root, 'img', `${name}.png`), W, H, [80, 80, 80]);
    writeGreyMask(join(root, 'mask', 'a.png'), W, H, labels);
    writeGreyMask(
      join(root, 'mask', 'b.png'),
      W,
      H,
      labels.map((v) => (v === 0 ? 0 : 255)),
    );
    const done = await finishJob(client, () =>
      client.call('datasets.importFolder', { dir: join(root, 'img'), masksDir: join(root, 'mask') }),
    );
    const result = ImportResult.parse(done.result);
    expect(result.notes).toHaveLength(1);
    expect(result.notes[0]).toMatch(/^1 mask\(s\) hold only 0 and 255 \(b\.png\) while others hold class values: 255 is read as ignore/);
    const b = imagesByName(engine, result.datasetId).get('b.png')!;
    expect(sampleLabels(engine, b.sampleIds[0]!, H, W)[5 * W + 5]).toBe(255);
  });

  it('a set of 0/255 masks only, or of class values only, has no note', async () => {
    const { root, client } = setup();
    mkdirSync(join(root, 'img'));
    mkdirSync(join(root, 'mask'));
    await writeSolidImage(join(root, 'img', 'a.png'), W, H, [80, 80, 80]);
    writeGreyMask(join(root, 'mask', 'a.png'), W, H, rectLabels(W, H, { x: 1, y: 1, w: 4, h: 4 }, 255));
    const done = await finishJob(client, () =>
      client.call('datasets.importFolder', { dir: join(root, 'img'), masksDir: join(root, 'mask') }),
    );
    expect(ImportResult.parse(done.result).notes).toEqual([]);
  });
});

describe('ReasonSeg annotation files in Windows-1252', () => {
  it('are read as LISA reads them (encoding="cp1252"), and the import says so', async () => {
    const { root, engine, client } = setup();
    const dir = join(root, 'rs', 'val');
    mkdirSync(dir, { recursive: true });
    await writeSolidImage(join(dir, 'a.jpg'), W, H, [90, 90, 90]);
    const json = JSON.stringify({
      text: ['Where is the café sign’s cup?'],
      is_sentence: true,
      shapes: [
        {
          label: 'target',
          points: [
            [2, 2],
            [10, 2],
            [10, 10],
            [2, 10],
          ],
          shape_type: 'polygon',
        },
      ],
    });
    // é = 0xE9 and ’ = 0x92 in Windows-1252: not UTF-8.
    const bytes = Buffer.from(Array.from(json, (ch) => (ch === 'é' ? 0xe9 : ch === '’' ? 0x92 : ch.charCodeAt(0))));
    writeFileSync(join(dir, 'a.json'), bytes);
    await writeSolidImage(join(dir, 'b.jpg'), W, H, [90, 90, 90]);
    writeFileSync(join(dir, 'b.json'), json.replace('café', 'naïve café'), 'utf8');
    const done = await finishJob(client, () => client.call('datasets.importReasonSeg', { dir: join(root, 'rs') }));
    const result = ImportResult.parse(done.result);
    expect(result.notes).toEqual(['1 annotation file(s) are not UTF-8 (a.json): read as Windows-1252, as LISA does']);
    const queries = engineInternals(engine)
      .db.prepare('SELECT i.file_name, s.query FROM samples s JOIN images i ON i.id = s.image_id ORDER BY 1')
      .all();
    expect(queries).toEqual([
      { file_name: 'a.jpg', query: 'Where is the café sign’s cup?' },
      { file_name: 'b.jpg', query: 'Where is the naïve café sign’s cup?' },
    ]);
  });
});

describe('referring predictions saved as LISA and READ save them', () => {
  it('a 0/100 mask (pred_mask * 100) is foreground wherever it is not 0', async () => {
    const { root, client } = setup();
    const dir = join(root, 'rs', 'val');
    mkdirSync(dir, { recursive: true });
    await writeSolidImage(join(dir, 'a.jpg'), W, H, [90, 90, 90]);
    writeFileSync(
      join(dir, 'a.json'),
      JSON.stringify({
        text: ['the box'],
        shapes: [
          {
            label: 'target',
            points: [
              [0, 0],
              [9, 0],
              [9, 9],
              [0, 9],
            ],
          },
        ],
      }),
    );
    const ds = ImportResult.parse(
      (await finishJob(client, () => client.call('datasets.importReasonSeg', { dir: join(root, 'rs') }))).result,
    );
    const pred = join(root, 'pred');
    mkdirSync(pred);
    // Target: the 10x10 box (100 px). Prediction: a 10x5 half of it, saved as 0/100.
    writeGreyMask(join(pred, 'a.png'), W, H, rectLabels(W, H, { x: 0, y: 0, w: 10, h: 5 }, 100));
    const done = await finishJob(client, () =>
      client.call('runs.importPredictions', { datasetId: ds.datasetId, run: 'lisa', format: 'png', path: pred }),
    );
    expect(done.error).toBeNull();
    const run = PredictionsImportResult.parse(done.result);
    const scores = await evaluate(client, ds.datasetId, run.runId);
    expect(scores.referring?.giou).toBeCloseTo(0.5, 12);
    expect(scores.referring?.ciou).toBeCloseTo(0.5, 12);
  });
});

describe('coco-results with scores', () => {
  async function cocoWithResults(root: string, client: ReturnType<typeof setup>['client']) {
    const coco = await makeCocoDataset(join(root, 'coco'), { n: 1 });
    const ds = ImportResult.parse(
      (await finishJob(client, () => client.call('datasets.importCoco', { annotations: coco.annotations, imagesDir: coco.images }))).result,
    );
    const m = new Uint8Array(30 * 40);
    m.fill(1, 0, 100);
    const rle = encodeMask(m, 30, 40);
    // A confident car (category 3) and a barely-scored kite (11, a later class) over the same pixels.
    const results = [
      { image_id: 500, category_id: 3, segmentation: rle, score: 0.99 },
      { image_id: 500, category_id: 11, segmentation: rle, score: 0.05 },
    ];
    const file = join(root, 'results.json');
    writeFileSync(file, JSON.stringify(results));
    return { ds, file };
  }

  it('overlapping results are painted lowest score first: the most confident is on top', async () => {
    const { root, engine, client } = setup();
    const { ds, file } = await cocoWithResults(root, client);
    const done = await finishJob(client, () =>
      client.call('runs.importPredictions', { datasetId: ds.datasetId, run: 'det', format: 'coco-results', path: file }),
    );
    const run = PredictionsImportResult.parse(done.result);
    expect(run.notes).toEqual([
      '1 of 2 result(s) score below 0.5; every result is painted (highest score on top): pass --min-score 0.5 to keep only the confident ones',
    ]);
    const carIndex = engineInternals(engine)
      .db.prepare("SELECT idx FROM classes WHERE dataset_id = ? AND name = 'car'")
      .pluck()
      .get(ds.datasetId);
    const imageId = (await client.call('images.page', { datasetId: ds.datasetId })).items[0]!.id;
    const blob = await engine.blobs.read({ kind: 'prediction', runId: run.runId, imageId });
    expect(new Set(blob.bytes.slice(0, 100))).toEqual(new Set([carIndex]));
    // Scored as painted: the car's pixels are the car's (the kite under it is not on top).
    const scores = await evaluate(client, ds.datasetId, run.runId);
    const kite = scores.semantic?.per_class.find((c) => c.name === 'kite');
    expect(kite?.iou).toBe(0);
  });

  it('--min-score leaves out results below it, and says how many', async () => {
    const { root, engine, client } = setup();
    const { ds, file } = await cocoWithResults(root, client);
    const done = await finishJob(client, () =>
      client.call('runs.importPredictions', { datasetId: ds.datasetId, run: 'det', format: 'coco-results', path: file, minScore: 0.5 }),
    );
    const run = PredictionsImportResult.parse(done.result);
    expect(run).toMatchObject({ regions: 1, notes: ['1 result(s) scoring below 0.5 (or without a score) left out'] });
    expect(engineInternals(engine).db.prepare('SELECT score FROM predictions WHERE run_id = ?').pluck().all(run.runId)).toEqual([0.99]);
    // A threshold above every result says so (not "no predictions match any image").
    const none = await finishJob(client, () =>
      client.call('runs.importPredictions', { datasetId: ds.datasetId, run: 'none', format: 'coco-results', path: file, minScore: 1.5 }),
    );
    expect(none.error?.message).toMatch(/: all 2 results score below --min-score 1\.5 \(or have no score\): nothing to import$/);
  });

  it('opening a workspace of schema 15 drops counts stored for scored results, so they are counted again', async () => {
    const { root, engine, client } = setup();
    const { ds, file } = await cocoWithResults(root, client);
    const run = PredictionsImportResult.parse(
      (
        await finishJob(client, () =>
          client.call('runs.importPredictions', { datasetId: ds.datasetId, run: 'det', format: 'coco-results', path: file }),
        )
      ).result,
    );
    const before = await evaluate(client, ds.datasetId, run.runId);
    const db = engineInternals(engine).db;
    const stored = (): number => db.prepare('SELECT COUNT(*) FROM metric_samples WHERE run_id = ?').pluck().get(run.runId) as number;
    expect(stored()).toBeGreaterThan(0);
    const workspace = join(root, 'ws');
    await engine.close();
    const raw = new Database(join(workspace, 'tessera.db'));
    // What schema 15 had: not migration 17's or 18's tables and triggers either.
    raw.exec(
      `DROP TABLE run_samples; DROP TABLE retired_ids; ${['datasets', 'runs', 'images', 'models'].map((x) => `DROP TRIGGER retired_ids_${x};`).join(' ')}`,
    );
    raw.pragma('user_version = 15');
    raw.close();
    const again = openTestEngine(workspace);
    try {
      const count = engineInternals(again.engine).db.prepare('SELECT COUNT(*) FROM metric_samples WHERE run_id = ?').pluck().get(run.runId);
      expect(count).toBe(0);
      const after = await evaluate(again.client, ds.datasetId, run.runId);
      expect(after.semantic).toEqual(before.semantic);
    } finally {
      await again.engine.close();
    }
  });
});

describe('messages that say what to do', () => {
  it('a prediction at the size of the image turned by 90°, and a pickled CAM dict passed as --format npy', async () => {
    const { root, client } = setup();
    mkdirSync(join(root, 'img'));
    mkdirSync(join(root, 'mask'));
    await writeSolidImage(join(root, 'img', 'a.png'), W, H, [80, 80, 80]);
    writeGreyMask(join(root, 'mask', 'a.png'), W, H, rectLabels(W, H, { x: 1, y: 1, w: 4, h: 4 }, 1));
    const ds = ImportResult.parse(
      (await finishJob(client, () => client.call('datasets.importFolder', { dir: join(root, 'img'), masksDir: join(root, 'mask') })))
        .result,
    );
    const turned = join(root, 'turned');
    mkdirSync(turned);
    writeGreyMask(join(turned, 'a.png'), H, W, new Uint8Array(W * H));
    const bad = await finishJob(client, () =>
      client.call('runs.importPredictions', { datasetId: ds.datasetId, run: 't', format: 'png', path: turned }),
    );
    expect(bad.error?.message).toMatch(/prediction is 30x40 but image a\.png is 40x30 \(the image turned by 90°: .*predict on that grid/);
    const pickled = join(root, 'pickled');
    mkdirSync(pickled);
    const header = "{'descr': '|O', 'fortran_order': False, 'shape': (), }";
    const padded = header.padEnd(118, ' ') + '\n';
    writeFileSync(
      join(pickled, 'a.npy'),
      Buffer.concat([
        Buffer.from([0x93]),
        Buffer.from('NUMPY'),
        Buffer.from([1, 0, padded.length, 0]),
        Buffer.from(padded),
        Buffer.from([0x80, 2]),
      ]),
    );
    const npy = await finishJob(client, () =>
      client.call('runs.importPredictions', { datasetId: ds.datasetId, run: 'p', format: 'npy', path: pickled }),
    );
    expect(npy.error?.message).toMatch(/pickled Python object .* re-save as \.npz \(keys, high_res\) and use --format toco-cam/);
  });
});
