// A CAM sweep fuses every image's CAMs: seconds for a dataset (3.2 s for 600 toy images of 256×192),
// all of it on the engine's thread, so `tessera serve` answered nothing else meanwhile and the
// Benchmarks page paid it again on every visit (walkthrough AG, item 4). It now gives the event loop
// back between images and keeps its result while the run's score inputs and the subset stand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeToys } from '../../../tools/toy-models';
import type { Engine } from '../../../src/main/engine/engine';
import type { TesseraClient } from '../../../src/shared';
import { tessera } from '../../helpers/cli';
import { openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { writeSceneDataset } from '../../helpers/scenes';

const W = 320;
const N = 10;
let t: ReturnType<typeof tempDir>;
let engine: Engine;
let client: TesseraClient;
let ids: { datasetId: number; runId: number };

beforeAll(async () => {
  t = tempDir();
  const models = join(t.dir, 'models');
  mkdirSync(models);
  writeToys(models, ['cam']);
  const scenes = Array.from({ length: N }, (_, k) => ({
    name: `s${k}`,
    width: W,
    height: W,
    rects: [
      { x: 10 + 7 * k, y: 20, w: 120, h: 140, cls: 1 + (k % 3) },
      { x: 170, y: 150 - 5 * k, w: 110, h: 120, cls: 1 + ((k + 1) % 3) },
    ],
  }));
  const data = await writeSceneDataset(join(t.dir, 'scenes'), scenes);
  const ws = join(t.dir, 'ws');
  for (const args of [
    ['init'],
    ['import', 'folder', data.images, '--masks', data.masks, '--name', 'scenes'],
    ['models', 'add', join(models, 'toy-colour-cam.manifest.json')],
    ['run', '--model', 'toy-colour-cam', '--dataset', 'scenes', '--device', 'cpu'],
  ])
    expect(tessera(['--workspace', ws, ...args]).code, args.join(' ')).toBe(0);
  ({ engine, client } = openTestEngine(ws));
  const runs = await client.call('runs.list', { datasetId: 1 });
  ids = { datasetId: 1, runId: runs[0]!.id };
});

afterAll(async () => {
  await engine?.close();
  t?.cleanup();
});

describe('metrics.camSweep in the engine that serves the UI', () => {
  it('answers other requests while a sweep runs, and gives the CLI sweep', async () => {
    await client.call('datasets.list', {}); // the read worker started and warm
    let swept = false;
    const sweep = client.call('metrics.camSweep', ids).then((r) => {
      swept = true;
      return r;
    });
    const listed = await client.call('datasets.list', {});
    expect(listed.map((d) => d.name)).toEqual(['scenes']);
    expect(swept, 'datasets.list waited for the whole sweep').toBe(false);
    const result = await sweep;
    expect(result.images).toBe(N);
    const cli = JSON.parse(
      tessera(['--workspace', join(t.dir, 'ws'), 'eval', '--dataset', 'scenes', '--run', 'toy-colour-cam', '--cam-sweep', '--json']).stdout,
    );
    expect(result).toEqual(cli);
  });

  it('keeps the result while nothing it depends on changed; a subset is recomputed when its images change', async () => {
    const first = await client.call('metrics.camSweep', ids);
    expect(await client.call('metrics.camSweep', ids)).toEqual(first);
    const images = (await client.call('images.page', { datasetId: ids.datasetId, offset: 0, limit: 100 })).items.map((i) => i.id);
    await client.call('tags.apply', { tag: 'few', imageIds: images.slice(0, 2) });
    const two = await client.call('metrics.camSweep', { ...ids, subset: 'few' });
    expect(two.images).toBe(2);
    await client.call('tags.apply', { tag: 'few', imageIds: images.slice(2, 5) });
    const five = await client.call('metrics.camSweep', { ...ids, subset: 'few' });
    expect(five.images).toBe(5);
    expect(five.miou).not.toEqual(two.miou);
    await client.call('tags.remove', { tag: 'few', imageIds: images.slice(2, 5) });
    expect(await client.call('metrics.camSweep', { ...ids, subset: 'few' })).toEqual(two);
  });
});
