// Outputs cached by an older build were served after an upgrade that changed preprocessing (d14488c's
// torch-bilinear): the cache keys had nothing that changed with the preprocessing code, so a rerun
// reported "24 from cache" and gave the old numbers. Every model-output key (inference_cache) and SAM
// embedding key (cache/embeddings) now carries PREPROCESSING_VERSION. Here entries are rewritten as an
// older build made them, with the real SQLite store, onnxruntime and toy models: the next run
// computes them again, and an unchanged rerun still takes everything from the cache.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeToys } from '../../../tools/toy-models';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { writeSceneDataset } from '../../helpers/scenes';
import { engineInternals } from '../../../src/main/engine/internals';
import { canonicalJson, outputCacheKey, type OutputCacheKeyParts } from '../../../src/main/engine/models/cacheKey';
import { EmbeddingCache } from '../../../src/main/engine/models/embeddingCache';
import { convertedOutputsTag } from '../../../src/main/engine/models/inference/outputTypes';
import { PREPROCESSING_VERSION } from '../../../src/main/engine/models/preprocess';
import { sampleCacheKeyParts, type RunFingerprint } from '../../../src/main/engine/models/runFingerprint';
import { runSamples } from '../../../src/main/engine/store/repos/samples';
import { ModelManifest, type ModelSummary } from '../../../src/shared/domain';

let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;
let modelsDir: string;
let datasetId: number;

beforeAll(async () => {
  t = tempDir('tessera-preprocessing-version-');
  env = openTestEngine(join(t.dir, 'ws'));
  modelsDir = join(t.dir, 'models');
  mkdirSync(modelsDir);
  writeToys(modelsDir, ['semantic-seg', 'image-encoder']);
  const data = await writeSceneDataset(join(t.dir, 'scenes'), [
    { name: 'a', width: 48, height: 40, rects: [{ x: 8, y: 8, w: 20, h: 20, cls: 1 }] },
    { name: 'b', width: 40, height: 48, rects: [{ x: 4, y: 20, w: 20, h: 12, cls: 2 }] },
    { name: 'c', width: 37, height: 23, rects: [{ x: 30, y: 4, w: 6, h: 10, cls: 3 }] },
  ]);
  // No masks: no sample has ground truth, so each key's parts are the run's fingerprint and the image.
  const imp = await finishJob(env.client, () => env.client.call('datasets.importFolder', { dir: data.images, name: 'scenes' }));
  expect(imp.error).toBeNull();
  datasetId = Number(imp.result?.['datasetId']);
});
afterAll(async () => {
  await env.engine.close();
  t.cleanup();
});

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

async function run(modelId: number, runName: string) {
  const done = await finishJob(env.client, () => env.client.call('runs.start', { modelId, datasetId, device: 'cpu', runName }));
  expect(done.error).toBeNull();
  return done.result as { runId: number; computed: number; cached: number };
}

/** outputCacheKey as builds before PREPROCESSING_VERSION made it (key format 2: no preprocessing field). */
function formatTwoKey(p: OutputCacheKeyParts): string {
  const h = createHash('sha256');
  h.update(
    canonicalJson({
      v: 2,
      files: p.fileHashes,
      manifest: p.manifest,
      companions: [...p.companions].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      adapter: p.adapterVersion,
      outputConversion: p.outputConversion,
      decoding: p.decoding,
      image: p.imageSha,
      query: p.query,
      groundTruth: p.groundTruth === null ? null : p.groundTruth.length,
    }),
  );
  h.update('\0');
  if (p.groundTruth !== null) h.update(p.groundTruth);
  return h.digest('hex');
}

function cachedKeys(modelSha: string): string[] {
  const db = engineInternals(env.engine).db;
  return (db.prepare('SELECT key FROM inference_cache WHERE model_sha256 = ? ORDER BY key').all(modelSha) as Array<{ key: string }>).map(
    (r) => r.key,
  );
}

/**
 * Rewrites the run's cache rows from the key this build makes to `older(parts)`: the rows an older
 * build would have written for the same outputs. Checks that every key this build makes for the
 * run's samples is stored (so the rewrite really moves each of them).
 */
function rewriteCacheKeys(modelSha: string, runId: number, older: (p: OutputCacheKeyParts) => string): void {
  const { db, repos } = engineInternals(env.engine);
  const fingerprint = repos.runs.get(runId)?.provenance['outputFingerprint'] as RunFingerprint;
  const parts = runSamples(db, datasetId, false).map((s) => sampleCacheKeyParts(fingerprint, s, null));
  expect(cachedKeys(modelSha)).toEqual(expect.arrayContaining(parts.map(outputCacheKey)));
  const update = db.prepare('UPDATE inference_cache SET key = ? WHERE key = ?');
  for (const p of parts) {
    const old = older(p);
    expect(old).not.toBe(outputCacheKey(p));
    expect(update.run(old, outputCacheKey(p)).changes).toBe(1);
  }
}

describe('cached model outputs from a build with other preprocessing', () => {
  it('are recomputed, not reused; an unchanged rerun still takes every output from the cache', async () => {
    const model = await env.client.call('models.add', { manifestPath: join(modelsDir, 'toy-colour-semantic.manifest.json') });
    const first = await run(model.id, 'first');
    expect(first).toMatchObject({ computed: 3, cached: 0 });
    expect(await run(model.id, 'unchanged')).toMatchObject({ computed: 0, cached: 3 });

    // Written by a build whose keys had no preprocessing version (key format 2, e.g. 3f79be6).
    rewriteCacheKeys(model.sha256, first.runId, formatTwoKey);
    const upgraded = await run(model.id, 'upgraded');
    expect(upgraded).toMatchObject({ computed: 3, cached: 0 });
    expect(cachedKeys(model.sha256)).toHaveLength(6);
    expect(await run(model.id, 'upgraded-again')).toMatchObject({ computed: 0, cached: 3 });

    // Written by a build one preprocessing version back.
    rewriteCacheKeys(model.sha256, upgraded.runId, (p) => outputCacheKey({ ...p, preprocessing: PREPROCESSING_VERSION - 1 }));
    expect(await run(model.id, 'next-version')).toMatchObject({ computed: 3, cached: 0 });
    expect(await run(model.id, 'next-version-again')).toMatchObject({ computed: 0, cached: 3 });
  });
});

/** The image key of a SAM embedding file as runtime.ts makes it; `preprocessing` undefined: as builds before it did. */
function embeddingKey(model: ModelSummary, imageSha: string, preprocessing: number | undefined): string {
  const manifest = ModelManifest.parse(model.manifest);
  expect(Object.keys(manifest.files)).toEqual(['model']);
  const variant = canonicalJson({
    files: { model: model.sha256 },
    input: manifest.input,
    encoder: manifest.params['encoder'] ?? null,
    outputConversion: convertedOutputsTag(model.outputs),
    preprocessing,
  });
  return `${imageSha}|${sha256(variant).slice(0, 16)}`;
}

describe('cached SAM embeddings from a build with other preprocessing', () => {
  it('are recomputed, not reused; an unchanged rerun still reads them from the cache', async () => {
    const encoder = await env.client.call('models.add', { manifestPath: join(modelsDir, 'toy-colour-sam-encoder.manifest.json') });
    const deps = engineInternals(env.engine);
    const summary = deps.repos.models.byName(encoder.name) as ModelSummary;
    const cache = new EmbeddingCache(deps.paths.cache);
    const images = runSamples(deps.db, datasetId, false).map((s) => s.imageSha);
    expect(await run(encoder.id, 'enc')).toMatchObject({ computed: 3, cached: 0 });

    // Each embedding moved to the file an older build would have written for it.
    for (const image of images) {
      const current = embeddingKey(summary, image, PREPROCESSING_VERSION);
      const tensor = await cache.get(summary.sha256, current);
      expect(tensor).not.toBeNull();
      const old = embeddingKey(summary, image, undefined);
      expect(cache.fileFor(summary.sha256, old)).not.toBe(cache.fileFor(summary.sha256, current));
      await cache.put(summary.sha256, old, tensor!);
      rmSync(cache.fileFor(summary.sha256, current));
    }
    expect(cache.modelFiles(summary.sha256)).toHaveLength(3);

    // The run's own outputs go, so the run asks for each embedding.
    const clearOutputs = (): void => void deps.db.prepare('DELETE FROM inference_cache WHERE model_sha256 = ?').run(summary.sha256);
    clearOutputs();
    let calls = deps.inference.runCalls;
    expect(await run(encoder.id, 'enc-upgraded')).toMatchObject({ computed: 3, cached: 0 });
    expect(deps.inference.runCalls - calls).toBe(3);
    expect(cache.modelFiles(summary.sha256)).toHaveLength(6);

    clearOutputs();
    calls = deps.inference.runCalls;
    expect(await run(encoder.id, 'enc-again')).toMatchObject({ computed: 3, cached: 0 });
    expect(deps.inference.runCalls - calls).toBe(0);
  });
});
