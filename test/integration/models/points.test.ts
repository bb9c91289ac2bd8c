import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeToys } from '../../../tools/toy-models';
import { sha256File } from '../../../src/main/engine/models/registry';
import { SamplePoints } from '../../../src/shared/api/methods/heatmaps';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { renderScene, writeSceneDataset } from '../../helpers/scenes';
import { engineInternals } from '../../../src/main/engine/internals';

// A 2-query image and a 1-query image through the toy seg-token model and its toy SAM decoder:
// heatmaps.points and `export --format points` give the SasP points and the decoder's exact prompt.

let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;
let datasetId: number;
let runId: number;
const images = [
  { name: 'two.png', width: 60, height: 41, queries: ['the red object', 'the blue object'] },
  { name: 'one.png', width: 32, height: 48, queries: ['the green object'] },
];

beforeAll(async () => {
  t = tempDir();
  env = openTestEngine(join(t.dir, 'ws'));
  const models = join(t.dir, 'models');
  writeToys(models, ['seg-token', 'prompt-decoder', 'semantic-seg']);
  await env.client.call('models.add', { manifestPath: join(models, 'toy-colour-sam.manifest.json') });
  const model = await env.client.call('models.add', { manifestPath: join(models, 'toy-colour-seg-token.manifest.json') });
  const stored: Array<(typeof images)[number] & { file: string; sha: string }> = [];
  for (const image of images) {
    const { rgb } = renderScene(image.width, image.height, [
      { x: 2, y: 3, w: 20, h: 16, cls: 1 },
      { x: 5, y: 24, w: 22, h: 14, cls: 3 },
      { x: 26, y: 2, w: 5, h: 30, cls: 2 },
    ]);
    const file = join(t.dir, image.name);
    await sharp(Buffer.from(rgb), { raw: { width: image.width, height: image.height, channels: 3 } })
      .png()
      .toFile(file);
    stored.push({ ...image, file, sha: await sha256File(file) });
  }
  const { db, repos } = engineInternals(env.engine);
  datasetId = db.transaction(() => {
    const id = repos.datasets.create({ name: 'refer', format: 'folder', task: 'referring', sourcePath: null });
    repos.datasets.addClasses(id, [
      { index: 0, name: 'background', color: [0, 0, 0] },
      { index: 1, name: 'target', color: [128, 0, 0] },
    ]);
    for (const s of stored) {
      const imageId = repos.images.create({
        datasetId: id,
        path: s.file,
        fileName: s.name,
        sha256: s.sha,
        bytes: 0,
        width: s.width,
        height: s.height,
      });
      for (const q of s.queries) repos.images.createSample(imageId, q, [q], false);
    }
    return id;
  })();
  const done = await finishJob(env.client, () => env.client.call('runs.start', { modelId: model.id, datasetId, device: 'cpu' }));
  expect(done.error).toBeNull();
  runId = Number(done.result?.['runId']);
});
afterAll(async () => {
  await env.engine.close();
  t.cleanup();
});

async function imageId(name: string): Promise<number> {
  const page = await env.client.call('images.page', { datasetId, offset: 0, limit: 10 });
  return page.items.find((i) => i.fileName === name)!.id;
}

/** READ generate_pred_masks: apply_coords to the 1024 frame (rounded resized sides) in float32. */
function readFrame(x: number, y: number, width: number, height: number): [number, number] {
  const scale = 1024 / Math.max(width, height);
  const newW = Math.trunc(width * scale + 0.5);
  const newH = Math.trunc(height * scale + 0.5);
  return [Math.fround(Math.fround(x) * Math.fround(newW / width)), Math.fround(Math.fround(y) * Math.fround(newH / height))];
}

describe('point prompts of a seg-token run', () => {
  it('heatmaps.points gives each query its SasP points and the prompt its decoder was fed', async () => {
    const two = await heatmapsPoints('two.png');
    expect(two.map((p) => p.query)).toEqual(['the red object', 'the blue object']);
    for (const p of two) {
      expect(p).toMatchObject({ fileName: 'two.png', width: 60, height: 41, similaritySize: [24, 24], decoder: 'toy-colour-sam' });
      expect(p.points).toHaveLength(30);
      expect(p.labels).toContain(1);
      expect(p.labels).toContain(0);
      expect(p.decoderPrompt).toEqual({
        frame: 1024,
        coords: [...p.points.map(([x, y]) => readFrame(x, y, 60, 41)), [0, 0]],
        labels: [...p.labels, -1],
      });
      // Positives first, in descending score, then negatives in ascending score.
      const pos = p.scores.filter((_, i) => p.labels[i] === 1);
      expect(pos).toEqual([...pos].sort((a, b) => b - a));
      expect(p.labels.slice(0, pos.length).every((l) => l === 1)).toBe(true);
    }
    // The red query's first positive lies on the red rectangle (x 2-21, y 3-18).
    const [x, y] = two[0]!.points[0]!;
    expect([x >= 2 && x < 22, y >= 3 && y < 19]).toEqual([true, true]);
  });

  it('export --format points writes one JSON per sample, named like the npy export, equal to heatmaps.points', async () => {
    const out = join(t.dir, 'points');
    const done = await finishJob(env.client, () => env.client.call('datasets.export', { datasetId, runId, format: 'points', outDir: out }));
    expect(done.error).toBeNull();
    expect(done.result).toMatchObject({ format: 'points', files: 3, images: 2 });
    // A dataset with several queries per image names every file by query (k from 0), as prediction imports read them.
    expect(readdirSync(out).sort()).toEqual(['one.q0.json', 'two.q0.json', 'two.q1.json']);
    const read = (f: string) => SamplePoints.parse(JSON.parse(readFileSync(join(out, f), 'utf8')));
    const [first, second] = await heatmapsPoints('two.png');
    expect(read('two.q0.json')).toEqual(first);
    expect(read('two.q1.json')).toEqual(second);
    expect(read('one.q0.json')).toEqual((await heatmapsPoints('one.png'))[0]);
  });

  it('export --format points again into that folder is refused whole (its files stay as they are); overwrite replaces them', async () => {
    const out = join(t.dir, 'points-again');
    const exportPoints = (overwrite?: boolean) =>
      finishJob(env.client, () => env.client.call('datasets.export', { datasetId, runId, format: 'points', outDir: out, overwrite }));
    expect((await exportPoints()).error).toBeNull();
    const first = Object.fromEntries(readdirSync(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]));
    writeFileSync(join(out, 'two.q1.json'), 'mine');
    const again = await exportPoints();
    expect(again.error).toMatchObject({
      code: 'CONFLICT',
      message: `${out} already has 3 files this export would replace (one.q0.json, two.q0.json, …); nothing was written: choose an empty or new folder, or pass --overwrite to replace them`,
    });
    expect(readFileSync(join(out, 'two.q1.json'), 'utf8')).toBe('mine');
    expect(readdirSync(t.dir).filter((n) => n.startsWith('.points-again.tessera-export-'))).toEqual([]);
    expect((await exportPoints(true)).error).toBeNull();
    expect(Object.fromEntries(readdirSync(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]))).toEqual(first);
  });

  it("export --format npy writes every query's maps (<stem>.q<k>.npy), each the map stored for that query", async () => {
    const out = join(t.dir, 'maps');
    const done = await finishJob(env.client, () =>
      env.client.call('datasets.export', { datasetId, runId, format: 'npy', outDir: out, raw: true }),
    );
    expect(done.error).toBeNull();
    const index = JSON.parse(readFileSync(join(out, 'heatmaps.json'), 'utf8')) as {
      files: Array<{ file: string; image: string; query?: number; heatmap: string; shape: number[] }>;
    };
    const { db } = engineInternals(env.engine);
    const stored = db
      .prepare(
        `SELECT i.file_name, s.id AS sample_id, h.name, h.dtype, h.data FROM heatmaps h JOIN samples s ON s.id = h.sample_id
           JOIN images i ON i.id = s.image_id WHERE h.run_id = ? ORDER BY s.id, h.name`,
      )
      .all(runId) as Array<{ file_name: string; sample_id: number; name: string; dtype: string; data: Buffer }>;
    expect(stored.filter((r) => r.file_name === 'two.png').map((r) => r.sample_id)).toHaveLength(
      2 * stored.filter((r) => r.file_name === 'one.png').length,
    );
    // One file per stored map of each of the three queries (before: the first query's only).
    expect(index.files).toHaveLength(stored.length);
    const queryOf = new Map<number, number>();
    for (const image of images) {
      const ids = [...new Set(stored.filter((r) => r.file_name === image.name).map((r) => r.sample_id))];
      ids.forEach((id, k) => queryOf.set(id, k));
    }
    for (const row of stored) {
      const k = queryOf.get(row.sample_id)!;
      const entry = index.files.find((f) => f.image === row.file_name && f.query === k && f.heatmap === row.name);
      expect(entry?.file, `${row.file_name} q${k} ${row.name}`).toMatch(new RegExp(`^${row.file_name.replace('.png', '')}\\.q${k}\\.`));
      const npy = readFileSync(join(out, entry!.file));
      const headerLength = npy.readUInt16LE(8);
      const values = new Float32Array(npy.buffer.slice(npy.byteOffset + 10 + headerLength, npy.byteOffset + npy.byteLength));
      expect(row.dtype).toBe('float32');
      expect(Buffer.from(values.buffer)).toEqual(row.data);
    }
  });

  it('refuses a run that has no point prompts in one line and writes nothing', async () => {
    const data = await writeSceneDataset(join(t.dir, 'scenes'), [
      {
        name: 's',
        width: 32,
        height: 32,
        rects: [
          { x: 2, y: 2, w: 9, h: 9, cls: 1 },
          { x: 12, y: 2, w: 9, h: 9, cls: 2 },
          { x: 2, y: 16, w: 9, h: 9, cls: 3 },
        ],
      },
    ]);
    const imp = await finishJob(env.client, () =>
      env.client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'scenes' }),
    );
    const scenesId = Number(imp.result?.['datasetId']);
    const model = await env.client.call('models.add', { manifestPath: join(t.dir, 'models', 'toy-colour-semantic.manifest.json') });
    const run = await finishJob(env.client, () => env.client.call('runs.start', { modelId: model.id, datasetId: scenesId, device: 'cpu' }));
    const out = join(t.dir, 'no-points');
    const done = await finishJob(env.client, () =>
      env.client.call('datasets.export', { datasetId: scenesId, runId: Number(run.result?.['runId']), format: 'points', outDir: out }),
    );
    expect(done.error?.message).toMatch(/stored no point prompts: only seg-token runs/);
    expect(done.error?.message).not.toMatch(/\n/);
    expect(existsSync(out)).toBe(false);
    await expect(env.client.call('heatmaps.points', { runId: Number(run.result?.['runId']), imageId: 999999 })).rejects.toThrow(
      /image 999999 not found/,
    );
  });
});

async function heatmapsPoints(name: string) {
  return env.client.call('heatmaps.points', { runId, imageId: await imageId(name) });
}
