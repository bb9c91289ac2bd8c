import { sha256File } from '../../../src/main/engine/models/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { writeSceneDataset } from '../../helpers/scenes';
import { engineInternals } from '../../../src/main/engine/internals';

let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;
beforeAll(() => {
  t = tempDir();
  env = openTestEngine(join(t.dir, 'ws'));
});
afterAll(async () => {
  await env.engine.close();
  t.cleanup();
});

/** A minimal .npy (v1.0, '<f4', C order), written here independently of the engine's writer. */
function npy(shape: number[], data: Float32Array): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const head = new Uint8Array(10 + header.length);
  head.set([0x93, ...Buffer.from('NUMPY'), 1, 0]);
  new DataView(head.buffer).setUint16(8, header.length, true);
  head.set(Buffer.from(header, 'latin1'), 10);
  const out = new Uint8Array(head.length + data.byteLength);
  out.set(head);
  out.set(new Uint8Array(data.buffer), head.length);
  return out;
}

function safetensors(tensors: Record<string, { shape: number[]; data: Float32Array }>): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of Object.values(tensors)) {
    out.set(new Uint8Array(t.data.buffer), at);
    at += t.data.byteLength;
  }
  return out;
}

describe('seg-token models from precomputed tensor bundles', () => {
  it('reads .npz and .safetensors bundles per sample and turns the similarity into masks', async () => {
    const S = 384;
    const data = await writeSceneDataset(join(t.dir, 'scenes'), [
      {
        name: 'a',
        width: S,
        height: S,
        rects: [
          { x: 32, y: 32, w: 160, h: 128, cls: 1 },
          { x: 224, y: 224, w: 128, h: 128, cls: 3 },
        ],
      },
    ]);
    const { engine } = env;
    const repos = engineInternals(engine).repos;
    // The file's own sha256: a run reads only the bytes registered (models/preprocess.ts decodeRegisteredRgb).
    const aSha = await sha256File(join(data.images, 'a.png'));
    const datasetId = engineInternals(engine).db.transaction(() => {
      const id = repos.datasets.create({ name: 'refer', format: 'reasonseg', task: 'referring', sourcePath: null });
      const imageId = repos.images.create({
        datasetId: id,
        path: join(data.images, 'a.png'),
        fileName: 'a.png',
        sha256: aSha,
        bytes: 0,
        width: S,
        height: S,
      });
      repos.images.createSample(imageId, 'the red box', ['the red box'], false);
      repos.images.createSample(imageId, 'the blue box', ['the blue box'], false);
      return id;
    })();
    // Image tokens: one-hot of each 16x16 patch's colour class (24x24 grid); the query picks a class.
    const labels = data.labels.get('a') as Uint8Array;
    const imageHidden = new Float32Array(576 * 4);
    for (let p = 0; p < 576; p++) imageHidden[p * 4 + (labels[(Math.floor(p / 24) * 16 + 8) * S + (p % 24) * 16 + 8] as number)] = 1;
    const query = (cls: number): Float32Array => Float32Array.from([0, 1, 2, 3], (c) => (c === cls ? 1 : 0));
    const bundles = join(t.dir, 'bundles');
    mkdirSync(bundles);
    writeFileSync(
      join(bundles, 'a_0.npz'),
      zipSync({ 'image_hidden.npy': npy([1, 576, 4], imageHidden), 'seg_hidden.npy': npy([1, 1, 4], query(1)) }),
    );
    writeFileSync(
      join(bundles, 'a_1.safetensors'),
      safetensors({ image_hidden: { shape: [1, 576, 4], data: imageHidden }, seg_hidden: { shape: [1, 1, 4], data: query(3) } }),
    );
    const manifest = join(t.dir, 'read-bundles.manifest.json');
    writeFileSync(
      manifest,
      JSON.stringify({
        name: 'read-bundles',
        kind: 'seg-token',
        files: { bundles: 'bundles' },
        outputs: { image_hidden: 'image_hidden', seg_hidden: 'seg_hidden' },
        params: { mask_threshold: 0.5 },
      }),
    );
    const m = await env.client.call('models.add', { manifestPath: manifest });
    expect(m.path).toBe(bundles);
    const done = await finishJob(env.client, () => env.client.call('runs.start', { modelId: m.id, datasetId, device: 'cpu' }));
    expect(done.error).toBeNull();
    const runId = Number(done.result?.['runId']);
    const samples = engineInternals(engine).db.prepare('SELECT id, query FROM samples ORDER BY id').all() as Array<{
      id: number;
      query: string;
    }>;
    const areas = samples.map((s) => repos.predictions.forSample(runId, s.id)[0]?.area ?? 0);
    expect(Math.abs((areas[0] as number) - 160 * 128) / (160 * 128)).toBeLessThan(0.15);
    expect(Math.abs((areas[1] as number) - 128 * 128) / (128 * 128)).toBeLessThan(0.15);
    const sim = repos.predictions.heatmap(runId, samples[1]!.id, 'seg_similarity');
    const values = new Float32Array(sim!.data.slice().buffer);
    expect(values[15 * 24 + 15]).toBe(1);
    expect(values[3 * 24 + 3]).toBe(0);
  });
});
