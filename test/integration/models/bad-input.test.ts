import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder } from '../../../tools/onnx';
import { TOY_GENERATORS, toyFiles, writeToys } from '../../../tools/toy-models';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { writeSceneDataset } from '../../helpers/scenes';
import { engineInternals } from '../../../src/main/engine/internals';

let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;
let modelsDir: string;
let datasetId: number;
let images: string;

beforeAll(async () => {
  t = tempDir();
  env = openTestEngine(join(t.dir, 'ws'));
  modelsDir = join(t.dir, 'models');
  mkdirSync(modelsDir);
  writeToys(modelsDir, ['semantic-seg']);
  const scenes = ['a', 'b', 'c', 'd'].map((name, i) => ({
    name,
    width: 64,
    height: 48,
    rects: [{ x: 4 + i, y: 4, w: 20, h: 20, cls: 1 + (i % 3) }],
  }));
  const data = await writeSceneDataset(join(t.dir, 'scenes'), scenes);
  images = data.images;
  const imp = await finishJob(env.client, () =>
    env.client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'scenes' }),
  );
  datasetId = Number(imp.result?.['datasetId']);
});
afterAll(async () => {
  await env.engine.close();
  t.cleanup();
});

function counts(): number[] {
  const db = engineInternals(env.engine).db;
  return ['runs', 'predictions', 'heatmaps', 'models'].map(
    (tbl) => (db.prepare(`SELECT COUNT(*) AS n FROM ${tbl}`).get() as { n: number }).n,
  );
}

function manifestFor(name: string, file: string, extra: Record<string, unknown> = {}): string {
  const path = join(modelsDir, `${name}.manifest.json`);
  writeFileSync(
    path,
    JSON.stringify({
      name,
      kind: 'semantic-seg',
      files: { model: file },
      input: { tensor: 'image', policy: 'resize', size: [64, 64], mean: [0, 0, 0], std: [1, 1, 1], range: [0, 1], channel_order: 'RGB' },
      outputs: { logits: 'logits' },
      classes: { names: ['background', 'red', 'green', 'blue'], background: 0 },
      ...extra,
    }),
  );
  return path;
}

describe('models and runs: bad input', () => {
  it('refuses a file that is not ONNX, naming it, and stores nothing', async () => {
    writeFileSync(join(modelsDir, 'garbage.onnx'), 'this is not a protobuf');
    const before = counts();
    await expect(env.client.call('models.add', { manifestPath: manifestFor('garbage', 'garbage.onnx') })).rejects.toThrow(
      /garbage\.onnx: not a loadable ONNX model/,
    );
    expect(counts()).toEqual(before);
  });

  it('refuses a manifest whose tensor names disagree with the model', async () => {
    await expect(
      env.client.call('models.add', {
        manifestPath: manifestFor('wrong-names', 'toy-colour-semantic.onnx', { outputs: { logits: 'scores' } }),
      }),
    ).rejects.toThrow(/outputs\.logits: "scores" is not an output of the model \(its outputs: logits\)/);
    await expect(
      env.client.call('models.add', {
        manifestPath: manifestFor('wrong-input', 'toy-colour-semantic.onnx', { input: { tensor: 'pixels', policy: 'resize', size: 64 } }),
      }),
    ).rejects.toThrow(/input\.tensor: "pixels" is not an input of the model \(its inputs: image\)/);
  });

  it('refuses a malformed manifest with the field named', async () => {
    const path = join(modelsDir, 'broken.manifest.json');
    writeFileSync(
      path,
      JSON.stringify({
        name: 'x',
        kind: 'semantic-seg',
        files: { model: 'toy-colour-semantic.onnx' },
        input: { tensor: 'image', policy: 'stretch', size: 64 },
        outputs: {},
      }),
    );
    await expect(env.client.call('models.add', { manifestPath: path })).rejects.toThrow(
      /broken\.manifest\.json: input\.policy must be one of "fixed", "resize", .*; got /,
    );
    writeFileSync(path, '{ "name": ');
    await expect(env.client.call('models.add', { manifestPath: path })).rejects.toThrow(/broken\.manifest\.json: not valid JSON/);
  });

  it('fails a run whose model outputs NaN, marks it failed and never complete', async () => {
    const g = new GraphBuilder('nan-model');
    const x = g.input('image', 'float32', [1, 3, 'H', 'W']);
    const zero = g.constFloat([0], [1]);
    const nan = g.op('Div', [g.op('Sub', [x, x]), zero]);
    const logits = g.op('Concat', [nan, x], { axis: 1 });
    const four = g.op('Slice', [logits, g.constInt64([0]), g.constInt64([4]), g.constInt64([1])]);
    g.output(four, 'logits', 'float32', [1, 4, 'H', 'W']);
    writeFileSync(join(modelsDir, 'nan.onnx'), g.toModel());
    const m = await env.client.call('models.add', { manifestPath: manifestFor('nan-model', 'nan.onnx') });
    const done = await finishJob(env.client, () => env.client.call('runs.start', { modelId: m.id, datasetId, device: 'cpu' }));
    expect(done.status).toBe('failed');
    expect(done.error?.message).toMatch(/nan-model: the first 3 images all failed: a\.png: model output logits contains NaN/);
    const run = (await env.client.call('runs.list', { datasetId })).find((r) => r.name === 'nan-model');
    expect(run?.status).toBe('failed');
    expect(run?.predictedSamples).toBe(0);
  });

  it('refuses a model whose classes do not fit the dataset', async () => {
    const m = await env.client
      .call('models.add', {
        manifestPath: manifestFor('two-class', 'toy-colour-semantic.onnx', {
          classes: { names: ['background', 'red', 'green', 'blue', 'cyan'] },
        }),
      })
      .catch((e: unknown) => e);
    expect(String(m)).toMatch(/outputs\.logits: "logits" has 4 channels but 5 channels \(classes\.names\) are expected/);
  });

  it('lists a truncated image as a per-image failure, keeps the others and leaves the run not complete', async () => {
    const m = await env.client.call('models.add', { manifestPath: join(modelsDir, 'toy-colour-semantic.manifest.json') });
    const victim = join(images, 'c.png');
    const size = statSync(victim).size;
    truncateSync(victim, Math.floor(size / 2));
    const done = await finishJob(env.client, () =>
      env.client.call('runs.start', { modelId: m.id, datasetId, device: 'cpu', runName: 'partial' }),
    );
    expect(done.status).toBe('failed');
    // Cut after import: not the file imported any more (images/imageFile.ts), named, never decoded.
    expect(done.error?.message).toMatch(
      /^1 of 4 images failed \(first: c\.png: the image file changed or is unreadable: .*c\.png \(\d+ bytes now, \d+ when imported\)/,
    );
    const run = (await env.client.call('runs.list', { datasetId })).find((r) => r.name === 'partial');
    expect(run).toMatchObject({ status: 'failed', predictedSamples: 3 });
  });

  it('reports a model file that vanished since it was added', async () => {
    writeFileSync(
      join(modelsDir, 'gone.onnx'),
      toyFiles(TOY_GENERATORS.find((g) => g.id === 'semantic-seg')!.generate())['toy-colour-semantic.onnx'] as Uint8Array,
    );
    const m = await env.client.call('models.add', { manifestPath: manifestFor('gone', 'gone.onnx') });
    rmSync(join(modelsDir, 'gone.onnx'));
    await expect(env.client.call('runs.start', { modelId: m.id, datasetId, device: 'cpu' })).rejects.toThrow(
      /gone\.onnx: the model file of "gone" vanished/,
    );
  });

  it('falls back to the CPU visibly when CUDA is requested but not installed', async () => {
    const m = await env.client.call('models.add', { manifestPath: join(modelsDir, 'toy-colour-semantic.manifest.json'), replace: true });
    const done = await finishJob(env.client, () =>
      env.client.call('runs.start', { modelId: m.id, datasetId, device: 'cuda', runName: 'on-cuda', subset: undefined }),
    );
    const run = (await env.client.call('runs.list', { datasetId })).find((r) => r.name === 'on-cuda');
    // On a machine with a working CUDA provider this run uses it; here it must say why it did not.
    if (run?.executionProvider === 'cpu') {
      expect(String(run.provenance['providerFallback'])).toMatch(/CUDA unavailable/);
      expect(JSON.stringify(done.error?.details ?? done.result)).toMatch(/CUDA unavailable/);
    } else {
      expect(run?.executionProvider).toBe('cuda');
    }
  });
});

describe('models add refuses what would only fail at run time', () => {
  it('a rank-2 logits output and a 100000x100000 static input, with the store unchanged', async () => {
    const g = new GraphBuilder('rank-two');
    const x = g.input('image', 'float32', [1, 3, 64, 64]);
    const flat = g.op('Flatten', [x], { axis: 1 });
    g.output(flat, 'logits', 'float32', [1, 12288]);
    writeFileSync(join(modelsDir, 'rank-two.onnx'), g.toModel());
    const before = counts();
    await expect(env.client.call('models.add', { manifestPath: manifestFor('rank-two', 'rank-two.onnx') })).rejects.toThrow(
      /outputs\.logits: "logits" has rank 2 \[1,12288\], a logits output has rank 4/,
    );
    const huge = new GraphBuilder('huge-input');
    const y = huge.input('image', 'float32', [1, 3, 100000, 100000]);
    huge.output(huge.op('Identity', [y]), 'logits', 'float32', [1, 3, 100000, 100000]);
    writeFileSync(join(modelsDir, 'huge.onnx'), huge.toModel());
    // As the model says (size 100000) or as the researcher hoped (size 64): refused either way, at add time.
    await expect(
      env.client.call('models.add', {
        manifestPath: manifestFor('huge', 'huge.onnx', { input: { tensor: 'image', policy: 'resize', size: 100000 } }),
      }),
    ).rejects.toThrow(/input\.size: 100000x100000 is larger than 8192x8192/);
    await expect(env.client.call('models.add', { manifestPath: manifestFor('huge', 'huge.onnx') })).rejects.toThrow(
      /input\.size: "image" is fixed at 100000x100000 but the manifest resizes to 64x64/,
    );
    expect(counts()).toEqual(before);
  });
});
