import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeToys } from '../../../tools/toy-models';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { writeSceneDataset } from '../../helpers/scenes';
import { engineInternals } from '../../../src/main/engine/internals';

let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;
let modelsDir: string;

beforeAll(() => {
  t = tempDir();
  env = openTestEngine(join(t.dir, 'ws'));
  modelsDir = join(t.dir, 'models');
  mkdirSync(modelsDir);
  writeToys(modelsDir);
});
afterAll(async () => {
  await env.engine.close();
  t.cleanup();
});

describe('model runs (smoke)', () => {
  it('adds every toy and runs the semantic one over a scene dataset', async () => {
    const { client } = env;
    for (const f of [
      'toy-colour-semantic',
      'toy-redness-probability',
      'toy-colour-cam',
      'toy-colour-patch-tokens',
      'toy-colour-seg-token',
      'toy-colour-sam',
    ]) {
      const m = await client.call('models.add', { manifestPath: join(modelsDir, `${f}.manifest.json`) });
      expect(m.name).toBe(f);
    }
    const data = await writeSceneDataset(join(t.dir, 'scenes'), [
      {
        name: 'a',
        width: 64,
        height: 64,
        rects: [
          { x: 8, y: 8, w: 24, h: 24, cls: 1 },
          { x: 40, y: 12, w: 16, h: 40, cls: 3 },
        ],
      },
      { name: 'b', width: 64, height: 64, rects: [{ x: 4, y: 32, w: 48, h: 20, cls: 2 }] },
    ]);
    const imp = await finishJob(client, () =>
      client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'scenes' }),
    );
    expect(imp.status).toBe('succeeded');
    const datasetId = Number(imp.result?.['datasetId']);
    const models = await client.call('models.list', {});
    for (const m of models.filter((x) => ['semantic-seg', 'cam', 'patch-tokens', 'prompt-decoder'].includes(x.kind))) {
      const { jobId } = await client.call('runs.start', { modelId: m.id, datasetId, device: 'cpu' }).catch((e: unknown) => {
        throw new Error(`${m.name}: ${String(e)}`);
      });
      void jobId;
    }
    await engineInternals(env.engine).jobs.idle();
    const runs = await client.call('runs.list', { datasetId });
    const jobs = await client.call('jobs.list', {});
    expect(jobs.filter((j) => j.kind === 'runs.start').map((j) => [j.status, j.error?.message ?? null])).toEqual(
      runs.map(() => ['succeeded', null]),
    );
    expect(runs.map((r) => [r.name, r.status, r.executionProvider, r.predictedSamples])).toEqual([
      ['toy-colour-semantic', 'complete', 'cpu', 2],
      ['toy-colour-cam', 'complete', 'cpu', 2],
      ['toy-colour-patch-tokens', 'complete', 'cpu', 2],
      ['toy-colour-sam', 'complete', 'cpu', 2],
    ]);
  });

  it("a run's commits leave the WAL to the read worker: with the engine's own checkpoint off, the database file still takes each item (store/walCheckpoint.ts)", async () => {
    const { client, engine } = env;
    const db = engineInternals(engine).db;
    await client.call('datasets.list', {}); // the read worker is running
    const [dataset] = await client.call('datasets.list', {});
    const semantic = (await client.call('models.list', {})).find((m) => m.name === 'toy-colour-semantic')!;
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('wal_autocheckpoint = 0');
    try {
      const sha = (): string => createHash('sha256').update(readFileSync(engine.paths.db)).digest('hex');
      const before = sha();
      const done = await finishJob(client, () =>
        client.call('runs.start', { modelId: semantic.id, datasetId: dataset!.id, device: 'cpu', runName: 'wal-check' }),
      );
      expect(done.status).toBe('succeeded');
      // The checkpoint after the last item is asked for without waiting: give it a moment.
      let changed = false;
      for (let k = 0; k < 50 && !changed; k++) {
        changed = sha() !== before;
        if (!changed) await new Promise((r) => setTimeout(r, 20));
      }
      expect(changed).toBe(true);
    } finally {
      db.pragma('wal_autocheckpoint = 1000');
    }
  });
});
