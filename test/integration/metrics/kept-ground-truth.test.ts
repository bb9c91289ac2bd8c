/**
 * Issue 12: a prediction import counts each PNG against its image's ground truth merged into one run
 * sequence; the first import keeps that sequence (ground_truth_runs, with the ground_truth_revs
 * counter it was made from) and later imports count against it instead of merging the regions'
 * RLE strings again. These tests hold the counts to a recount from the stored regions whatever the
 * kept rows are: made now, read later, made stale by an edit, cut on disk, or never made (regions
 * that overlap).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoringData, seedScoringDataset, type ScoringData } from '../../../bench/evalData';
import { labelMapToRles, paintLabelMap, readMaskPng } from '../../../src/main/engine/masks';
import { runsOf } from '../../../src/main/engine/masks/runs';
import { partsToRunSequence } from '../../../src/main/engine/metrics/pixelCounts';
import { unpackRunSequence } from '../../../src/main/engine/metrics/runSequencePack';
import { countSample, LabelMapScratch } from '../../../src/main/engine/metrics/sampleCounts';
import { engineInternals } from '../../../src/main/engine/internals';
import type { Engine } from '../../../src/main/engine/engine';
import type { TesseraClient } from '../../../src/shared';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';

const W = 61;
const H = 47;
const CLASSES = 6;

let t: { dir: string; cleanup: () => void };
let engine: Engine;
let client: TesseraClient;
let data: ScoringData;
let datasetId: number;

beforeAll(() => {
  t = tempDir('tessera-kept-gt-');
  data = scoringData(24, { root: join(t.dir, 'data'), width: W, height: H, classes: CLASSES, seed: 31 });
  ({ engine, client } = openTestEngine(join(t.dir, 'ws')));
  datasetId = seedScoringDataset(engine, data, (stem) => readMaskPng(readFileSync(join(data.gtDir, `${stem}.png`))).data);
});

afterAll(async () => {
  await engine?.close();
  t?.cleanup();
});

interface Kept {
  sampleId: number;
  rev: number;
  current: number;
  height: number;
  width: number;
  runs: Buffer;
}

const keptRows = (): Kept[] =>
  engineInternals(engine)
    .db.prepare(
      `SELECT c.sample_id AS sampleId, c.rev, g.rev AS current, c.height, c.width, c.runs
       FROM ground_truth_runs c JOIN ground_truth_revs g ON g.sample_id = c.sample_id ORDER BY c.sample_id`,
    )
    .all() as Kept[];

const gtSamples = (): number[] =>
  engineInternals(engine)
    .db.prepare(
      `SELECT s.id FROM samples s JOIN images i ON i.id = s.image_id
       WHERE i.dataset_id = ? AND EXISTS (SELECT 1 FROM annotations a WHERE a.sample_id = s.id) ORDER BY s.id`,
    )
    .pluck()
    .all(datasetId) as number[];

async function importRun(run: string): Promise<{ runId: number; scored: number }> {
  const imported = await finishJob(client, () =>
    client.call('runs.importPredictions', { datasetId, run, format: 'png', path: data.predDir }),
  );
  expect(imported.error).toBeNull();
  return { runId: Number(imported.result?.['runId']), scored: Number(imported.result?.['scored']) };
}

const storedRows = (runId: number, sampleId: number): unknown[] =>
  engineInternals(engine)
    .db.prepare(
      'SELECT class_idx AS classIdx, tp, fp, fn, gt_pixels AS gtPixels FROM metric_rows WHERE run_id = ? AND sample_id = ? ORDER BY class_idx',
    )
    .all(runId, sampleId);

/** What evaluation computes for the sample from the stored regions and prediction RLEs (no kept sequence). */
function recount(runId: number, sampleId: number): unknown[] | null {
  const { repos } = engineInternals(engine);
  return countSample(
    {
      task: 'semantic',
      numClasses: CLASSES,
      sample: { sampleId, imageId: 0, fileName: 'x', query: null, height: H, width: W, rev: '', stored: null, storedScore: null },
      groundTruth: repos.annotations.currentForSample(sampleId),
      prediction: repos.predictions.forSample(runId, sampleId),
      datasetLabel: 'd',
      runLabel: 'r',
    },
    new LabelMapScratch(),
  );
}

function expectCountsAsRecounted(runId: number): void {
  for (const sampleId of gtSamples()) expect(storedRows(runId, sampleId), `sample ${sampleId}`).toEqual(recount(runId, sampleId));
}

describe("a prediction import keeps each sample's merged ground truth for the next", () => {
  it('the first import keeps one sequence per sample with ground truth, at its counter, equal to the merged regions', async () => {
    expect(keptRows()).toEqual([]);
    const { runId, scored } = await importRun('first');
    const samples = gtSamples();
    expect(samples.length).toBeGreaterThan(20);
    expect(scored).toBe(samples.length);
    const kept = keptRows();
    expect(kept.map((k) => k.sampleId)).toEqual(samples);
    const { repos } = engineInternals(engine);
    for (const k of kept) {
      expect(k.rev).toBe(k.current);
      expect([k.height, k.width]).toEqual([H, W]);
      const merged = partsToRunSequence(
        repos.annotations.currentForSample(k.sampleId).map((r) => ({ classIdx: r.classIdx, runs: runsOf(r.rle) })),
        H * W,
      )!;
      const back = unpackRunSequence(k.runs, H * W)!;
      expect(Array.from(back.ends.subarray(0, back.length))).toEqual(Array.from(merged.ends.subarray(0, merged.length)));
      expect(Array.from(back.values.subarray(0, back.length))).toEqual(Array.from(merged.values.subarray(0, merged.length)));
    }
    expectCountsAsRecounted(runId);
  });

  it('a later import counts against the kept sequences: the same rows, and nothing left for eval', async () => {
    const first = engineInternals(engine).repos.runs.byName(datasetId, 'first')!.id;
    const before = keptRows();
    const { runId, scored } = await importRun('second');
    expect(scored).toBe(gtSamples().length);
    for (const sampleId of gtSamples()) expect(storedRows(runId, sampleId)).toEqual(storedRows(first, sampleId));
    expect(keptRows()).toEqual(before);
    const evaluated = await finishJob(client, () => client.call('metrics.evaluate', { datasetId, runId }));
    expect(evaluated.result).toMatchObject({ computed: 0 });
    const scores = await client.call('metrics.scores', { datasetId, runId });
    expect(scores.semantic).toEqual((await client.call('metrics.scores', { datasetId, runId: first })).semantic);
  });

  it('an edited ground truth is counted as edited (its kept sequence is stale), and its new sequence is kept', async () => {
    const { repos, db } = engineInternals(engine);
    // The edit takes a region's pixels off the left half of the image (no region then overlaps another):
    // the first region with pixels on both halves.
    const left = (i: number): boolean => i % W < W / 2;
    const edits = gtSamples().flatMap((sampleId) => {
      const map = paintLabelMap(repos.annotations.currentForSample(sampleId), H, W);
      return repos.annotations.currentForSample(sampleId).flatMap((region) => {
        const mine = [...map.keys()].filter((i) => map[i] === region.classIdx);
        return mine.some(left) && !mine.every(left) ? [{ sampleId, region, map, removed: mine.filter(left) }] : [];
      });
    });
    const { sampleId, region, map, removed } = edits[0]!;
    for (const i of removed) map[i] = 0;
    const painted = labelMapToRles(map, H, W).find((p) => p.classIdx === region.classIdx)!;
    db.transaction(() =>
      repos.annotations.addVersion({
        annotationId: region.annotationId,
        rle: painted.rle,
        area: painted.area,
        bbox: painted.bbox,
        source: 'edit',
      }),
    )();
    const stale = keptRows().find((k) => k.sampleId === sampleId)!;
    expect(stale.current).toBeGreaterThan(stale.rev);

    const { runId } = await importRun('after-edit');
    const first = repos.runs.byName(datasetId, 'first')!.id;
    expect(storedRows(runId, sampleId)).not.toEqual(storedRows(first, sampleId));
    expectCountsAsRecounted(runId);
    const fresh = keptRows().find((k) => k.sampleId === sampleId)!;
    expect(fresh.rev).toBe(fresh.current);
  });

  it('a kept sequence cut on disk is not counted against: that sample is counted by eval from its regions, and its row goes', async () => {
    const { db } = engineInternals(engine);
    const sampleId = gtSamples()[5]!;
    const kept = keptRows().find((k) => k.sampleId === sampleId)!;
    db.prepare('UPDATE ground_truth_runs SET runs = ? WHERE sample_id = ?').run(kept.runs.subarray(0, kept.runs.length - 3), sampleId);
    // And one of another size than its image (as a sequence kept before the image was re-read would be).
    const other = gtSamples()[6]!;
    db.prepare('UPDATE ground_truth_runs SET width = width + 1 WHERE sample_id = ?').run(other);

    const { runId, scored } = await importRun('cut');
    expect(scored).toBe(gtSamples().length - 2);
    expect(storedRows(runId, sampleId)).toEqual([]);
    expect(keptRows().map((k) => k.sampleId)).not.toContain(sampleId);
    expect(keptRows().map((k) => k.sampleId)).not.toContain(other);
    const evaluated = await finishJob(client, () => client.call('metrics.evaluate', { datasetId, runId }));
    expect(evaluated.result).toMatchObject({ computed: 2 });
    expectCountsAsRecounted(runId);

    // The next import merges their regions again and keeps them.
    await importRun('after-cut');
    const again = keptRows().filter((k) => k.sampleId === sampleId || k.sampleId === other);
    expect(again.map((k) => [k.rev === k.current, k.width])).toEqual([
      [true, W],
      [true, W],
    ]);
  });

  it('regions that overlap are painted ("later wins") and no sequence is kept for them', async () => {
    const { repos, db } = engineInternals(engine);
    const sampleId = gtSamples()[8]!;
    // A second region of class 5 over the whole image: it overlaps every other region of the sample.
    const all = labelMapToRles(new Uint8Array(H * W).fill(5), H, W)[0]!;
    db.transaction(() => repos.annotations.create({ sampleId, classIdx: 5, rle: all.rle, area: all.area, bbox: all.bbox }))();
    const { runId, scored } = await importRun('overlap');
    expect(scored).toBe(gtSamples().length);
    expectCountsAsRecounted(runId);
    const row = keptRows().find((k) => k.sampleId === sampleId)!;
    expect(row.current).toBeGreaterThan(row.rev);
  });
});
