import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { writeToys } from '../../../tools/toy-models';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { writeSceneDataset } from '../../helpers/scenes';
import { parseNpyFloat32, refBilinear } from '../../helpers/reference';

// The toy redness model (sigmoid(10 * (redness - 0.25)) per 4x4 block) under longest-side-pad 64:
// a 128x64 image becomes 64x32 content at the top of a 64x64 tensor, so its 16x16 probability map
// has 8 content rows and 8 rows of padding. The red rectangle covers the image's top-right quarter,
// i.e. map rows 0-3, columns 8-15.
let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;
let datasetId = 0;
let runId = 0;
const sig = (v: number): number => 1 / (1 + Math.exp(-v));
const RED = sig(10 * (1 - 0.25));
const BLACK = sig(10 * (0 - 0.25));

beforeAll(async () => {
  t = tempDir();
  env = openTestEngine(join(t.dir, 'ws'));
  const models = join(t.dir, 'models');
  mkdirSync(models);
  const manifestPath = writeToys(models, ['probability-map'])['probability-map'] as string;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown> & { input: Record<string, unknown> };
  const padded = { ...manifest, name: 'toy-redness-padded', input: { ...manifest.input, policy: 'longest-side-pad' } };
  const paddedPath = join(models, 'toy-redness-padded.manifest.json');
  writeFileSync(paddedPath, JSON.stringify(padded));
  const data = await writeSceneDataset(join(t.dir, 'scenes'), [
    { name: 'wide', width: 128, height: 64, rects: [{ x: 64, y: 0, w: 64, h: 32, cls: 1 }] },
    { name: 'empty', width: 64, height: 64, rects: [{ x: 8, y: 8, w: 20, h: 20, cls: 3 }] },
  ]);
  const imp = await finishJob(env.client, () => env.client.call('datasets.importFolder', { dir: data.images, name: 'scenes' }));
  datasetId = Number(imp.result?.['datasetId']);
  const m = await env.client.call('models.add', { manifestPath: paddedPath });
  const done = await finishJob(env.client, () => env.client.call('runs.start', { modelId: m.id, datasetId, device: 'cpu' }));
  expect(done.error).toBeNull();
  runId = Number(done.result?.['runId']);
});
afterAll(async () => {
  await env.engine.close();
  t.cleanup();
});

function expectedProbability(): Float64Array {
  const p = new Float64Array(256);
  for (let r = 0; r < 16; r++) for (let c = 0; c < 16; c++) p[r * 16 + c] = r < 4 && c >= 8 ? RED : BLACK;
  return p;
}

async function exportNpy(out: string, raw: boolean) {
  const done = await finishJob(env.client, () =>
    env.client.call('datasets.export', { datasetId, runId, format: 'npy', outDir: out, ...(raw ? { raw: true } : {}) }),
  );
  expect(done.error).toBeNull();
  return done.result;
}

describe('heatmap geometry of a longest-side-pad model', () => {
  it('stores the geometry with the heatmap and serves it through heatmaps.list', async () => {
    const page = await env.client.call('images.page', { datasetId, offset: 0, limit: 10 });
    const wide = page.items.find((i) => i.fileName === 'wide.png')!;
    const list = await env.client.call('heatmaps.list', { runId, imageId: wide.id });
    expect(list.map((h) => [h.name, h.shape])).toEqual([['probability', [16, 16]]]);
    expect(list[0]?.geometry).toEqual({
      tensorHeight: 64,
      tensorWidth: 64,
      contentHeight: 32,
      contentWidth: 64,
      cropTop: 0,
      cropLeft: 0,
      gridHeight: 16,
      gridWidth: 16,
    });
  });

  it('npy export: at the image size through the geometry by default, the red quarter on the red pixels', async () => {
    const out = join(t.dir, 'npy');
    expect(await exportNpy(out, false)).toMatchObject({ files: 2, images: 2 });
    const npy = parseNpyFloat32(readFileSync(join(out, 'wide.npy')));
    expect(npy.shape).toEqual([64, 128]);
    // Reference: bilinear (align_corners=False) 16x16 -> 64x64 tensor, keep the 32x64 content, bilinear -> 64x128.
    const tensor = refBilinear(expectedProbability(), 1, 16, 16, 64, 64);
    const expected = refBilinear(tensor.subarray(0, 32 * 64), 1, 32, 64, 64, 128);
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(npy.data[i]! - expected[i]!));
    expect(worst).toBeLessThan(1e-5);
    // The red rectangle (x >= 64, y < 32) is red, away from its edges; the bottom half is not.
    expect(npy.data[16 * 128 + 100]).toBeCloseTo(RED, 5);
    expect(npy.data[24 * 128 + 100]).toBeGreaterThan(0.5); // a stretched 16x16 map would put row 6 (black) here
    expect(npy.data[48 * 128 + 100]).toBeCloseTo(BLACK, 5);
    expect(npy.data[16 * 128 + 20]).toBeCloseTo(BLACK, 5);
  });

  it('npy export --raw: the map as the model produced it, plus heatmaps.json with its geometry', async () => {
    const out = join(t.dir, 'npy-raw');
    expect(await exportNpy(out, true)).toMatchObject({ files: 3, images: 2 });
    const npy = parseNpyFloat32(readFileSync(join(out, 'wide.npy')));
    expect(npy.shape).toEqual([16, 16]);
    const expected = expectedProbability();
    for (let i = 0; i < 256; i++) expect(npy.data[i]).toBeCloseTo(expected[i]!, 5);
    const index = JSON.parse(readFileSync(join(out, 'heatmaps.json'), 'utf8')) as {
      files: Array<{ file: string; imageSize: number[]; shape: number[]; geometry: Record<string, number> | null }>;
    };
    expect(index.files.find((f) => f.file === 'wide.npy')).toMatchObject({
      imageSize: [64, 128],
      shape: [16, 16],
      geometry: { tensorHeight: 64, contentHeight: 32, contentWidth: 64, gridHeight: 16 },
    });
  });

  it('raw applies to npy only: the export fails with one line and writes nothing', async () => {
    const done = await finishJob(env.client, () =>
      env.client.call('datasets.export', { datasetId, runId, format: 'voc', outDir: join(t.dir, 'x'), raw: true }),
    );
    expect(done.error?.message).toBe('raw applies to npy heatmaps only, not to voc export');
    expect(existsSync(join(t.dir, 'x'))).toBe(false);
  });

  it('voc export of the run writes every image, an empty prediction as all background', async () => {
    const out = join(t.dir, 'voc');
    const done = await finishJob(env.client, () => env.client.call('datasets.export', { datasetId, runId, format: 'voc', outDir: out }));
    expect(done.result).toMatchObject({ files: 2, images: 2 });
    const empty = decode(readFileSync(join(out, 'empty.png')));
    expect([empty.width, empty.height]).toEqual([64, 64]);
    expect((empty.data as Uint8Array).every((v) => v === 0)).toBe(true);
    const wide = decode(readFileSync(join(out, 'wide.png')));
    const labels = wide.data as Uint8Array;
    expect([labels[16 * 128 + 100], labels[48 * 128 + 100], labels[16 * 128 + 20]]).toEqual([1, 0, 0]);
  });
});
