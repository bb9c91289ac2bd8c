// A run that predicts background (or empty masks) everywhere is a prediction to score, not "no
// results": an empty-mask baseline or a broken model is exactly what a researcher compares against.
// Run writers store no region for background, so such a run holds no region at all; eval, compare
// and reports refused it ("has no masks to score").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TesseraClient } from '../../../src/shared';
import type { Engine } from '../../../src/main/engine/engine';
import { GraphBuilder } from '../../../tools/onnx';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir, writeGreyMask } from '../../helpers/fixtures';
import { writeManifest } from '../models/linearModels';
import { expectClose, importSemantic, naiveSemantic, randomScene, testRandom, type SemanticFixture } from './helpers';

const SIZE = { w: 40, h: 30 };
let t: ReturnType<typeof tempDir>;
let engine: Engine;
let client: TesseraClient;
let fx: SemanticFixture;

beforeAll(async () => {
  t = tempDir('tessera-all-bg-');
  ({ engine, client } = openTestEngine(join(t.dir, 'ws')));
  const random = testRandom(11);
  // Classes 0-3 (the model below has 4), some ignore bands.
  const gts = Array.from({ length: 5 }, (_, i) => randomScene(random, SIZE.w, SIZE.h, 4, i % 2 === 0));
  gts[0]![0] = 3;
  fx = await importSemantic(client, engine, t.dir, gts, SIZE);
});
afterAll(async () => {
  await engine.close();
  t.cleanup();
});

/** What a per-pixel reference gives a prediction of background everywhere. */
function allBackgroundReference() {
  const zeros = new Uint8Array(SIZE.w * SIZE.h);
  return naiveSemantic(
    fx.samples.map((s) => ({ gt: s.gt, pred: zeros })),
    4,
  );
}

describe('a run of background everywhere', () => {
  it('imported from all-zero PNGs: scored and compared like any run', async () => {
    const dir = join(t.dir, 'zeros');
    mkdirSync(dir);
    for (const s of fx.samples) writeGreyMask(join(dir, s.fileName), SIZE.w, SIZE.h, new Uint8Array(SIZE.w * SIZE.h));
    const imported = await finishJob(client, () =>
      client.call('runs.importPredictions', { datasetId: fx.datasetId, run: 'zeros', format: 'png', path: dir }),
    );
    expect(imported.error).toBeNull();
    const runId = Number(imported.result?.['runId']);
    const ref = allBackgroundReference();
    const s = await client.call('metrics.scores', { datasetId: fx.datasetId, runId });
    expect([s.images, s.unpredicted]).toEqual([5, 0]);
    expectClose(s.semantic!.miou, ref.miou, 'mmseg mIoU');
    expectClose(s.semantic!.miou_gt_classes, ref.miou_gt_classes, 'toco mIoU');
    expectClose(s.semantic!.pixel_acc, ref.pixel_acc, 'pixel accuracy');

    // Against a perfect run: B wins on every image with a foreground class.
    const perfect = join(t.dir, 'perfect');
    mkdirSync(perfect);
    for (const s of fx.samples)
      writeGreyMask(
        join(perfect, s.fileName),
        SIZE.w,
        SIZE.h,
        s.gt.map((v) => (v === 255 ? 0 : v)),
      );
    const other = await finishJob(client, () =>
      client.call('runs.importPredictions', { datasetId: fx.datasetId, run: 'perfect', format: 'png', path: perfect }),
    );
    const compared = await client.call('metrics.compare', { datasetId: fx.datasetId, runIds: [runId, Number(other.result?.['runId'])] });
    expect(compared.paired).toMatchObject({ wins: 5, ties: 0, losses: 0 });
    expect(compared.a).toBe(s.semantic!.miou);
  });

  it('from a semantic-seg model whose logits favour background on every pixel', async () => {
    const models = join(t.dir, 'models');
    mkdirSync(models);
    const g = new GraphBuilder('always-background');
    const x = g.input('image', 'float32', [1, 3, 'H', 'W']);
    const bias = Float32Array.from([10, 0, 0, 0]);
    const logits = g.op('Conv', [x, g.initializer('w', new Float32Array(12), [4, 3, 1, 1]), g.initializer('b', bias, [4])], {
      kernel_shape: [1, 1],
    });
    g.output(logits, 'logits', 'float32', [1, 4, 'H', 'W']);
    writeFileSync(join(models, 'always-background.onnx'), g.toModel());
    const model = await client.call('models.add', {
      manifestPath: writeManifest(models, 'always-background', 'always-background.onnx', {
        input: { tensor: 'image', policy: 'fixed', size: 32, range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1] },
      }),
    });
    const run = await finishJob(client, () => client.call('runs.start', { modelId: model.id, datasetId: fx.datasetId, device: 'cpu' }));
    expect(run.error).toBeNull();
    const runId = Number(run.result?.['runId']);
    const s = await client.call('metrics.scores', { datasetId: fx.datasetId, runId });
    const ref = allBackgroundReference();
    expect([s.images, s.unpredicted]).toEqual([5, 0]);
    expectClose(s.semantic!.miou, ref.miou, 'mmseg mIoU');
    const perImage = await client.call('metrics.perImage', { datasetId: fx.datasetId, runId });
    expect(perImage.sampleIds).toHaveLength(5);
  });
});
