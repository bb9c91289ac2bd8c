import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { writeToys } from '../../../tools/toy-models';
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

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Embedding files cached for a model file (cache/embeddings/<sha256[0:16]>/*.f32). */
function embeddingFiles(modelSha: string): string[] {
  const dir = join(engineInternals(env.engine).paths.cache, 'embeddings', modelSha.slice(0, 16));
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.f32'))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

describe('image-encoder models', () => {
  it('fill the persistent embedding cache that a prompt decoder then reuses, and store the embedding norm', async () => {
    const models = join(t.dir, 'models');
    mkdirSync(models);
    for (const id of ['image-encoder', 'prompt-decoder']) {
      writeToys(models, [id]);
    }
    // The decoder names the encoder model, so both share one cache entry per image.
    const sam = JSON.parse(readFileSync(join(models, 'toy-colour-sam.manifest.json'), 'utf8')) as { params: Record<string, unknown> };
    sam.params['encoder_model'] = 'toy-colour-sam-encoder';
    writeFileSync(join(models, 'toy-colour-sam.manifest.json'), JSON.stringify(sam));
    const data = await writeSceneDataset(join(t.dir, 'scenes'), [
      { name: 'a', width: 256, height: 256, rects: [{ x: 0, y: 0, w: 128, h: 256, cls: 1 }] },
      { name: 'b', width: 256, height: 256, rects: [{ x: 64, y: 64, w: 128, h: 128, cls: 3 }] },
    ]);
    const imp = await finishJob(env.client, () =>
      env.client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'scenes' }),
    );
    const datasetId = Number(imp.result?.['datasetId']);
    const encoder = await env.client.call('models.add', { manifestPath: join(models, 'toy-colour-sam-encoder.manifest.json') });
    expect(encoder).toMatchObject({ kind: 'image-encoder', toy: true });
    const encRun = await finishJob(env.client, () => env.client.call('runs.start', { modelId: encoder.id, datasetId, device: 'cpu' }));
    expect(encRun.error).toBeNull();
    const db = engineInternals(env.engine).db;
    expect(embeddingFiles(encoder.sha256)).toHaveLength(2);

    // ||e|| = ||2x - 1|| of each 16x16 cell's mean colour in SAM's 1024 frame: the 256x256 image fills it
    // (longest side 1024, no padding), so each cell is a 4x4 block of the image: black or red, both sqrt(3),
    // except the two columns of cells beside the red/black edge that the bilinear x4 resize blends.
    const runId = Number(encRun.result?.['runId']);
    const sampleId = (
      db.prepare('SELECT s.id FROM samples s JOIN images i ON i.id = s.image_id WHERE i.file_name = ?').get('a.png') as { id: number }
    ).id;
    const norm = engineInternals(env.engine).repos.predictions.heatmap(runId, sampleId, 'embedding_norm');
    expect(norm?.shape).toEqual([64, 64]);
    const values = new Float32Array(norm!.data.slice().buffer);
    values.forEach((v, i) => {
      const col = i % 64;
      if (col === 31 || col === 32) expect(v).toBeLessThan(Math.sqrt(3));
      else expect(v).toBeCloseTo(Math.sqrt(3), 4);
    });

    const sam2 = await env.client.call('models.add', { manifestPath: join(models, 'toy-colour-sam.manifest.json') });
    const before = engineInternals(env.engine).inference.runCalls;
    const decRun = await finishJob(env.client, () => env.client.call('runs.start', { modelId: sam2.id, datasetId, device: 'cpu' }));
    expect(decRun.error).toBeNull();
    // One decoder call per GT region (a: red, b: blue) and no encoder call: the cache served both images.
    expect(engineInternals(env.engine).inference.runCalls - before).toBe(2);
    const predictions = (id: number): unknown[] =>
      db
        .prepare('SELECT sample_id, class_idx, instance, rle, area FROM predictions WHERE run_id = ? ORDER BY sample_id, class_idx')
        .all(id);
    const decoded = predictions(Number(decRun.result?.['runId']));
    expect(decoded).toHaveLength(2);

    // A truncated file and one with a flipped byte are recomputed, never fed to the decoder: the run
    // calls the encoder for both images again and predicts what it predicted from the good cache.
    const files = embeddingFiles(encoder.sha256).sort();
    const good = files.map((f) => readFileSync(f));
    truncateSync(files[0]!, good[0]!.length - 4);
    const flipped = Buffer.from(good[1]!);
    flipped[flipped.length - 100] = (flipped[flipped.length - 100] ?? 0) ^ 0x40;
    writeFileSync(files[1]!, flipped);
    db.prepare('DELETE FROM inference_cache').run(); // the run outputs are cached too: make the decoder run again
    const beforeRepair = engineInternals(env.engine).inference.runCalls;
    const repairRun = await finishJob(env.client, () =>
      env.client.call('runs.start', { modelId: sam2.id, datasetId, device: 'cpu', runName: 'after-corrupt-cache' }),
    );
    expect(repairRun.error).toBeNull();
    expect(engineInternals(env.engine).inference.runCalls - beforeRepair).toBe(4);
    expect(predictions(Number(repairRun.result?.['runId']))).toEqual(decoded);
    // The rewritten files hold the encoder's values bit for bit, as before.
    expect(embeddingFiles(encoder.sha256).sort()).toEqual(files);
    expect(files.map((f) => sha256(readFileSync(f)))).toEqual(good.map(sha256));

    // The encoder re-added with another input spec: its embeddings are computed anew, never reused.
    const encManifest = join(models, 'toy-colour-sam-encoder.manifest.json');
    const spec = JSON.parse(readFileSync(encManifest, 'utf8')) as { input: Record<string, unknown> };
    spec.input['mean'] = [0.1, 0.1, 0.1];
    writeFileSync(encManifest, JSON.stringify(spec));
    const encoder2 = await env.client.call('models.add', { manifestPath: encManifest, replace: true });
    const calls = engineInternals(env.engine).inference.runCalls;
    const encRun2 = await finishJob(env.client, () =>
      env.client.call('runs.start', { modelId: encoder2.id, datasetId, device: 'cpu', runName: 'encoder-mean-0.1' }),
    );
    expect(encRun2.error).toBeNull();
    expect(engineInternals(env.engine).inference.runCalls - calls).toBe(2);
    expect(embeddingFiles(encoder.sha256)).toHaveLength(4);
  });
});
