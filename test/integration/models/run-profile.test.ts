// `tessera run --profile`: the run job's result says where the time went, per stage, over the
// images it computed; the CLI prints it. Timings are machine-dependent: only their presence,
// consistency and what was counted are checked, never their size.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeToys } from '../../../tools/toy-models';
import { RunProfile } from '../../../src/shared';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { tessera } from '../../helpers/cli';
import { writeSceneDataset } from '../../helpers/scenes';
import { engineInternals } from '../../../src/main/engine/internals';

let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;
let datasetId: number;
let modelId: number;
let images: string;
let models: string;

beforeAll(async () => {
  t = tempDir();
  env = openTestEngine(join(t.dir, 'ws'));
  models = join(t.dir, 'models');
  mkdirSync(models);
  writeToys(models);
  const data = await writeSceneDataset(
    join(t.dir, 'scenes'),
    ['a', 'b', 'c', 'd', 'e'].map((name, i) => ({
      name,
      width: 48 + 8 * i,
      height: 40,
      rects: [{ x: 4, y: 4, w: 20, h: 16, cls: 1 }],
    })),
  );
  images = data.images;
  const imp = await finishJob(env.client, () => env.client.call('datasets.importFolder', { dir: images, name: 'scenes' }));
  datasetId = Number(imp.result?.['datasetId']);
  modelId = (await env.client.call('models.add', { manifestPath: join(models, 'toy-redness-probability.manifest.json') })).id;
});
afterAll(async () => {
  await env.engine.close();
  t.cleanup();
});

describe('run profile', () => {
  it('reports each stage over the computed images, and nothing for cache hits', async () => {
    const { client } = env;
    const first = await finishJob(client, () => client.call('runs.start', { modelId, datasetId, device: 'cpu', runName: 'p1' }));
    expect(first.status).toBe('succeeded');
    expect(first.result?.['computed']).toBe(5);
    const p = RunProfile.parse(first.result?.['profile']);
    expect(p.images).toBe(5);
    for (const ms of Object.values(p.stages)) {
      expect(Number.isFinite(ms)).toBe(true);
      expect(ms).toBeGreaterThanOrEqual(0);
    }
    // Every image went through the worker's session.run once.
    expect(p.stages.inference).toBeGreaterThan(0);
    expect(p.wallMs).toBeGreaterThan(0);
    expect(p.mainBusyMs).toBeCloseTo(p.stages.preprocess + p.stages.postprocess + p.stages.commit, 6);
    // One model, every image resized to 64x64: one input shape.
    expect(p.inputShapes).toBe(1);

    // Same model and images under another name: all from the inference cache, nothing computed.
    const second = await finishJob(client, () => client.call('runs.start', { modelId, datasetId, device: 'cpu', runName: 'p2' }));
    expect(second.result?.['cached']).toBe(5);
    expect(RunProfile.parse(second.result?.['profile']).images).toBe(0);
    // Both runs stored the same predictions.
    const r1 = Number(first.result?.['runId']);
    const r2 = Number(second.result?.['runId']);
    const preds = (runId: number): unknown =>
      engineInternals(env.engine)
        .db.prepare('SELECT p.sample_id, p.class_idx, p.rle FROM predictions p WHERE p.run_id = ? ORDER BY p.sample_id, p.class_idx')
        .all(runId);
    expect(preds(r2)).toEqual(preds(r1));
  });

  it('tessera run --profile prints each stage with its total and per-image time', () => {
    const ws = join(t.dir, 'cli-ws');
    expect(tessera(['--workspace', ws, 'init']).code).toBe(0);
    expect(tessera(['--workspace', ws, 'import', 'folder', images, '--name', 'scenes']).code).toBe(0);
    expect(tessera(['--workspace', ws, 'models', 'add', join(models, 'toy-redness-probability.manifest.json')]).code).toBe(0);
    const r = tessera([
      '--workspace',
      ws,
      'run',
      '--model',
      'toy-redness-probability',
      '--dataset',
      'scenes',
      '--device',
      'cpu',
      '--profile',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^profile: 5 images computed in \d+\.\d\d s/m);
    for (const stage of ['decode', 'preprocess', 'inference', 'transfer/queue', 'post-process', 'commit', 'engine thread busy'])
      expect(r.stdout).toMatch(new RegExp(`^${stage.replace('/', '\\/')} +\\d+\\.\\d\\d s +\\d+\\.\\d ms/image$`, 'm'));
    // --json carries the same profile, typed by the contract.
    const again = tessera([
      '--workspace',
      ws,
      'run',
      '--model',
      'toy-redness-probability',
      '--dataset',
      'scenes',
      '--run',
      'again',
      '--json',
    ]);
    expect(again.code).toBe(0);
    const summary = JSON.parse(again.stdout) as { cached: number; profile: unknown };
    expect(summary.cached).toBe(5);
    expect(RunProfile.parse(summary.profile).images).toBe(0);
  });

  it('counts the distinct input shapes a keep-aspect model was fed (what a CUDA run pays a cuDNN search for)', async () => {
    const { client } = env;
    // The semantic toy fed as PaddleOCR's detector is: keep-aspect, sides rounded to multiples of 16.
    const semantic = JSON.parse(readFileSync(join(models, 'toy-colour-semantic.manifest.json'), 'utf8')) as Record<string, unknown>;
    const manifest = join(models, 'keep-aspect.json');
    const input = { ...(semantic['input'] as object), policy: 'keep-aspect', size: 1000, multiple: 16 };
    writeFileSync(manifest, JSON.stringify({ ...semantic, name: 'keep-aspect', input }));
    const m = await client.call('models.add', { manifestPath: manifest });
    // Widths 48, 64, 48, 80, 64 (multiples of 16, kept as they are): three shapes over five images.
    const data = await writeSceneDataset(
      join(t.dir, 'sizes'),
      [48, 64, 48, 80, 64].map((width, i) => ({ name: `w${i}`, width, height: 32, rects: [{ x: 2, y: 2, w: 10, h: 10, cls: 1 }] })),
    );
    const imp = await finishJob(client, () => client.call('datasets.importFolder', { dir: data.images, name: 'sizes' }));
    const run = await finishJob(client, () =>
      client.call('runs.start', { modelId: m.id, datasetId: Number(imp.result?.['datasetId']), device: 'cpu' }),
    );
    expect(run.error).toBeNull();
    expect(RunProfile.parse(run.result?.['profile']).inputShapes).toBe(3);
  });
});
