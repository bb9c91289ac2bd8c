/**
 * Issue 12: PNG predictions are counted against the ground truth while they are imported (in the
 * worker pool), so `eval` right after has nothing to count; the scores equal the numpy script's
 * (bench/eval_numpy.py: PIL + np.bincount, run here by /usr/bin/python3 where it has numpy and PIL)
 * to 1e-12, and equal a recount from the stored RLEs.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { perImageRows } from '../../../src/shared/api/methods/metrics';
import { hasNumpy, runNumpy } from '../../../bench/numpyAnchor';
import { scene, scoringData, seedScoringDataset, type ScoringData } from '../../../bench/evalData';
import { readMaskPng } from '../../../src/main/engine/masks';
import { readFileSync } from 'node:fs';
import { countLabelMaps } from '../../../src/main/engine/metrics/pixelCounts';
import { countSample, LabelMapScratch } from '../../../src/main/engine/metrics/sampleCounts';
import { labelMapToRles } from '../../../src/main/engine/masks';
import type { Engine } from '../../../src/main/engine/engine';
import type { TesseraClient } from '../../../src/shared';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { testRandom } from './helpers';
import { engineInternals } from '../../../src/main/engine/internals';
import { decodeScoreList, snapshotVersion } from '../../../src/main/engine/store/scoreSnapshots';
import { scoreInputVersions } from '../../../src/main/engine/store/scoreInputs';
import { perImageWire } from '../../../src/main/engine/store/readWorker/perImageColumns';

let t: { dir: string; cleanup: () => void };
let engine: Engine;
let client: TesseraClient;
let data: ScoringData;
let datasetId: number;

beforeAll(() => {
  t = tempDir('tessera-score-import-');
  data = scoringData(24, { root: join(t.dir, 'data'), width: 61, height: 47, classes: 6, seed: 12 });
  ({ engine, client } = openTestEngine(join(t.dir, 'ws')));
  datasetId = seedScoringDataset(engine, data, (stem) => readMaskPng(readFileSync(join(data.gtDir, `${stem}.png`))).data);
});

afterAll(async () => {
  await engine?.close();
  t?.cleanup();
});

describe('scoring while importing PNG predictions', () => {
  it('stores counts with the predictions, so eval counts nothing, and scores equal the numpy script to 1e-12', async () => {
    const imported = await finishJob(client, () =>
      client.call('runs.importPredictions', { datasetId, run: 'pred', format: 'png', path: data.predDir }),
    );
    expect(imported.error).toBeNull();
    const runId = Number(imported.result?.['runId']);
    expect(imported.result?.['scored']).toBe(24);
    const evaluated = await finishJob(client, () => client.call('metrics.evaluate', { datasetId, runId }));
    expect(evaluated.result).toMatchObject({ images: 24, computed: 0, upToDate: 24 });
    // The Jobs page shows the evaluation as 24/24 (every stored score current), not 0/0.
    expect(await client.call('jobs.get', { jobId: evaluated.jobId })).toMatchObject({
      status: 'succeeded',
      done: 24,
      total: 24,
      stage: 'done: every stored score was current',
    });
    const scores = await client.call('metrics.scores', { datasetId, runId });

    // The stored counts equal what evaluation computes from the stored RLEs.
    const { db, repos } = engineInternals(engine);
    const scratch = new LabelMapScratch();
    const samples = db
      .prepare(
        'SELECT s.id AS sampleId, i.id AS imageId, i.file_name AS fileName, i.height, i.width FROM samples s JOIN images i ON i.id = s.image_id WHERE i.dataset_id = ?',
      )
      .all(datasetId) as Array<{ sampleId: number; imageId: number; fileName: string; height: number; width: number }>;
    for (const s of samples) {
      const stored = db
        .prepare(
          'SELECT class_idx AS classIdx, tp, fp, fn, gt_pixels AS gtPixels FROM metric_rows WHERE run_id = ? AND sample_id = ? ORDER BY class_idx',
        )
        .all(runId, s.sampleId);
      const recount = countSample(
        {
          task: 'semantic',
          numClasses: 6,
          sample: { ...s, query: null, rev: '', stored: null, storedScore: null },
          groundTruth: repos.annotations.currentForSample(s.sampleId),
          prediction: repos.predictions.forSample(runId, s.sampleId),
          datasetLabel: 'd',
          runLabel: 'r',
        },
        scratch,
      );
      expect(stored).toEqual(recount);
    }

    if (!hasNumpy()) return; // no python3 with numpy and PIL here: the parity half is skipped
    const numpy = runNumpy(data)!;
    expect(numpy.images).toBe(24);
    expect(Math.abs(scores.semantic!.miou! - numpy.miou)).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(scores.semantic!.miou_gt_classes! - numpy.miou_gt_classes)).toBeLessThanOrEqual(1e-12);
  });

  it('keeps the per-image scores counted while importing, for the first score sort of a later process', async () => {
    const { db, repos } = engineInternals(engine);
    const runId = repos.runs.byName(datasetId, 'pred')!.id;
    let row: { version: string; payload: Buffer } | undefined;
    for (let k = 0; k < 100 && row === undefined; k++) {
      row = db.prepare('SELECT version, payload FROM score_snapshots WHERE run_id = ?').get(runId) as typeof row;
      if (row === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(row?.version).toBe(snapshotVersion(scoreInputVersions(db)!.run(runId)));
    const perImage = perImageRows(await client.call('metrics.perImage', { datasetId, runId }));
    expect(perImage).toHaveLength(24);
    expect(perImageRows(perImageWire(decodeScoreList(row!.payload)!))).toEqual(perImage);
  });

  it('recounts a sample whose ground truth changed after the import', async () => {
    const runId = engineInternals(engine).repos.runs.byName(datasetId, 'pred')!.id;
    const sampleId = engineInternals(engine)
      .db.prepare('SELECT MIN(s.id) FROM samples s JOIN images i ON i.id = s.image_id WHERE i.dataset_id = ?')
      .pluck()
      .get(datasetId) as number;
    const region = engineInternals(engine).repos.annotations.currentForSample(sampleId)[0]!;
    engineInternals(engine)
      .db.prepare('UPDATE annotations SET current_version = current_version WHERE sample_id = ? AND class_idx = ?')
      .run(sampleId, region.classIdx);
    const evaluated = await finishJob(client, () => client.call('metrics.evaluate', { datasetId, runId }));
    expect(evaluated.result).toMatchObject({ computed: 1, upToDate: 23 });
  });
});

describe('countLabelMaps', () => {
  it('gives countSample rows on random maps, and null for values evaluation refuses', () => {
    const random = testRandom(3);
    const scratch = new LabelMapScratch();
    for (let k = 0; k < 30; k++) {
      const { gt, pred } = scene(random, 23, 17, 5);
      const sample = {
        sampleId: 1,
        imageId: 1,
        fileName: 'x',
        query: null,
        height: 17,
        width: 23,
        rev: '',
        stored: null,
        storedScore: null,
      };
      const regions = (m: Uint8Array) => labelMapToRles(m, 17, 23).filter((p) => p.classIdx !== 0);
      const expected = countSample(
        { task: 'semantic', numClasses: 5, sample, groundTruth: regions(gt), prediction: regions(pred), datasetLabel: 'd', runLabel: 'r' },
        scratch,
      );
      expect(countLabelMaps(gt, pred, 5)).toEqual(expected);
    }
    expect(countLabelMaps(new Uint8Array([0, 7]), new Uint8Array([0, 1]), 5)).toBeNull();
    expect(countLabelMaps(new Uint8Array([0, 1]), new Uint8Array([0, 9]), 5)).toBeNull();
    expect(countLabelMaps(new Uint8Array([255, 1]), new Uint8Array([3, 1]), 5)).toEqual([
      { classIdx: 0, tp: 0, fp: 0, fn: 0, gtPixels: 0 },
      { classIdx: 1, tp: 1, fp: 0, fn: 0, gtPixels: 1 },
    ]);
  });
});
