import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeToys } from '../../../tools/toy-models';
import { sha256File } from '../../../src/main/engine/models/registry';
import { InferenceClient } from '../../../src/main/engine/models/inference/InferenceClient';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { renderScene, type Rect } from '../../helpers/scenes';
import { engineInternals } from '../../../src/main/engine/internals';

// A seg-token run with a companion SAM decoder keeps two samples in flight (the run's pipeline), so
// both ask for the decoder's (and its encoder's) session at once. This ran into "Session already
// disposed" or a native abort when the second load replaced a session the first was using.

const IMAGES = 12;
const SIDE = 32;
const COLOURS = ['red', 'green', 'blue'];

let t: ReturnType<typeof tempDir>;
let modelsDir: string;
let images: Array<{ file: string; sha: string; query: string }>;

beforeAll(async () => {
  t = tempDir();
  modelsDir = join(t.dir, 'models');
  writeToys(modelsDir, ['seg-token', 'prompt-decoder', 'semantic-seg']);
  const dir = join(t.dir, 'images');
  mkdirSync(dir);
  images = [];
  for (let i = 0; i < IMAGES; i++) {
    const rects: Rect[] = [
      { x: 2 + (i % 5), y: 3, w: 12, h: 10, cls: 1 + (i % 3) },
      { x: 18, y: 16 + (i % 4), w: 11, h: 12, cls: 1 + ((i + 1) % 3) },
    ];
    const { rgb } = renderScene(SIDE, SIDE, rects);
    const file = join(dir, `ref_${String(i).padStart(2, '0')}.png`);
    await sharp(Buffer.from(rgb), { raw: { width: SIDE, height: SIDE, channels: 3 } })
      .png()
      .toFile(file);
    images.push({ file, sha: await sha256File(file), query: `the ${COLOURS[i % 3]} object` });
  }
});
afterAll(() => t.cleanup());

async function oneRun(round: number): Promise<{ error: unknown; failed: unknown; masks: number }> {
  const env = openTestEngine(join(t.dir, `ws${round}`));
  try {
    await env.client.call('models.add', { manifestPath: join(modelsDir, 'toy-colour-sam.manifest.json') });
    const model = await env.client.call('models.add', { manifestPath: join(modelsDir, 'toy-colour-seg-token.manifest.json') });
    const { db, repos } = engineInternals(env.engine);
    const datasetId = db.transaction(() => {
      const id = repos.datasets.create({ name: 'refer', format: 'folder', task: 'referring', sourcePath: null });
      repos.datasets.addClasses(id, [
        { index: 0, name: 'background', color: [0, 0, 0] },
        { index: 1, name: 'target', color: [128, 0, 0] },
      ]);
      images.forEach((image, i) => {
        const imageId = repos.images.create({
          datasetId: id,
          path: image.file,
          fileName: `ref_${i}.png`,
          sha256: image.sha,
          bytes: 0,
          width: SIDE,
          height: SIDE,
        });
        repos.images.createSample(imageId, image.query, [image.query], false);
      });
      return id;
    })();
    const done = await finishJob(env.client, () => env.client.call('runs.start', { modelId: model.id, datasetId, device: 'cpu' }));
    const masks = db.prepare('SELECT COUNT(*) AS n FROM predictions WHERE run_id = ?').get(Number(done.result?.['runId'])) as {
      n: number;
    };
    return { error: done.error, failed: done.result?.['failed'], masks: masks.n };
  } finally {
    await env.engine.close();
  }
}

describe('seg-token runs with a companion decoder', () => {
  it('a 12-image referring run passes 20 times out of 20, each in a fresh workspace', async () => {
    const outcomes = [];
    for (let round = 0; round < 20; round++) outcomes.push(await oneRun(round));
    expect(outcomes).toEqual(Array.from({ length: 20 }, () => ({ error: null, failed: 0, masks: IMAGES })));
  }, 300_000);
});

describe('inference sessions', () => {
  it('are shared by concurrent loads of a key and released only after the last unload', async () => {
    const client = new InferenceClient();
    try {
      const file = join(modelsDir, 'toy-colour-semantic.onnx');
      const key = 'shared';
      const [a, b] = await Promise.all([client.load(key, file, ['cpu']), client.load(key, file, ['cpu'])]);
      expect(b).toBe(a);
      const input = a.inputs[0]!;
      const dims = input.shape.map((d, i) => (typeof d === 'number' ? d : i === 0 ? 1 : 64));
      const feeds = () => ({
        [input.name]: { type: 'float32' as const, dims, data: new Float32Array(dims.reduce((x, y) => x * y, 1)).buffer },
      });
      // One holder lets go while the other is running: the run completes on the same session.
      const running = client.run(key, feeds());
      await client.unload(key);
      expect(Object.keys(await running).length).toBeGreaterThan(0);
      expect(client.isLoaded(key)).toBe(a);
      expect(Object.keys(await client.run(key, feeds())).length).toBeGreaterThan(0);
      await client.unload(key);
      expect(client.isLoaded(key)).toBeUndefined();
      await expect(client.run(key, feeds())).rejects.toThrow(/not loaded/);
      // open: one reference for the engine's lifetime however often it is called; a transient
      // load/unload of the same key leaves it open.
      const opened = await client.open('kept', file, ['cpu']);
      expect(await client.open('kept', file, ['cpu'])).toBe(opened);
      await client.load('kept', file, ['cpu']);
      await client.unload('kept');
      expect(client.isLoaded('kept')).toBe(opened);
      expect(Object.keys(await client.run('kept', feeds())).length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });
});
