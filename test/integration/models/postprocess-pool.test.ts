// A CAM run post-processed in the worker pool (what a CUDA run does: models/postprocessPlace.ts) stores
// exactly what the engine's thread computes: the same pseudo-label bytes, display CAM and raw CAMs, on
// scenes of two sizes (one resized to 448x448, one not) and with the pipeline's wider window.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeToys } from '../../../tools/toy-models';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { writeSceneDataset } from '../../helpers/scenes';
import { engineInternals } from '../../../src/main/engine/internals';
import { postprocessPlace } from '../../../src/main/engine/models/postprocessPlace';

let t: ReturnType<typeof tempDir>;
const scenes = [
  {
    name: 'wide',
    width: 320,
    height: 200,
    rects: [
      { x: 10, y: 10, w: 150, h: 180, cls: 1 },
      { x: 170, y: 20, w: 140, h: 100, cls: 3 },
    ],
  },
  { name: 'square', width: 448, height: 448, rects: [{ x: 100, y: 60, w: 300, h: 200, cls: 2 }] },
  ...Array.from({ length: 6 }, (_, i) => ({
    name: `s${i}`,
    width: 96 + 16 * i,
    height: 128,
    rects: [{ x: 4 * i, y: 8, w: 40, h: 90, cls: 1 + (i % 3) }],
  })),
];

beforeAll(() => {
  t = tempDir();
  mkdirSync(join(t.dir, 'models'));
  writeToys(join(t.dir, 'models'));
});
afterAll(() => t.cleanup());

/** One fresh workspace (no output cache to serve the other's results) and a run of the CAM toy in it. */
async function runIn(place: 'pool' | 'inline', model = 'toy-colour-cam') {
  const before = process.env['TESSERA_RUN_POSTPROCESS'];
  process.env['TESSERA_RUN_POSTPROCESS'] = place;
  const env = openTestEngine(join(t.dir, `ws-${place}-${model}`));
  try {
    const data = await writeSceneDataset(join(t.dir, `data-${place}-${model}`), scenes);
    const imp = await finishJob(env.client, () =>
      env.client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'cams' }),
    );
    expect(imp.error).toBeNull();
    const datasetId = Number(imp.result?.['datasetId']);
    const m = await env.client.call('models.add', { manifestPath: join(t.dir, 'models', `${model}.manifest.json`) });
    const done = await finishJob(env.client, () => env.client.call('runs.start', { modelId: m.id, datasetId, device: 'cpu' }));
    expect(done.error).toBeNull();
    const runId = Number(done.result?.['runId']);
    expect(done.result?.['computed']).toBe(scenes.length);
    // The profile says where post-processing ran; in the pool it is not engine-thread time.
    const profile = done.result?.['profile'] as { postprocessIn: string; mainBusyMs: number; stages: Record<string, number> };
    // Only the CAM adapter post-processes in the pool; any other stays on the engine's thread.
    const where = model === 'toy-colour-cam' ? place : 'inline';
    expect(profile.postprocessIn).toBe(where);
    const s = profile.stages;
    expect(profile.mainBusyMs).toBeCloseTo(s['preprocess']! + (where === 'pool' ? 0 : s['postprocess']!) + s['commit']!, 6);
    const page = await env.client.call('images.page', { datasetId, offset: 0, limit: 100 });
    const out = new Map<string, { label: Buffer; cam: Buffer; raw: Buffer }>();
    for (const image of model === 'toy-colour-cam' ? page.items : []) {
      const sampleId = engineInternals(env.engine).repos.images.semanticSampleId(image.id) as number;
      const heat = (name: string) => Buffer.from(engineInternals(env.engine).repos.predictions.heatmap(runId, sampleId, name)!.data);
      const label = Buffer.from((await env.engine.blobs.read({ kind: 'prediction', runId, imageId: image.id })).bytes);
      out.set(image.fileName, { label, cam: heat('cam'), raw: heat('cam_raw') });
    }
    return out;
  } finally {
    await env.engine.close();
    if (before === undefined) delete process.env['TESSERA_RUN_POSTPROCESS'];
    else process.env['TESSERA_RUN_POSTPROCESS'] = before;
  }
}

describe('CAM post-processing in the worker pool', () => {
  it('goes to the pool on CUDA and stays on the engine thread on the CPU, unless TESSERA_RUN_POSTPROCESS says', () => {
    expect(postprocessPlace('cuda', {})).toBe('pool');
    expect(postprocessPlace('cpu', {})).toBe('inline');
    expect(postprocessPlace('cuda', { TESSERA_RUN_POSTPROCESS: 'inline' })).toBe('inline');
    expect(postprocessPlace('cpu', { TESSERA_RUN_POSTPROCESS: 'pool' })).toBe('pool');
  });

  it('stores the same pseudo labels, display CAMs and raw CAMs, byte for byte', async () => {
    const inline = await runIn('inline');
    const pooled = await runIn('pool');
    expect([...pooled.keys()].sort()).toEqual([...inline.keys()].sort());
    expect(inline.size).toBe(scenes.length);
    for (const [file, a] of inline) {
      const b = pooled.get(file)!;
      expect(b.label.equals(a.label), `${file} label`).toBe(true);
      expect(b.cam.equals(a.cam), `${file} display cam`).toBe(true);
      expect(b.raw.equals(a.raw), `${file} raw cams`).toBe(true);
    }
    // The scenes are not trivial: the labels hold the painted classes and the three-band ignore value.
    const values = new Set([...inline.values()].flatMap((v) => [...new Set(v.label)]));
    for (const v of [0, 1, 2, 3, 255]) expect(values.has(v), `label ${v}`).toBe(true);
  });

  it('leaves the post-processing of other kinds on the engine thread, even when the pool is asked for', async () => {
    expect((await runIn('pool', 'toy-colour-semantic')).size).toBe(0);
  });
});
