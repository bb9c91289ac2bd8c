import { sha256File } from '../../../src/main/engine/models/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeToys } from '../../../tools/toy-models';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { writeSceneDataset, type Rect } from '../../helpers/scenes';
import { planes, refArgmax, refBilinear, refTocoCam } from '../../helpers/reference';
import { decodeRawCams, encodeRawCams, fusedCamAtImageSize } from '../../../src/main/engine/models/adapters/cam';
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

async function dataset(name: string, scenes: Array<{ name: string; width: number; height: number; rects: Rect[] }>) {
  const data = await writeSceneDataset(join(t.dir, name), scenes);
  const imp = await finishJob(env.client, () => env.client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name }));
  expect(imp.status).toBe('succeeded');
  return { ...data, datasetId: Number(imp.result?.['datasetId']) };
}

async function runModel(model: string, datasetId: number, runName?: string) {
  const m = await env.client.call('models.add', { manifestPath: join(modelsDir, `${model}.manifest.json`) });
  const done = await finishJob(env.client, () =>
    env.client.call('runs.start', { modelId: m.id, datasetId, device: 'cpu', ...(runName === undefined ? {} : { runName }) }),
  );
  expect(done.error).toBeNull();
  return { runId: Number(done.result?.['runId']), result: done.result };
}

async function imageIds(datasetId: number): Promise<Map<string, number>> {
  const page = await env.client.call('images.page', { datasetId, offset: 0, limit: 1000 });
  return new Map(page.items.map((i) => [i.fileName.replace(/\.png$/, ''), i.id]));
}

describe('model adapters against independent computations', () => {
  it('semantic-seg: argmax of bilinearly upsampled colour-prototype logits, pixel for pixel', async () => {
    const scenes = [
      {
        name: 's1',
        width: 64,
        height: 64,
        rects: [
          { x: 8, y: 8, w: 24, h: 24, cls: 1 },
          { x: 37, y: 10, w: 15, h: 41, cls: 3 },
        ],
      },
      { name: 's2', width: 64, height: 64, rects: [{ x: 3, y: 30, w: 50, h: 21, cls: 2 }] },
    ];
    const d = await dataset('semantic-scenes', scenes);
    const { runId } = await runModel('toy-colour-semantic', d.datasetId);
    const ids = await imageIds(d.datasetId);
    const protos = [
      [0, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    for (const s of scenes) {
      // Reference: 64x64 input (no resize), 4x4 average pool, logit_c = 2<p_c,x> - |p_c|^2, bilinear x4, argmax.
      const x = planes(d.rgb.get(s.name) as Uint8Array, 64, 64);
      const logits = new Float64Array(4 * 16 * 16);
      for (let by = 0; by < 16; by++) {
        for (let bx = 0; bx < 16; bx++) {
          const mean = [0, 0, 0];
          for (let c = 0; c < 3; c++) {
            for (let y = 0; y < 4; y++)
              for (let xx = 0; xx < 4; xx++) mean[c] = (mean[c] ?? 0) + (x[c * 4096 + (by * 4 + y) * 64 + bx * 4 + xx] as number) / 16;
          }
          protos.forEach((p, k) => {
            logits[k * 256 + by * 16 + bx] =
              2 * (p[0]! * mean[0]! + p[1]! * mean[1]! + p[2]! * mean[2]!) - (p[0]! ** 2 + p[1]! ** 2 + p[2]! ** 2);
          });
        }
      }
      const expected = refArgmax(refBilinear(logits, 4, 16, 16, 64, 64), 4, 4096);
      const blob = await env.engine.blobs.read({ kind: 'prediction', runId, imageId: ids.get(s.name) as number });
      expect(Buffer.from(blob.bytes).equals(Buffer.from(expected))).toBe(true);
    }
  });

  it('probability-map: sigmoid of redness above 0.5, upsampled bilinearly', async () => {
    const scenes = [
      {
        name: 'p1',
        width: 64,
        height: 64,
        rects: [
          { x: 10, y: 6, w: 30, h: 20, cls: 1 },
          { x: 20, y: 40, w: 30, h: 20, cls: 2 },
        ],
      },
    ];
    const data = await writeSceneDataset(join(t.dir, 'redness'), scenes);
    // A binary dataset (0/255 masks of the red rectangle) so the model's 2 classes map onto it.
    const imp = await finishJob(env.client, () => env.client.call('datasets.importFolder', { dir: data.images, name: 'redness' }));
    const datasetId = Number(imp.result?.['datasetId']);
    const { runId } = await runModel('toy-redness-probability', datasetId);
    const x = planes(data.rgb.get('p1') as Uint8Array, 64, 64);
    const prob = new Float64Array(256);
    for (let by = 0; by < 16; by++) {
      for (let bx = 0; bx < 16; bx++) {
        const m = [0, 0, 0];
        for (let c = 0; c < 3; c++)
          for (let y = 0; y < 4; y++)
            for (let xx = 0; xx < 4; xx++) m[c] = (m[c] ?? 0) + (x[c * 4096 + (by * 4 + y) * 64 + bx * 4 + xx] as number) / 16;
        prob[by * 16 + bx] = 1 / (1 + Math.exp(-10 * (m[0]! - (m[1]! + m[2]!) / 2 - 0.25)));
      }
    }
    const up = refBilinear(prob, 1, 16, 16, 64, 64);
    const expected = Uint8Array.from(up, (v) => (v > 0.5 ? 1 : 0));
    const ids = await imageIds(datasetId);
    const blob = await env.engine.blobs.read({ kind: 'prediction', runId, imageId: ids.get('p1') as number });
    expect(Buffer.from(blob.bytes).equals(Buffer.from(expected))).toBe(true);
  });

  it('cam: ToCo multi-scale + flip fusion and the pseudo label match a plain re-implementation', async () => {
    const W = 448;
    const scenes = [
      {
        name: 'c1',
        width: W,
        height: W,
        rects: [
          { x: 0, y: 0, w: 224, h: W, cls: 1 },
          { x: 224, y: 0, w: 224, h: W, cls: 3 },
        ],
      },
    ];
    const d = await dataset('cam-scenes', scenes);
    const callsBefore = engineInternals(env.engine).inference.runCalls;
    const { runId } = await runModel('toy-colour-cam', d.datasetId);
    // Three scales, each image + flip in one batch (the toy's batch axis is dynamic): 3 calls, not 6.
    expect(engineInternals(env.engine).inference.runCalls - callsBefore).toBe(3);
    const fused = refTocoCam(planes(d.rgb.get('c1') as Uint8Array, W, W), W);
    const ids = await imageIds(d.datasetId);
    const imageId = ids.get('c1') as number;
    const sampleId = engineInternals(env.engine).repos.images.semanticSampleId(imageId) as number;
    const raw = engineInternals(env.engine).repos.predictions.heatmap(runId, sampleId, 'cam_raw');
    expect(raw).toBeDefined();
    const ours = fusedCamAtImageSize(decodeRawCams(raw!.data, raw!.meta), W, W);
    expect(ours.channels).toBe(3);
    let worst = 0;
    for (let i = 0; i < fused.length; i++) worst = Math.max(worst, Math.abs((ours.cam[i] as number) - (fused[i] as number)));
    expect(worst).toBeLessThan(1e-4);
    // Pseudo label: GT image labels (red, blue) present, green masked; the toy manifest sets
    // three_band {high 0.7, low 0.25}: ToCo's cam_to_label(ignore_mid=True) in its order: background
    // where max <= 0.5, then 255 where max <= 0.7, then background where max <= 0.25.
    const twoBand = new Uint8Array(W * W);
    const threeBand = new Uint8Array(W * W);
    for (let i = 0; i < W * W; i++) {
      const r = fused[i] as number;
      const b = fused[2 * W * W + i] as number;
      const best = b > r ? 3 : 1;
      const max = Math.max(r, b);
      twoBand[i] = max <= 0.5 ? 0 : best;
      threeBand[i] = max <= 0.25 ? 0 : max <= 0.7 ? 255 : twoBand[i]!;
    }
    const mismatches = async (id: number, expected: Uint8Array) => {
      const blob = await env.engine.blobs.read({ kind: 'prediction', runId: id, imageId });
      let diff = 0;
      for (let i = 0; i < expected.length; i++) if (blob.bytes[i] !== expected[i]) diff++;
      return diff;
    };
    // The scene holds both classes and the ignore band, so the test tells the rules apart.
    const counts = [1, 3, 255].map((v) => threeBand.filter((x) => x === v).length);
    expect(
      counts.every((n) => n > 0),
      `labels 1, 3, 255: ${counts.join(', ')} pixels`,
    ).toBe(true);
    expect(await mismatches(runId, threeBand)).toBe(0);
    const run = await env.client.call('runs.get', { runId });
    expect(run.provenance['pseudoLabel']).toEqual({
      rule: 'toco-cam_to_label-ignore_mid',
      bgThreshold: 0.5,
      high: 0.7,
      low: 0.25,
      ignoreIndex: 255,
    });
    // The same model without three_band: the plain background-threshold label, nothing at 255.
    const manifest = JSON.parse(readFileSync(join(modelsDir, 'toy-colour-cam.manifest.json'), 'utf8')) as {
      name: string;
      params: Record<string, unknown>;
    };
    delete manifest.params['three_band'];
    manifest.name = 'toy-colour-cam-two-band';
    writeFileSync(join(modelsDir, 'toy-colour-cam-two-band.manifest.json'), JSON.stringify(manifest));
    const plain = await runModel('toy-colour-cam-two-band', d.datasetId);
    expect(await mismatches(plain.runId, twoBand)).toBe(0);
    const plainRun = await env.client.call('runs.get', { runId: plain.runId });
    expect(plainRun.provenance['pseudoLabel']).toEqual({ rule: 'toco-cam_to_label', bgThreshold: 0.5 });

    // Scoring: pixels the three-band label marks 255 are left out, as ToCo's evaluate.py
    // pseudo_scores does (lt[lp == 255] = 255; lp[lp == 255] = 0); the two-band run counts them all.
    const gt = d.labels.get('c1') as Uint8Array;
    const refIous = (pred: Uint8Array): Array<number | null> => {
      const hist = new Float64Array(16);
      for (let i = 0; i < pred.length; i++) if (pred[i] !== 255 && gt[i] !== 255) hist[gt[i]! * 4 + pred[i]!]!++;
      return [0, 1, 2, 3].map((c) => {
        let row = 0;
        let col = 0;
        for (let k = 0; k < 4; k++) [row, col] = [row + hist[c * 4 + k]!, col + hist[k * 4 + c]!];
        const union = row + col - hist[c * 5]!;
        return union === 0 ? null : hist[c * 5]! / union;
      });
    };
    for (const [id, pred] of [
      [runId, threeBand],
      [plain.runId, twoBand],
    ] as const) {
      expect(
        (await finishJob(env.client, () => env.client.call('metrics.evaluate', { datasetId: d.datasetId, runId: id }))).error,
      ).toBeNull();
      const scores = await env.client.call('metrics.scores', { datasetId: d.datasetId, runId: id });
      expect(scores.semantic?.per_class.map((c) => c.iou)).toEqual(refIous(pred));
    }
  });
});

describe('cam without the flip', () => {
  it('params.flip false: one input per scale, raw CAMs stored without a flipped half, fused as ReLU(resize(cam))', async () => {
    const W = 448;
    const d = await dataset('cam-noflip', [
      {
        name: 'n1',
        width: W,
        height: W,
        rects: [
          { x: 0, y: 0, w: 160, h: W, cls: 1 },
          { x: 160, y: 0, w: 288, h: W, cls: 3 },
        ],
      },
    ]);
    const manifest = JSON.parse(readFileSync(join(modelsDir, 'toy-colour-cam.manifest.json'), 'utf8')) as {
      name: string;
      params: Record<string, unknown>;
    };
    manifest.name = 'toy-colour-cam-noflip';
    manifest.params['flip'] = false;
    writeFileSync(join(modelsDir, 'toy-colour-cam-noflip.manifest.json'), JSON.stringify(manifest));
    const callsBefore = engineInternals(env.engine).inference.runCalls;
    const { runId } = await runModel('toy-colour-cam-noflip', d.datasetId);
    expect(engineInternals(env.engine).inference.runCalls - callsBefore).toBe(3);
    const imageId = (await imageIds(d.datasetId)).get('n1') as number;
    const sampleId = engineInternals(env.engine).repos.images.semanticSampleId(imageId) as number;
    const raw = engineInternals(env.engine).repos.predictions.heatmap(runId, sampleId, 'cam_raw');
    expect(raw?.meta['flipped']).toBe(false);
    // 3 channels at 28, 14 and 42 cells square, one CAM each.
    expect(raw?.data.byteLength).toBe(4 * 3 * (28 * 28 + 14 * 14 + 42 * 42));
    const cams = decodeRawCams(raw!.data, raw!.meta);
    expect(cams.perScale.map((s) => s.flipped)).toEqual([null, null, null]);
    const ours = fusedCamAtImageSize(cams, W, W);
    // (The toy's CAM is per 16x16 patch, so with or without the flip it is the same up to rounding;
    // tokens/cam.test.ts tells the two rules apart bit for bit.)
    const ref = refTocoCam(planes(d.rgb.get('n1') as Uint8Array, W, W), W, false);
    expect(ref.reduce((m, v, i) => Math.max(m, Math.abs((ours.cam[i] as number) - v)), 0)).toBeLessThan(1e-4);

    // A run stored before adapter version 4 has no `flipped` field and a pair per scale: still read as pairs.
    const pairs = encodeRawCams({ ...cams, perScale: cams.perScale.map((s) => ({ ...s, flipped: s.cam })) });
    const { flipped: _dropped, ...oldMeta } = pairs.meta;
    const old = decodeRawCams(pairs.data, oldMeta);
    expect(old.perScale.map((s) => s.flipped?.length)).toEqual(cams.perScale.map((s) => s.cam.length));
    expect(Buffer.from(old.perScale[2]!.flipped!.buffer).equals(Buffer.from(cams.perScale[2]!.cam.buffer))).toBe(true);
  });
});

describe('token and prompt adapters', () => {
  it('patch-tokens: stores the patch tokens of each 16x16 patch and attention maps on the token grid', async () => {
    const scenes = [
      {
        name: 't1',
        width: 224,
        height: 224,
        rects: [
          { x: 0, y: 0, w: 112, h: 224, cls: 1 },
          { x: 112, y: 96, w: 112, h: 64, cls: 2 },
        ],
      },
    ];
    const d = await dataset('token-scenes', scenes);
    const { runId } = await runModel('toy-colour-patch-tokens', d.datasetId);
    const imageId = (await imageIds(d.datasetId)).get('t1') as number;
    const sampleId = engineInternals(env.engine).repos.images.semanticSampleId(imageId) as number;
    const tokens = engineInternals(env.engine).repos.predictions.heatmap(runId, sampleId, 'patch_tokens');
    expect(tokens?.shape).toEqual([196, 8]);
    expect(tokens?.meta).toEqual({
      gridH: 14,
      gridW: 14,
      // A 224x224 input under `resize`: the 14x14 grid covers the whole tensor (14 x 16 = 224 pixels
      // each way), which is the whole image.
      geometry: {
        tensorHeight: 224,
        tensorWidth: 224,
        contentHeight: 224,
        contentWidth: 224,
        cropTop: 0,
        cropLeft: 0,
        gridHeight: 14,
        gridWidth: 14,
        coveredHeight: 224,
        coveredWidth: 224,
      },
    });
    const values = new Float32Array(tokens!.data.slice().buffer);
    const x = planes(d.rgb.get('t1') as Uint8Array, 224, 224);
    let worst = 0;
    for (let p = 0; p < 196; p++) {
      const [py, px] = [Math.floor(p / 14), p % 14];
      const m = [0, 0, 0];
      for (let c = 0; c < 3; c++)
        for (let y = 0; y < 16; y++)
          for (let xx = 0; xx < 16; xx++) m[c] = (m[c] ?? 0) + (x[c * 224 * 224 + (py * 16 + y) * 224 + px * 16 + xx] as number) / 256;
      const [r, g, b] = m as [number, number, number];
      const expected = [2 * r - 1, 2 * g - 1, 2 * b - 1, r - g, g - b, b - r, (2 * (r + g + b)) / 3 - 1, 0.5];
      expected.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - (values[p * 8 + k] as number)))));
    }
    expect(worst).toBeLessThan(1e-4);
    const names = engineInternals(env.engine).repos.predictions.heatmapNames(runId, sampleId);
    expect(names).toEqual(['cls_attention', 'patch_tokens', 'token_importance', 'token_pagerank']);
    const importance = engineInternals(env.engine).repos.predictions.heatmap(runId, sampleId, 'token_importance');
    expect(importance?.shape).toEqual([14, 14]);
    expect(Object.keys(importance?.meta ?? {})).toEqual(expect.arrayContaining(['anchors', 'buffers', 'registers']));
  });

  it('prompt-decoder: an oracle click per ground-truth region grows that region and not beyond', async () => {
    const scenes = [
      {
        name: 'p1',
        width: 160,
        height: 128,
        rects: [
          { x: 16, y: 16, w: 64, h: 48, cls: 1 },
          { x: 96, y: 64, w: 48, h: 48, cls: 3 },
        ],
      },
    ];
    const d = await dataset('sam-scenes', scenes);
    const { runId } = await runModel('toy-colour-sam', d.datasetId);
    const imageId = (await imageIds(d.datasetId)).get('p1') as number;
    const pred = (await env.engine.blobs.read({ kind: 'prediction', runId, imageId })).bytes;
    const gt = d.labels.get('p1') as Uint8Array;
    for (const cls of [1, 3]) {
      let inter = 0;
      let union = 0;
      for (let i = 0; i < gt.length; i++) {
        const a = gt[i] === cls;
        const b = pred[i] === cls;
        if (a && b) inter++;
        if (a || b) union++;
      }
      expect(inter / union).toBeGreaterThan(0.98);
    }
  });

  it('seg-token: dot-product similarity peaks where the queried colour is, and the mask covers it', async () => {
    const { engine } = env;
    const data = await writeSceneDataset(join(t.dir, 'refer'), [
      {
        name: 'r1',
        width: 384,
        height: 384,
        rects: [
          { x: 32, y: 48, w: 128, h: 96, cls: 1 },
          { x: 224, y: 192, w: 112, h: 144, cls: 3 },
        ],
      },
    ]);
    const repos = engineInternals(engine).repos;
    // The file's own sha256: a run reads only the bytes registered (models/preprocess.ts decodeRegisteredRgb).
    const r1Sha = await sha256File(join(data.images, 'r1.png'));
    const datasetId = engineInternals(engine).db.transaction(() => {
      const id = repos.datasets.create({ name: 'refer', format: 'folder', task: 'referring', sourcePath: null });
      repos.datasets.addClasses(id, [
        { index: 0, name: 'background', color: [0, 0, 0] },
        { index: 1, name: 'target', color: [128, 0, 0] },
      ]);
      const imageId = repos.images.create({
        datasetId: id,
        path: join(data.images, 'r1.png'),
        fileName: 'r1.png',
        sha256: r1Sha,
        bytes: 0,
        width: 384,
        height: 384,
      });
      repos.images.createSample(imageId, 'segment the blue box', ['segment the blue box'], false);
      return id;
    })();
    await env.client.call('models.add', { manifestPath: join(modelsDir, 'toy-colour-sam.manifest.json'), replace: true });
    const { runId } = await runModel('toy-colour-seg-token', datasetId);
    const sample = engineInternals(engine)
      .db.prepare('SELECT s.id, s.image_id FROM samples s JOIN images i ON i.id = s.image_id WHERE i.dataset_id = ?')
      .get(datasetId) as { id: number; image_id: number };
    const sim = repos.predictions.heatmap(runId, sample.id, 'seg_similarity');
    expect(sim?.shape).toEqual([24, 24]);
    const values = new Float32Array(sim!.data.slice().buffer);
    const x = planes(data.rgb.get('r1') as Uint8Array, 384, 384);
    let worst = 0;
    for (let p = 0; p < 576; p++) {
      const [py, px] = [Math.floor(p / 24), p % 24];
      const m = [0, 0, 0];
      for (let c = 0; c < 3; c++)
        for (let y = 0; y < 16; y++)
          for (let xx = 0; xx < 16; xx++) m[c] = (m[c] ?? 0) + (x[c * 384 * 384 + (py * 16 + y) * 384 + px * 16 + xx] as number) / 256;
      const q = [0, 0, 1];
      const expected = m.reduce((s, v, c) => s + (2 * v - 1) * (2 * q[c]! - 1), 0);
      worst = Math.max(worst, Math.abs(expected - (values[p] as number)));
    }
    expect(worst).toBeLessThan(1e-3);
    const points = (sim?.meta['points'] ?? []) as Array<{ x: number; y: number; label: number }>;
    const first = points.find((p) => p.label === 1);
    expect(first).toBeDefined();
    expect(first!.x).toBeGreaterThanOrEqual(224);
    expect(first!.y).toBeGreaterThanOrEqual(192);
    const pred = repos.predictions.forSample(runId, sample.id);
    expect(pred.map((r) => r.classIdx)).toEqual([1]);
    const blueArea = 112 * 144;
    expect(Math.abs((pred[0]?.area ?? 0) - blueArea) / blueArea).toBeLessThan(0.1);
  });
});
