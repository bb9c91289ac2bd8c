import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeToys } from '../../../tools/toy-models';
import { ApiError } from '../../../src/shared';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir, writeSolidImage } from '../../helpers/fixtures';
import { writeSceneDataset } from '../../helpers/scenes';
import { engineInternals } from '../../../src/main/engine/internals';

let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;
const ids = { scenes: 0, other: 0, plain: 0, semantic: 0, sam: 0 };

const db = () => engineInternals(env.engine).db;
const n = (sql: string, ...args: unknown[]): number =>
  (
    db()
      .prepare(sql)
      .get(...args) as { n: number }
  ).n;
const shaOf = (datasetId: number, file: string): string =>
  (db().prepare('SELECT sha256 FROM images WHERE dataset_id = ? AND file_name = ?').get(datasetId, file) as { sha256: string }).sha256;
const thumbFiles = (): string[] => {
  const root = join(env.engine.paths.cache, 'thumbs');
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((d) => readdirSync(join(root, d)).map((f) => f.split('-')[0] ?? ''));
};
/** Image hashes of the cached SAM embedding files (cache/embeddings/<model>/<image sha256[0:32]>-<key>.f32), one per file. */
const embeddingFiles = (): string[] => {
  const root = join(env.engine.paths.cache, 'embeddings');
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((d) => readdirSync(join(root, d)).map((f) => f.split('-')[0] ?? ''));
};
/** A store is consistent: no dangling foreign keys, SQLite's own check passes. */
const consistent = (): void => {
  expect(db().pragma('foreign_key_check')).toEqual([]);
  expect(db().pragma('integrity_check', { simple: true })).toBe('ok');
};
/** What a user sees of a dataset and every run on it, plus the row counts that hang off them. */
const snapshot = (datasetId: number) => ({
  summary: engineInternals(env.engine).repos.datasets.get(datasetId),
  classes: engineInternals(env.engine).repos.datasets.classes(datasetId),
  runs: engineInternals(env.engine)
    .repos.runs.list(datasetId)
    .map((r) => [r.name, r.predictedSamples, r.status]),
  predictions: n('SELECT COUNT(*) AS n FROM predictions p JOIN runs r ON r.id = p.run_id WHERE r.dataset_id = ?', datasetId),
  heatmaps: n('SELECT COUNT(*) AS n FROM heatmaps h JOIN runs r ON r.id = h.run_id WHERE r.dataset_id = ?', datasetId),
  metricRows: n('SELECT COUNT(*) AS n FROM metric_rows m JOIN runs r ON r.id = m.run_id WHERE r.dataset_id = ?', datasetId),
  annotations: n(
    'SELECT COUNT(*) AS n FROM annotations a JOIN samples s ON s.id = a.sample_id JOIN images i ON i.id = s.image_id WHERE i.dataset_id = ?',
    datasetId,
  ),
});
async function expectApiError(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).code).toBe(code);
  expect((err as ApiError).message).toMatch(message);
  expect((err as ApiError).message).not.toContain('\n');
}

beforeAll(async () => {
  t = tempDir();
  env = openTestEngine(join(t.dir, 'ws'));
  const { client } = env;
  const toys = writeToys(join(t.dir, 'models'), ['semantic-seg', 'prompt-decoder', 'image-encoder']);
  for (const manifest of Object.values(toys)) await client.call('models.add', { manifestPath: manifest });
  const models = await client.call('models.list', {});
  ids.semantic = models.find((m) => m.kind === 'semantic-seg')!.id;
  ids.sam = models.find((m) => m.kind === 'prompt-decoder')!.id;

  const data = await writeSceneDataset(join(t.dir, 'scenes'), [
    {
      name: 'a',
      width: 48,
      height: 40,
      rects: [
        { x: 4, y: 4, w: 20, h: 16, cls: 1 },
        { x: 30, y: 4, w: 8, h: 8, cls: 3 },
      ],
    },
    { name: 'b', width: 48, height: 40, rects: [{ x: 10, y: 20, w: 30, h: 12, cls: 2 }] },
  ]);
  // "other" holds a copy of b (same content, so its thumbnail and cached outputs are shared) and c.
  const otherImages = join(t.dir, 'other', 'images');
  const otherMasks = join(t.dir, 'other', 'masks');
  mkdirSync(otherImages, { recursive: true });
  mkdirSync(otherMasks, { recursive: true });
  copyFileSync(join(data.images, 'b.png'), join(otherImages, 'b.png'));
  copyFileSync(join(data.masks, 'b.png'), join(otherMasks, 'b.png'));
  const c = await writeSceneDataset(join(t.dir, 'c'), [
    {
      name: 'c',
      width: 32,
      height: 32,
      rects: [
        { x: 0, y: 0, w: 8, h: 8, cls: 3 },
        { x: 10, y: 10, w: 8, h: 8, cls: 1 },
      ],
    },
  ]);
  copyFileSync(join(c.images, 'c.png'), join(otherImages, 'c.png'));
  copyFileSync(join(c.masks, 'c.png'), join(otherMasks, 'c.png'));
  const plainDir = join(t.dir, 'plain');
  mkdirSync(plainDir);
  await writeSolidImage(join(plainDir, 'p.png'), 16, 16, [10, 20, 30]);

  const imported = async (input: { dir: string; masksDir?: string; name: string }): Promise<number> => {
    const f = await finishJob(client, () => client.call('datasets.importFolder', input));
    expect(f.status).toBe('succeeded');
    return Number(f.result?.['datasetId']);
  };
  ids.scenes = await imported({ dir: data.images, masksDir: data.masks, name: 'scenes' });
  ids.other = await imported({ dir: otherImages, masksDir: otherMasks, name: 'other' });
  ids.plain = await imported({ dir: plainDir, name: 'plain' });

  for (const datasetId of [ids.scenes, ids.other]) {
    for (const modelId of [ids.semantic, ids.sam]) {
      const run = await finishJob(client, () => client.call('runs.start', { modelId, datasetId, device: 'cpu' }));
      expect(run.status).toBe('succeeded');
    }
    for (const run of await client.call('runs.list', { datasetId })) {
      expect((await finishJob(client, () => client.call('metrics.evaluate', { datasetId, runId: run.id }))).status).toBe('succeeded');
    }
    const images = await client.call('images.page', { datasetId });
    await client.call('tags.apply', { tag: 'keep', imageIds: images.items.map((i) => i.id) });
    for (const i of images.items) await env.engine.blobs.read({ kind: 'thumb', imageId: i.id });
    await client.call('filters.save', { datasetId, name: 'with gt', filter: { hasGroundTruth: true } });
  }
}, 120_000);
afterAll(async () => {
  await env.engine.close();
  t.cleanup();
});

describe('datasets.rename / deletePlan / delete', () => {
  it('renames, refusing a taken name or an empty one with the store unchanged', async () => {
    const { client } = env;
    await expectApiError(
      client.call('datasets.rename', { datasetId: ids.plain, name: 'scenes' }),
      'CONFLICT',
      /dataset named "scenes" exists/,
    );
    await expectApiError(client.call('datasets.rename', { datasetId: ids.plain, name: '  ' }), 'INVALID_INPUT', /name cannot be empty/);
    expect((await client.call('datasets.get', { datasetId: ids.plain })).name).toBe('plain');
    const renamed = await client.call('datasets.rename', { datasetId: ids.plain, name: ' photos ' });
    expect(renamed.name).toBe('photos');
    expect((await client.call('datasets.list', {})).map((d) => d.name)).toEqual(['scenes', 'other', 'photos']);
  });

  it('plans a delete with every count, and deletes exactly that, leaving the other datasets untouched', async () => {
    const { client } = env;
    const shaA = shaOf(ids.scenes, 'a.png');
    const shaB = shaOf(ids.scenes, 'b.png');
    expect(shaOf(ids.other, 'b.png')).toBe(shaB);
    const otherBefore = snapshot(ids.other);
    const plainBefore = snapshot(ids.plain);
    const scenesRuns = n('SELECT COUNT(*) AS n FROM runs WHERE dataset_id = ?', ids.scenes);
    const predictions = n('SELECT COUNT(*) AS n FROM predictions p JOIN runs r ON r.id = p.run_id WHERE r.dataset_id = ?', ids.scenes);
    const metricRows = n('SELECT COUNT(*) AS n FROM metric_rows m JOIN runs r ON r.id = m.run_id WHERE r.dataset_id = ?', ids.scenes);
    const cachedA = n('SELECT COUNT(*) AS n FROM inference_cache WHERE image_sha256 = ?', shaA);
    const cachedB = n('SELECT COUNT(*) AS n FROM inference_cache WHERE image_sha256 = ?', shaB);
    const embeddingsA = embeddingFiles().filter((s) => s === shaA.slice(0, 32)).length;
    expect([scenesRuns, predictions > 0, metricRows > 0, cachedA, cachedB > 0, embeddingsA]).toEqual([2, true, true, 2, true, 1]);
    expect(thumbFiles().filter((s) => s === shaA || s === shaB)).toHaveLength(2);

    const plan = await client.call('datasets.deletePlan', { datasetId: ids.scenes });
    const goes = Object.fromEntries(plan.goes.map((g) => [g.key, g.count]));
    expect(plan.name).toBe('scenes');
    expect(plan.blockedBy).toBeNull();
    expect(goes).toMatchObject({
      images: 2,
      samples: 2,
      runs: 2,
      predictions,
      metricRows,
      // Only a's: b's content lives on in "other".
      cachedOutputs: cachedA,
      embeddings: embeddingsA,
      thumbnails: 1,
      savedFilters: 1,
      tagLinks: 2,
    });
    expect(plan.goes.find((g) => g.key === 'runs')?.label).toBe('runs (toy-colour-semantic, toy-colour-sam)');
    expect(plan.keeps.join(' ')).toContain('image files stay');
    // A plan writes nothing.
    expect(n('SELECT COUNT(*) AS n FROM runs WHERE dataset_id = ?', ids.scenes)).toBe(2);

    const result = await client.call('datasets.delete', { datasetId: ids.scenes });
    expect(result.plan.goes).toEqual(plan.goes);
    expect(result.filesRemoved).toBe(1);
    expect((await client.call('datasets.list', {})).map((d) => d.name)).toEqual(['other', 'photos']);
    for (const table of ['images', 'runs', 'classes', 'saved_filters']) {
      expect(n(`SELECT COUNT(*) AS n FROM ${table} WHERE dataset_id = ?`, ids.scenes)).toBe(0);
    }
    expect(n('SELECT COUNT(*) AS n FROM samples WHERE image_id NOT IN (SELECT id FROM images)')).toBe(0);
    expect(n('SELECT COUNT(*) AS n FROM inference_cache WHERE image_sha256 = ?', shaA)).toBe(0);
    expect(n('SELECT COUNT(*) AS n FROM inference_cache WHERE image_sha256 = ?', shaB)).toBe(cachedB);
    expect(embeddingFiles()).not.toContain(shaA.slice(0, 32));
    expect(embeddingFiles()).toContain(shaB.slice(0, 32));
    expect(thumbFiles()).not.toContain(shaA);
    expect(thumbFiles()).toContain(shaB);
    expect((await client.call('tags.list', {})).map((tag) => tag.name)).toEqual(['keep']);
    expect(snapshot(ids.other)).toEqual(otherBefore);
    expect(snapshot(ids.plain)).toEqual(plainBefore);
    consistent();
    await expectApiError(client.call('datasets.deletePlan', { datasetId: ids.scenes }), 'NOT_FOUND', /dataset \d+ not found/);
  });

  it('refuses to delete a dataset a job is running on, and deletes nothing', async () => {
    const { client, engine } = env;
    const jobId = engineInternals(engine).jobs.start(
      'datasets.export',
      { datasetId: ids.plain },
      (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
    );
    const plan = await client.call('datasets.deletePlan', { datasetId: ids.plain });
    expect(plan.blockedBy).toMatch(/datasets\.export job .* still running/);
    await expectApiError(
      client.call('datasets.delete', { datasetId: ids.plain }),
      'CONFLICT',
      /cannot be deleted now: a datasets\.export job/,
    );
    expect(await client.call('datasets.get', { datasetId: ids.plain })).toMatchObject({ name: 'photos', imageCount: 1 });
    await client.call('jobs.cancel', { jobId });
    await engineInternals(engine).jobs.idle();
    expect((await client.call('datasets.deletePlan', { datasetId: ids.plain })).blockedBy).toBeNull();
  });
});

describe('runs.rename / deletePlan / delete', () => {
  it('renames within a dataset and deletes one run with its predictions, heatmaps and metric rows only', async () => {
    const { client } = env;
    const [semantic, sam] = await client.call('runs.list', { datasetId: ids.other });
    await expectApiError(
      client.call('runs.rename', { runId: sam!.id, name: semantic!.name }),
      'CONFLICT',
      /has a run named "toy-colour-semantic"/,
    );
    expect((await client.call('runs.rename', { runId: sam!.id, name: 'sam oracle' })).name).toBe('sam oracle');
    const before = snapshot(ids.other);
    const plan = await client.call('runs.deletePlan', { runId: sam!.id });
    const goes = Object.fromEntries(plan.goes.map((g) => [g.key, g.count]));
    expect(goes).toEqual({
      predictions: n('SELECT COUNT(*) AS n FROM predictions WHERE run_id = ?', sam!.id),
      heatmaps: n('SELECT COUNT(*) AS n FROM heatmaps WHERE run_id = ?', sam!.id),
      metricRows: n('SELECT COUNT(*) AS n FROM metric_rows WHERE run_id = ?', sam!.id),
    });
    expect(goes['predictions']).toBeGreaterThan(0);
    expect(plan.keeps.join(' ')).toMatch(/2 cached model outputs stay for a rerun/);
    const semanticRows = n('SELECT COUNT(*) AS n FROM predictions WHERE run_id = ?', semantic!.id);
    await client.call('runs.delete', { runId: sam!.id });
    expect((await client.call('runs.list', { datasetId: ids.other })).map((r) => r.name)).toEqual(['toy-colour-semantic']);
    expect(n('SELECT COUNT(*) AS n FROM predictions WHERE run_id = ?', sam!.id)).toBe(0);
    expect(n('SELECT COUNT(*) AS n FROM metric_rows WHERE run_id = ?', sam!.id)).toBe(0);
    expect(n('SELECT COUNT(*) AS n FROM predictions WHERE run_id = ?', semantic!.id)).toBe(semanticRows);
    const after = snapshot(ids.other);
    expect(after.summary).toEqual(before.summary);
    expect(after.annotations).toBe(before.annotations);
    consistent();
  });

  it('says how to get past a taken run name: a new name, resuming, or deleting it', async () => {
    const { client } = env;
    await expectApiError(
      client.call('runs.start', { modelId: ids.sam, datasetId: ids.other, runName: 'toy-colour-semantic', device: 'cpu' }),
      'CONFLICT',
      /run "toy-colour-semantic" already exists on "other" with another model or parameters \(model "toy-colour-semantic", 2 samples done\): pick a new name with --run NEW, resume it by running the model that made it under the same name, or delete it first \(tessera runs delete "toy-colour-semantic" --dataset "other"\)/,
    );
  });
});

describe('models.rename / deletePlan / delete', () => {
  it('deletes a model its runs reference: the runs keep provenance, their model link becomes null, its caches go', async () => {
    const { client } = env;
    const model = await client.call('models.get', { modelId: ids.semantic });
    await expectApiError(client.call('models.rename', { modelId: ids.semantic, name: 'toy-colour-sam' }), 'CONFLICT', /exists already/);
    // The SAM toy calls its encoder by name: renaming or deleting the encoder is refused.
    const sam = await client.call('models.get', { modelId: ids.sam });
    const encoderName = (sam.manifest['params'] as Record<string, unknown>)['encoder_model'];
    if (typeof encoderName === 'string') {
      const encoder = (await client.call('models.list', {})).find((m) => m.name === encoderName)!;
      await expectApiError(
        client.call('models.rename', { modelId: encoder.id, name: 'enc2' }),
        'CONFLICT',
        /called by name from "toy-colour-sam"/,
      );
      expect((await client.call('models.deletePlan', { modelId: encoder.id })).blockedBy).toMatch(
        /toy-colour-sam" \(params.encoder_model\)/,
      );
    }
    const renamed = await client.call('models.rename', { modelId: ids.semantic, name: 'semantic v1' });
    expect(renamed.name).toBe('semantic v1');
    const cached = n('SELECT COUNT(*) AS n FROM inference_cache WHERE model_sha256 = ?', model.sha256);
    expect(cached).toBeGreaterThan(0);
    const [run] = await client.call('runs.list', { datasetId: ids.other });
    expect(run!.modelId).toBe(ids.semantic);
    const plan = await client.call('models.deletePlan', { modelId: ids.semantic });
    expect(plan.name).toBe('semantic v1');
    expect(Object.fromEntries(plan.goes.map((g) => [g.key, g.count]))).toEqual({ model: 1, cachedOutputs: cached, embeddings: 0 });
    expect(plan.keeps.join(' ')).toMatch(/1 run \(other\/toy-colour-semantic\) keep their predictions, scores and provenance/);
    const predictions = n('SELECT COUNT(*) AS n FROM predictions WHERE run_id = ?', run!.id);
    await client.call('models.delete', { modelId: ids.semantic });
    expect((await client.call('models.list', {})).map((m) => m.name)).not.toContain('semantic v1');
    const kept = await client.call('runs.get', { runId: run!.id });
    expect(kept.modelId).toBeNull();
    expect(kept.provenance).toMatchObject({ model: 'toy-colour-semantic', modelSha256: model.sha256, toy: true });
    expect(n('SELECT COUNT(*) AS n FROM predictions WHERE run_id = ?', run!.id)).toBe(predictions);
    expect(n('SELECT COUNT(*) AS n FROM inference_cache WHERE model_sha256 = ?', model.sha256)).toBe(0);
    consistent();
  });
});

describe('classes.list / update / add', () => {
  it('renames and recolours a class; the image detail shows it', async () => {
    const { client } = env;
    const classes = await client.call('classes.list', { datasetId: ids.other });
    expect(classes.map((c) => c.name)).toEqual(['background', 'class 1', 'class 2', 'class 3']);
    await expectApiError(
      client.call('classes.update', { datasetId: ids.other, index: 2, name: 'Class 1' }),
      'CONFLICT',
      /class 1 of "other" is already called "class 1"/,
    );
    await expectApiError(client.call('classes.update', { datasetId: ids.other, index: 9, name: 'x' }), 'NOT_FOUND', /has no class 9/);
    const after = await client.call('classes.update', { datasetId: ids.other, index: 2, name: 'road', color: [1, 2, 3] });
    expect(after.find((c) => c.index === 2)).toEqual({ index: 2, name: 'road', color: [1, 2, 3] });
    const images = await client.call('images.page', { datasetId: ids.other });
    const detail = await client.call('images.get', { imageId: images.items[0]!.id });
    expect(detail.classes.find((c) => c.index === 2)?.name).toBe('road');
  });

  it('adds classes to an unlabelled dataset, background first', async () => {
    const { client } = env;
    expect(await client.call('classes.list', { datasetId: ids.plain })).toEqual([]);
    const added = await client.call('classes.add', { datasetId: ids.plain, classes: [{ name: 'cat' }, { name: 'dog', color: [9, 9, 9] }] });
    expect(added.map((c) => [c.index, c.name])).toEqual([
      [0, 'background'],
      [1, 'cat'],
      [2, 'dog'],
    ]);
    expect(added[2]!.color).toEqual([9, 9, 9]);
    await expectApiError(
      client.call('classes.add', { datasetId: ids.plain, classes: [{ name: 'bird' }, { name: 'CAT' }] }),
      'CONFLICT',
      /already called "cat"/,
    );
    expect((await client.call('classes.list', { datasetId: ids.plain })).map((c) => c.name)).toEqual(['background', 'cat', 'dog']);
    expect((await client.call('datasets.get', { datasetId: ids.plain })).classCount).toBe(3);
    consistent();
  });
});

describe('jobs.list subjects', () => {
  it('names what each job is about, with current names, deleted things marked and TOY', async () => {
    const jobs = await env.client.call('jobs.list', {});
    const titles = jobs.map((j) => j.subject?.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Import folder dataset scenes',
        'Import folder dataset photos',
        'Run toy-colour-semantic on other as toy-colour-semantic',
        'Run toy-colour-semantic on scenes (deleted) as toy-colour-semantic',
        'Evaluate toy-colour-semantic on other',
      ]),
    );
    const run = jobs.find((j) => j.subject?.title === 'Run toy-colour-semantic on other as toy-colour-semantic');
    expect(run?.subject).toMatchObject({ datasetId: ids.other, datasetName: 'other', toy: true, modelName: 'toy-colour-semantic' });
    expect(run?.subject?.modelSha).toMatch(/^[0-9a-f]{12}$/);
  });
});
