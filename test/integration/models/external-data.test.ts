// A model whose weights live in an ONNX external data file (every export over 2 GB, e.g. SAM ViT-H;
// QA probe D2): its identity covered only the .onnx, so new weights written into the data file ran as
// the same model, and even after `models add --replace` its outputs came from the cache of the old
// weights. The data file is part of the identity now: a changed one is refused at run, and once added
// again the model computes anew.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProtoWriter } from '../../../tools/onnx/protobuf';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { engineInternals } from '../../../src/main/engine/internals';
import { paintLabelMap } from '../../../src/main/engine/masks/labelMap';
import { sha256File } from '../../../src/main/engine/models/registry';
import { CLASS_NAMES, writeManifest, writeNoiseImages } from './linearModels';

/** A ValueInfoProto of a float tensor. */
function valueInfo(name: string, dims: Array<number | string>): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims)
    shape.messageField(1, typeof d === 'number' ? new ProtoWriter().intField(1, d) : new ProtoWriter().stringField(2, d));
  const tensorType = new ProtoWriter().intField(1, 1).messageField(2, shape);
  return new ProtoWriter().stringField(1, name).messageField(2, new ProtoWriter().messageField(1, tensorType));
}

/** A 1x1 Conv from RGB to 4 logits whose weight tensor lives in `weights.bin` beside the model. */
function writeExternalModel(dir: string): void {
  const conv = new ProtoWriter().stringField(1, 'image').stringField(1, 'w').stringField(2, 'logits').stringField(4, 'Conv');
  const w = new ProtoWriter()
    .repeatedIntField(1, [4, 3, 1, 1])
    .intField(2, 1)
    .stringField(8, 'w')
    .messageField(13, new ProtoWriter().stringField(1, 'location').stringField(2, 'weights.bin'))
    .messageField(13, new ProtoWriter().stringField(1, 'offset').stringField(2, '0'))
    .messageField(13, new ProtoWriter().stringField(1, 'length').stringField(2, '48'))
    .intField(14, 1);
  const graph = new ProtoWriter()
    .messageField(1, conv)
    .stringField(2, 'external')
    .messageField(5, w)
    .messageField(11, valueInfo('image', [1, 3, 'H', 'W']))
    .messageField(12, valueInfo('logits', [1, 4, 'H', 'W']));
  const model = new ProtoWriter()
    .intField(1, 8)
    .messageField(7, graph)
    .messageField(8, new ProtoWriter().stringField(1, '').intField(2, 17));
  writeFileSync(join(dir, 'external.onnx'), model.finish());
}

function writeWeights(dir: string, seed: number): void {
  writeFileSync(
    join(dir, 'weights.bin'),
    new Uint8Array(Float32Array.from({ length: 12 }, (_, i) => Math.sin(seed * 3.1 + i * 1.7)).buffer),
  );
}

let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;
let modelsDir: string;
let datasetId: number;

beforeAll(async () => {
  t = tempDir();
  env = openTestEngine(join(t.dir, 'ws'));
  modelsDir = join(t.dir, 'models');
  const images = join(t.dir, 'images');
  mkdirSync(modelsDir);
  mkdirSync(images);
  await writeNoiseImages(images, [
    { name: 'a', width: 40, height: 30 },
    { name: 'b', width: 24, height: 36 },
  ]);
  datasetId = Number(
    (await finishJob(env.client, () => env.client.call('datasets.importFolder', { dir: images, name: 'noise' }))).result?.['datasetId'],
  );
});
afterAll(async () => {
  await env.engine.close();
  t.cleanup();
});

/** Runs the registered model as `name`: its label maps by image and the job's result, or the refusal (at start or in the job). */
async function run(modelId: number, name: string) {
  let done;
  try {
    done = await finishJob(env.client, () => env.client.call('runs.start', { modelId, datasetId, device: 'cpu', runName: name }));
  } catch (err) {
    return { error: err as { code: string; message: string }, maps: [] as string[], result: null };
  }
  if (done.error !== null) return { error: done.error, maps: [] as string[], result: null };
  const runId = Number(done.result?.['runId']);
  const { repos } = engineInternals(env.engine);
  const page = await env.client.call('images.page', { datasetId, offset: 0, limit: 10 });
  const maps = page.items.map((image) =>
    Buffer.from(
      paintLabelMap(repos.predictions.forSample(runId, repos.images.semanticSampleId(image.id) as number), image.height, image.width),
    ).toString('hex'),
  );
  return { error: null, maps, result: done.result };
}

describe('a model with its weights in an ONNX external data file', () => {
  it('counts the data file in its identity: changed weights are refused at run, and run anew (not from cache) once added again', async () => {
    writeExternalModel(modelsDir);
    writeWeights(modelsDir, 1);
    const manifest = writeManifest(modelsDir, 'external', 'external.onnx', { classes: { names: CLASS_NAMES, background: 0 } });
    const first = await env.client.call('models.add', { manifestPath: manifest });
    // Not the .onnx's own hash: the weights are in it.
    expect(first.sha256).not.toBe(await sha256File(join(modelsDir, 'external.onnx')));
    const before = await run(first.id, 'old-weights');
    expect(before.error).toBeNull();

    writeWeights(modelsDir, 2);
    const refused = await run(first.id, 'refused');
    expect(refused.error?.code).toBe('MODEL_MISMATCH');
    expect(refused.error?.message).toMatch(
      /external\.onnx: the model file \(or an external data file it keeps weights in\) changed since it was added/,
    );

    const again = await env.client.call('models.add', { manifestPath: manifest, replace: true });
    expect(again.sha256).not.toBe(first.sha256);
    const after = await run(again.id, 'new-weights');
    expect(after.error).toBeNull();
    expect(after.result).toMatchObject({ computed: 2, cached: 0 });
    expect(after.maps).not.toEqual(before.maps);
  });
});
