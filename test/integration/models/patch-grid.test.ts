import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeToys } from '../../../tools/toy-models';
import { ATTENTION_SCALE, HEAD_CHANNELS, TOKEN_PATCH, tokenOf } from '../../../tools/toy-models/patch-tokens';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { writeSceneDataset } from '../../helpers/scenes';
import { parseNpyFloat32, planes, refBilinear } from '../../helpers/reference';

// The toy patch-tokens model (a real ONNX graph: Conv 16x16 stride 16, then one attention layer
// with a CLS token in front) on a 180x250 image, whose sides are not multiples of the patch size:
// the convolution makes floor(180/16) x floor(250/16) = 11 x 15 patches covering the top-left
// 176 x 240 pixels of the tensor; the last 4 rows and 10 columns are in no patch.
let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;
let models: string;
let datasetId = 0;
let rgb: Uint8Array;
const H = 180;
const W = 250;

beforeAll(async () => {
  t = tempDir();
  env = openTestEngine(join(t.dir, 'ws'));
  models = join(t.dir, 'models');
  mkdirSync(models);
  writeToys(models, ['patch-tokens']);
  const data = await writeSceneDataset(join(t.dir, 'scenes'), [
    {
      name: 'odd',
      width: W,
      height: H,
      rects: [
        { x: 0, y: 0, w: 120, h: 180, cls: 1 },
        { x: 130, y: 60, w: 120, h: 90, cls: 2 },
        { x: 200, y: 150, w: 50, h: 30, cls: 3 },
      ],
    },
  ]);
  rgb = data.rgb.get('odd') as Uint8Array;
  const imp = await finishJob(env.client, () => env.client.call('datasets.importFolder', { dir: data.images, name: 'scenes' }));
  datasetId = Number(imp.result?.['datasetId']);
});
afterAll(async () => {
  await env.engine.close();
  t.cleanup();
});

/** The toy's manifest with `name`, `input` and `params` changed, registered. */
async function variant(name: string, input: Record<string, unknown>, params: Record<string, unknown> = {}): Promise<number> {
  const base = JSON.parse(readFileSync(join(models, 'toy-colour-patch-tokens.manifest.json'), 'utf8')) as {
    input: Record<string, unknown>;
    params: Record<string, unknown>;
  };
  const manifest = { ...base, name, input: { ...base.input, ...input }, params: { ...base.params, ...params } };
  const path = join(models, `${name}.manifest.json`);
  writeFileSync(path, JSON.stringify(manifest));
  return (await env.client.call('models.add', { manifestPath: path })).id;
}

async function run(modelId: number) {
  return finishJob(env.client, () => env.client.call('runs.start', { modelId, datasetId, device: 'cpu' }));
}

async function exportNpy(runId: number, raw: boolean): Promise<string> {
  const out = join(t.dir, `npy-${runId}-${raw ? 'raw' : 'image'}`);
  const done = await finishJob(env.client, () =>
    env.client.call('datasets.export', { datasetId, runId, format: 'npy', outDir: out, ...(raw ? { raw: true } : {}) }),
  );
  expect(done.error).toBeNull();
  return out;
}

/**
 * The toy's CLS attention computed from its definition (tools/toy-models/patch-tokens.ts) on the
 * tensor `x` ([3, th, tw], 0-1): per head, softmax over keys of 2 q.k with the CLS query, head mean,
 * patch keys only, on the floor(th/16) x floor(tw/16) grid.
 */
function refClsAttention(x: Float64Array, th: number, tw: number): { map: Float64Array; gh: number; gw: number } {
  const gh = Math.floor(th / TOKEN_PATCH);
  const gw = Math.floor(tw / TOKEN_PATCH);
  const keys = [tokenOf([1, 0, 0])];
  for (let py = 0; py < gh; py++)
    for (let px = 0; px < gw; px++) {
      const m = [0, 0, 0];
      for (let c = 0; c < 3; c++)
        for (let y = 0; y < TOKEN_PATCH; y++)
          for (let xx = 0; xx < TOKEN_PATCH; xx++)
            m[c]! += x[c * th * tw + (py * TOKEN_PATCH + y) * tw + px * TOKEN_PATCH + xx]! / (TOKEN_PATCH * TOKEN_PATCH);
      keys.push(tokenOf(m));
    }
  const map = new Float64Array(gh * gw);
  for (const channels of HEAD_CHANNELS) {
    const scores = keys.map((k) => ATTENTION_SCALE * channels.reduce((s, d) => s + keys[0]![d]! * k[d]!, 0));
    const top = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - top));
    const sum = e.reduce((a, b) => a + b, 0);
    for (let i = 0; i < gh * gw; i++) map[i]! += e[i + 1]! / sum / HEAD_CHANNELS.length;
  }
  return { map, gh, gw };
}

/**
 * Where the exported image-size map must come from: the stored grid resized (torch bilinear) onto
 * the covered `ch x cw` pixels of a `th x tw` tensor whose other pixels are NaN, then the tensor
 * resized to the image (NaN spreading to every pixel it reaches, as torch's F.interpolate does).
 */
function refAtImage(grid: ArrayLike<number>, gh: number, gw: number, th: number, tw: number): Float64Array {
  const ch = gh * TOKEN_PATCH;
  const cw = gw * TOKEN_PATCH;
  const part = refBilinear(grid, 1, gh, gw, ch, cw);
  const tensor = new Float64Array(th * tw).fill(NaN);
  for (let y = 0; y < ch; y++) tensor.set(part.subarray(y * cw, (y + 1) * cw), y * tw);
  return th === H && tw === W ? tensor : refBilinear(tensor, 1, th, tw, H, W);
}

function expectSameMap(actual: Float32Array, expected: Float64Array, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let nanMismatch = 0;
  for (let i = 0; i < expected.length; i++) {
    if (Number.isNaN(expected[i]!) !== Number.isNaN(actual[i]!)) nanMismatch++;
    else if (!Number.isNaN(expected[i]!)) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  }
  expect(nanMismatch).toBe(0);
  expect(worst).toBeLessThan(tolerance);
}

describe('patch-tokens: the token grid of a stride-p patch embedding', () => {
  it('fixed 180x250: an 11x15 grid over the top-left 176x240 pixels; the uncovered band exports as NaN', async () => {
    const done = await run(await variant('pt-fixed', { policy: 'fixed' }));
    expect(done.error).toBeNull();
    const runId = Number(done.result?.['runId']);
    const page = await env.client.call('images.page', { datasetId, offset: 0, limit: 10 });
    const imageId = page.items[0]!.id;
    const list = await env.client.call('heatmaps.list', { runId, imageId });
    const geometry = {
      tensorHeight: H,
      tensorWidth: W,
      contentHeight: H,
      contentWidth: W,
      cropTop: 0,
      cropLeft: 0,
      gridHeight: 11,
      gridWidth: 15,
      coveredHeight: 176,
      coveredWidth: 240,
    };
    expect(list.find((h) => h.name === 'cls_attention')?.geometry).toEqual(geometry);
    expect(list.find((h) => h.name === 'patch_tokens')?.shape).toEqual([165, 8]);

    // --raw: the map as stored (cls_attention, first by name, is <stem>.npy), on the 11x15 grid, equal to the toy's attention computed by hand.
    const rawDir = await exportNpy(runId, true);
    const raw = parseNpyFloat32(readFileSync(join(rawDir, 'odd.npy')));
    expect(raw.shape).toEqual([11, 15]);
    const ref = refClsAttention(planes(rgb, W, H), H, W);
    expect([ref.gh, ref.gw]).toEqual([11, 15]);
    expectSameMap(raw.data, ref.map, 1e-5);
    const index = JSON.parse(readFileSync(join(rawDir, 'heatmaps.json'), 'utf8')) as {
      files: Array<{ file: string; geometry: Record<string, number> | null }>;
    };
    expect(index.files.find((f) => f.file === 'odd.npy')?.geometry).toEqual(geometry);

    // At the image size: the grid stretched over 176x240 pixels (not 180x250), NaN in rows 176-179
    // and columns 240-249, to 1e-6 of the reference.
    const atImage = parseNpyFloat32(readFileSync(join(await exportNpy(runId, false), 'odd.npy')));
    expect(atImage.shape).toEqual([H, W]);
    expectSameMap(atImage.data, refAtImage(raw.data, 11, 15, H, W), 1e-6);
    expect(Number.isNaN(atImage.data[175 * W + 239]!)).toBe(false);
    expect(Number.isNaN(atImage.data[176 * W])).toBe(true);
    expect(Number.isNaN(atImage.data[240])).toBe(true);
  });

  it('resize 250x250 and keep-aspect (multiple 20): the covered part of the tensor maps onto the image, the rest is NaN', async () => {
    // resize: 180x250 -> 250x250 tensor, 15x15 patches over 240x240; keep-aspect 250 / 20: sides
    // round(180/20)*20 = 180 and round(12.5)*20 = 240 -> a 180x240 tensor, 11x15 patches over 176x240.
    for (const [name, input, th, tw, gh, gw] of [
      ['pt-resize-250', { policy: 'resize', size: [250, 250] }, 250, 250, 15, 15],
      ['pt-keep-aspect-20', { policy: 'keep-aspect', size: 250, multiple: 20 }, 180, 240, 11, 15],
    ] as const) {
      const done = await run(await variant(name, input));
      expect(done.error).toBeNull();
      const runId = Number(done.result?.['runId']);
      const raw = parseNpyFloat32(readFileSync(join(await exportNpy(runId, true), 'odd.token_importance.npy')));
      expect(raw.shape).toEqual([gh, gw]);
      const atImage = parseNpyFloat32(readFileSync(join(await exportNpy(runId, false), 'odd.token_importance.npy')));
      expect(atImage.shape).toEqual([H, W]);
      const expected = refAtImage(raw.data, gh, gw, th, tw);
      expectSameMap(atImage.data, expected, 1e-6);
      // Some of the image is not covered, and most of it is.
      const nan = expected.filter((v) => Number.isNaN(v)).length;
      expect(nan).toBeGreaterThan(0);
      expect(nan).toBeLessThan(0.1 * H * W);
    }
  });

  it('a wrong prefix count in the manifest refuses the run with one line naming the field and the likely value', async () => {
    // The toy's attention has CLS in front (197 tokens for 14x14 patches at 224); its patch_tokens none.
    const attn = await run(await variant('pt-wrong-attn-prefix', {}, { attention_prefix_tokens: 3 }));
    expect(attn.error?.message).toBe(
      'model "pt-wrong-attn-prefix": output attn_l0 has 197 tokens, but params.attention_prefix_tokens is 3 and the 14x14 patch grid of the 224x224 input (params.patch_size 16) has 196 patches, so 199 were expected; with 196 patches the likely value is params.attention_prefix_tokens: 1',
    );
    const tokens = await run(await variant('pt-wrong-token-prefix', {}, { patch_tokens_prefix_tokens: 1 }));
    expect(tokens.error?.message).toBe(
      'model "pt-wrong-token-prefix": output patch_tokens has 196 tokens, but params.patch_tokens_prefix_tokens is 1 and the 14x14 patch grid of the 224x224 input (params.patch_size 16) has 196 patches, so 197 were expected; with 196 patches the likely value is params.patch_tokens_prefix_tokens: 0',
    );
    for (const name of ['pt-wrong-attn-prefix', 'pt-wrong-token-prefix']) {
      const runs = await env.client.call('runs.list', { datasetId });
      const r = runs.find((x) => x.name === name);
      expect(r?.status).toBe('failed');
      expect(r?.predictedSamples).toBe(0);
    }
  });
});
