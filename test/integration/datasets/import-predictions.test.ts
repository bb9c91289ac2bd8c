import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { zipSync } from 'fflate';
import { ImportResult } from '../../../src/shared';
import { PredictionsImportResult } from '../../../src/shared/api/methods/datasets';
import { encodeMask } from '../../../src/main/engine/masks';
import { finishJob } from '../../helpers/engine';
import { npyBytes } from '../../unit/engine/datasets/npyBytes';
import { makeCocoDataset, makeVocRoot, vocLabels } from './generate';
import { imagesByName, setup, storeSnapshot } from './store';
import { engineInternals } from '../../../src/main/engine/internals';

const W = 48;
const H = 36;

async function vocDataset(s: ReturnType<typeof setup>) {
  const voc = await makeVocRoot(join(s.root, 'voc'), { n: 3 });
  const result = ImportResult.parse(
    (await finishJob(s.client, () => s.client.call('datasets.importVoc', { root: voc.root, name: 'voc' }))).result,
  );
  return { voc, datasetId: result.datasetId, images: imagesByName(s.engine, result.datasetId) };
}

function grey(path: string, labels: Uint8Array, w = W, h = H): void {
  writeFileSync(path, encode({ width: w, height: h, data: labels, channels: 1, depth: 8 }));
}

describe('import predictions as a run', () => {
  // 0/255 files are binary masks on a dataset of two classes only (folder-mask-readings.test.ts): here, VOC's 21.
  it("png: class-index masks become the run's label maps; unmatched files are listed", async () => {
    const s = setup();
    const { datasetId, images } = await vocDataset(s);
    const dir = join(s.root, 'pred');
    mkdirSync(dir);
    const a = vocLabels(W, H, 5).map((v) => (v === 255 ? 0 : v));
    grey(join(dir, '2007_000000.png'), a);
    const sparse = new Uint8Array(W * H);
    for (let i = 0; i < 300; i++) sparse[i * 3] = 1;
    grey(join(dir, '2007_000001.png'), sparse);
    grey(join(dir, 'stranger.png'), a);
    const done = await finishJob(s.client, () =>
      s.client.call('runs.importPredictions', { datasetId, run: 'deeplab', format: 'png', path: dir }),
    );
    expect(done.error).toBeNull();
    const result = PredictionsImportResult.parse(done.result);
    expect(result).toMatchObject({
      name: 'deeplab',
      images: 2,
      heatmaps: 0,
      skipped: [{ file: 'stranger.png', reason: 'no image of the dataset has this name' }],
      // The third image has no file: the complete run scores it as all background, and says so.
      withoutFile: { images: 1, of: 3, examples: ['2007_000002.jpg'] },
    });
    const run = await s.client.call('runs.get', { runId: result.runId });
    // It covers the 3 images eval scores, the one without a file as all background (runs list said 2).
    expect(run).toMatchObject({ source: 'import', status: 'complete', predictedSamples: 3, hasMasks: true });
    const blobA = await s.engine.blobs.read({ kind: 'prediction', runId: result.runId, imageId: images.get('2007_000000.jpg')?.id ?? 0 });
    expect(Buffer.from(blobA.bytes).equals(Buffer.from(a))).toBe(true);
    const blobB = await s.engine.blobs.read({ kind: 'prediction', runId: result.runId, imageId: images.get('2007_000001.jpg')?.id ?? 0 });
    expect(Array.from(blobB.bytes)).toEqual(Array.from(sparse));
  });

  it('runs list counts the samples a complete run covers: an all-background prediction stores no region but is covered (probe AE F7)', async () => {
    const s = setup();
    const { datasetId } = await vocDataset(s);
    const dir = join(s.root, 'pred-bg');
    mkdirSync(dir);
    grey(
      join(dir, '2007_000000.png'),
      vocLabels(W, H, 5).map((v) => (v === 255 ? 0 : v)),
    );
    grey(join(dir, '2007_000001.png'), new Uint8Array(W * H));
    grey(join(dir, '2007_000002.png'), new Uint8Array(W * H));
    const done = await finishJob(s.client, () =>
      s.client.call('runs.importPredictions', { datasetId, run: 'bg', format: 'png', path: dir }),
    );
    expect(done.error).toBeNull();
    const { runId } = PredictionsImportResult.parse(done.result);
    // One stored region set: the other two predictions are all background. runs list said 1; eval scores 3.
    expect(
      engineInternals(s.engine).db.prepare('SELECT COUNT(DISTINCT sample_id) AS n FROM predictions WHERE run_id = ?').get(runId),
    ).toEqual({ n: 1 });
    expect((await s.client.call('runs.get', { runId })).predictedSamples).toBe(3);
    expect((await s.client.call('metrics.scores', { datasetId, runId })).images).toBe(3);
    expect((await s.client.call('runs.list', { datasetId })).map((r) => [r.name, r.predictedSamples])).toEqual([['bg', 3]]);
    // A second complete run of the dataset covers the same 3 (the dataset's samples are counted once per list).
    const again = await finishJob(s.client, () =>
      s.client.call('runs.importPredictions', { datasetId, run: 'bg2', format: 'png', path: dir }),
    );
    expect(again.error).toBeNull();
    expect((await s.client.call('runs.list', { datasetId })).map((r) => [r.name, r.predictedSamples])).toEqual([
      ['bg', 3],
      ['bg2', 3],
    ]);
  });

  it('coco-results: RLE results matched by COCO image and category ids, scores and instance numbers kept', async () => {
    const s = setup();
    const coco = await makeCocoDataset(join(s.root, 'coco'), { n: 2 });
    const ds = ImportResult.parse(
      (await finishJob(s.client, () => s.client.call('datasets.importCoco', { annotations: coco.annotations, imagesDir: coco.images })))
        .result,
    );
    const m = new Uint8Array(30 * 40);
    m.fill(1, 0, 100);
    const rle = encodeMask(m, 30, 40);
    const results = [
      { image_id: 503, category_id: 7, segmentation: rle, score: 0.9 },
      { image_id: 503, category_id: 7, segmentation: rle, score: 0.4 },
      { image_id: 500, category_id: 11, segmentation: rle, score: 0.7 },
    ];
    const file = join(s.root, 'results.json');
    writeFileSync(file, JSON.stringify(results));
    const done = await finishJob(s.client, () =>
      s.client.call('runs.importPredictions', { datasetId: ds.datasetId, run: 'maskrcnn', format: 'coco-results', path: file }),
    );
    const result = PredictionsImportResult.parse(done.result);
    expect(result).toMatchObject({ images: 2, regions: 3 });
    const rows = engineInternals(s.engine)
      .db.prepare('SELECT class_idx, instance, score, rle, area FROM predictions WHERE run_id = ? ORDER BY sample_id, class_idx, instance')
      .all(result.runId);
    expect(rows).toEqual([
      { class_idx: 3, instance: 0, score: 0.7, rle: rle.counts, area: 100 },
      { class_idx: 2, instance: 0, score: 0.9, rle: rle.counts, area: 100 },
      { class_idx: 2, instance: 1, score: 0.4, rle: rle.counts, area: 100 },
    ]);
    // Exported back as COCO results: same ids, same strings.
    const out = join(s.root, 'out');
    await finishJob(s.client, () =>
      s.client.call('datasets.export', { datasetId: ds.datasetId, runId: result.runId, format: 'coco', outDir: out }),
    );
    const back = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as typeof results;
    expect(back.map((r) => [r.image_id, r.category_id, r.score, r.segmentation.counts]).sort()).toEqual(
      results.map((r) => [r.image_id, r.category_id, r.score, rle.counts]).sort(),
    );
  });

  it('npy: [C,h,w] CAMs and [h,w] heatmaps stored as float32, exported back raw as the same .npy values, else at image size', async () => {
    const s = setup();
    const { datasetId, images } = await vocDataset(s);
    const dir = join(s.root, 'cams');
    mkdirSync(dir);
    const cam = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i / 7);
    writeFileSync(join(dir, '2007_000000.npy'), npyBytes('<f4', [2, 3, 4], cam));
    const heat = Float64Array.from({ length: 12 }, (_, i) => 0.1 * i);
    writeFileSync(join(dir, '2007_000002.npy'), npyBytes('<f8', [3, 4], heat));
    const done = await finishJob(s.client, () =>
      s.client.call('runs.importPredictions', { datasetId, run: 'toco', format: 'npy', path: dir }),
    );
    const result = PredictionsImportResult.parse(done.result);
    expect(result).toMatchObject({ images: 2, heatmaps: 2 });
    const sample0 = images.get('2007_000000.jpg')?.sampleIds[0] ?? 0;
    const stored = engineInternals(s.engine).repos.predictions.heatmap(result.runId, sample0, 'cam');
    expect(stored).toMatchObject({ shape: [2, 3, 4], dtype: 'float32' });
    expect(Array.from(new Float32Array(stored?.data.slice().buffer ?? new ArrayBuffer(0)))).toEqual(Array.from(cam));
    // A heatmap-only run has no prediction mask to draw (an all-background map would show every object as missed),
    // and says so in runs.list (the UI offers it for no score sort, overlay or comparison).
    expect(await s.client.call('runs.get', { runId: result.runId })).toMatchObject({ hasMasks: false, predictedSamples: 2 });
    await expect(
      s.engine.blobs.read({ kind: 'prediction', runId: result.runId, imageId: images.get('2007_000000.jpg')?.id ?? 0 }),
    ).rejects.toThrow(`run ${result.runId} holds no masks (only heatmaps, or no results yet)`);

    const out = join(s.root, 'npy-out');
    const exp = await finishJob(s.client, () =>
      s.client.call('datasets.export', { datasetId, runId: result.runId, format: 'npy', outDir: out, raw: true }),
    );
    expect(exp.result).toMatchObject({ files: 3, images: 2 }); // + heatmaps.json
    expect(Buffer.from(readFileSync(join(out, '2007_000000.npy'))).equals(Buffer.from(npyBytes('<f4', [2, 3, 4], cam)))).toBe(true);
    expect(
      Buffer.from(readFileSync(join(out, '2007_000002.npy'))).equals(Buffer.from(npyBytes('<f4', [3, 4], Float32Array.from(heat)))),
    ).toBe(true);
    const index = JSON.parse(readFileSync(join(out, 'heatmaps.json'), 'utf8')) as { files: Array<{ file: string; geometry: unknown }> };
    expect(index.files.map((f) => [f.file, f.geometry])).toEqual([
      ['2007_000000.npy', null],
      ['2007_000002.npy', null],
    ]);

    // By default at the image size: an imported map has no geometry, so it covers the whole image.
    const sized = join(s.root, 'npy-sized');
    await finishJob(s.client, () => s.client.call('datasets.export', { datasetId, runId: result.runId, format: 'npy', outDir: sized }));
    const header = (file: string): string => readFileSync(join(sized, file)).subarray(10, 80).toString('latin1');
    expect(header('2007_000000.npy')).toContain(`'shape': (2, ${H}, ${W})`);
    expect(header('2007_000002.npy')).toContain(`'shape': (${H}, ${W})`);
  });

  it('toco-cam: .npz dicts with keys and high_res; pickled .npy dicts get a re-save hint', async () => {
    const s = setup();
    const { datasetId, images } = await vocDataset(s);
    const dir = join(s.root, 'irn');
    mkdirSync(dir);
    const highRes = Float32Array.from({ length: 2 * H * W }, (_, i) => (i % 97) / 97);
    writeFileSync(
      join(dir, '2007_000001.npz'),
      zipSync({ 'keys.npy': npyBytes('<i8', [2], new BigInt64Array([4n, 14n])), 'high_res.npy': npyBytes('<f4', [2, H, W], highRes) }),
    );
    const done = await finishJob(s.client, () =>
      s.client.call('runs.importPredictions', { datasetId, run: 'irn', format: 'toco-cam', path: dir }),
    );
    const result = PredictionsImportResult.parse(done.result);
    const stored = engineInternals(s.engine).repos.predictions.heatmap(
      result.runId,
      images.get('2007_000001.jpg')?.sampleIds[0] ?? 0,
      'cam',
    );
    expect(stored?.shape).toEqual([2, H, W]);
    expect(stored?.meta).toMatchObject({ keys: [4, 14], classIndices: [5, 15] });

    const pickled = join(s.root, 'pickled');
    mkdirSync(pickled);
    writeFileSync(join(pickled, '2007_000001.npy'), npyBytes('|O', [], new Uint8Array(16)));
    const failed = await finishJob(s.client, () =>
      s.client.call('runs.importPredictions', { datasetId, run: 'pickled', format: 'toco-cam', path: pickled }),
    );
    expect(failed.error?.code).toBe('UNSUPPORTED_FORMAT');
    expect(failed.error?.message).toMatch(/cannot be read without Python; re-save each as \.npz: np\.savez/);
  });

  describe('bad input: one clear error, no run written', () => {
    async function expectFailure(
      make: (dir: string) => void,
      format: 'png' | 'npy' | 'toco-cam',
      code: string,
      message: RegExp,
      run = 'new',
    ): Promise<void> {
      const s = setup();
      const { datasetId } = await vocDataset(s);
      const ok = join(s.root, 'ok');
      mkdirSync(ok);
      grey(join(ok, '2007_000000.png'), new Uint8Array(W * H));
      await finishJob(s.client, () => s.client.call('runs.importPredictions', { datasetId, run: 'taken', format: 'png', path: ok }));
      const before = storeSnapshot(s.engine);
      const dir = join(s.root, 'bad');
      mkdirSync(dir);
      make(dir);
      const done = await finishJob(s.client, () => s.client.call('runs.importPredictions', { datasetId, run, format, path: dir }));
      expect(done.status).toBe('failed');
      expect(done.error?.code).toBe(code);
      expect(done.error?.message).toMatch(message);
      expect(storeSnapshot(s.engine)).toEqual(before);
      expect(before.integrity).toBe('ok');
    }

    it('a run name that exists', async () => {
      await expectFailure(
        (dir) => grey(join(dir, '2007_000000.png'), new Uint8Array(W * H)),
        'png',
        'CONFLICT',
        /^run "taken" already exists on dataset "voc"/,
        'taken',
      );
    });
    it('a PNG whose size differs from its image', async () => {
      await expectFailure(
        (dir) => {
          grey(join(dir, '2007_000000.png'), new Uint8Array(W * H));
          grey(join(dir, '2007_000002.png'), new Uint8Array(100), 10, 10);
        },
        'png',
        'INVALID_INPUT',
        /2007_000002\.png: prediction is 10x10 but image 2007_000002\.jpg is 48x36$/,
      );
    });
    it('a PNG value that is no class', async () => {
      await expectFailure(
        (dir) => {
          const l = new Uint8Array(W * H);
          l[10] = 42;
          grey(join(dir, '2007_000001.png'), l);
        },
        'png',
        'INVALID_INPUT',
        /2007_000001\.png: value 42 \(1 pixels\) is not a class of the dataset/,
      );
    });
    it('a fortran-order .npy', async () => {
      await expectFailure(
        (dir) => writeFileSync(join(dir, '2007_000000.npy'), npyBytes('<f4', [2, 2], new Float32Array(4), { fortran: true })),
        'npy',
        'UNSUPPORTED_FORMAT',
        /2007_000000\.npy: fortran_order arrays are not supported/,
      );
    });
    it('a CAM dict whose high_res is not at image size', async () => {
      await expectFailure(
        (dir) =>
          writeFileSync(
            join(dir, '2007_000000.npz'),
            zipSync({
              'keys.npy': npyBytes('<i8', [1], new BigInt64Array([0n])),
              'high_res.npy': npyBytes('<f4', [1, 2, 2], new Float32Array(4)),
            }),
          ),
        'toco-cam',
        'INVALID_INPUT',
        /2007_000000\.npz: high_res is 2x2 but image 2007_000000\.jpg is 48x36/,
      );
    });
  });
});
