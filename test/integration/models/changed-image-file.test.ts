// An image file changed on disk after import (rewritten, replaced by another picture of the same size)
// was read by a model run as if nothing had happened: predicted, scored against the old file's ground
// truth, and cached under the old file's sha256, so a later run on the restored file, or another
// dataset of the same file, got the changed file's output "from cache". Blob reads already refused such
// a file; runs, VOC exports and report thumbnails now do too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeToys } from '../../../tools/toy-models';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { renderScene, writeSceneDataset } from '../../helpers/scenes';
import { decodeMask } from '../../../src/main/engine/masks';
import { engineInternals } from '../../../src/main/engine/internals';
import sharp from 'sharp';

let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;
let images: string;
let datasetId: number;
let modelId: number;
let labelsOf: Map<string, Uint8Array>;

beforeAll(async () => {
  t = tempDir('tessera-changed-image-');
  env = openTestEngine(join(t.dir, 'ws'));
  const modelsDir = join(t.dir, 'models');
  mkdirSync(modelsDir);
  writeToys(modelsDir);
  modelId = (await env.client.call('models.add', { manifestPath: join(modelsDir, 'toy-colour-semantic.manifest.json') })).id;
  const data = await writeSceneDataset(join(t.dir, 'scenes'), [
    { name: 'a', width: 48, height: 40, rects: [{ x: 8, y: 8, w: 20, h: 20, cls: 1 }] },
    {
      name: 'b',
      width: 48,
      height: 40,
      rects: [
        { x: 4, y: 20, w: 20, h: 12, cls: 2 },
        { x: 30, y: 4, w: 10, h: 10, cls: 3 },
      ],
    },
  ]);
  images = data.images;
  labelsOf = data.labels;
  copyFileSync(join(images, 'a.png'), join(t.dir, 'a.original.png'));
  const imp = await finishJob(env.client, () =>
    env.client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'scenes' }),
  );
  datasetId = Number(imp.result?.['datasetId']);
});
afterAll(async () => {
  await env.engine.close();
  t.cleanup();
});

async function run(name: string) {
  return finishJob(env.client, () => env.client.call('runs.start', { modelId, datasetId, device: 'cpu', runName: name }));
}

/** The classes a run predicted on image `file`, pixel by pixel (0 where it predicted nothing). */
function predicted(runName: string, file: string): Uint8Array {
  const rows = engineInternals(env.engine)
    .db.prepare(
      `SELECT p.class_idx, p.height, p.width, p.rle FROM predictions p JOIN runs r ON r.id = p.run_id
       JOIN samples s ON s.id = p.sample_id JOIN images i ON i.id = s.image_id WHERE r.name = ? AND i.file_name = ?`,
    )
    .all(runName, file) as Array<{ class_idx: number; height: number; width: number; rle: string }>;
  const out = new Uint8Array(48 * 40);
  for (const r of rows) decodeMask({ size: [r.height, r.width], counts: r.rle }).forEach((v, i) => v === 1 && (out[i] = r.class_idx));
  return out;
}

describe('an image file changed on disk after import', () => {
  it('is refused by a run, naming it; nothing of it is cached; the restored file is computed from the imported bytes', async () => {
    // The same size, another picture: the rectangle is blue (class 3) now. No run has seen a.png yet.
    const { rgb } = renderScene(48, 40, [{ x: 8, y: 8, w: 20, h: 20, cls: 3 }]);
    await sharp(Buffer.from(rgb), { raw: { width: 48, height: 40, channels: 3 } })
      .png()
      .toFile(join(images, 'a.png'));
    const changed = await run('changed');
    // The run ends as failed for that image (the others saved), with one line naming the file.
    expect(changed.error?.code).toBe('CORRUPT_FILE');
    expect(changed.error?.details).toMatchObject({ computed: 1, cached: 0, failed: 1 });
    expect(changed.error?.message).toContain(
      `1 of 2 images failed (first: a.png: the image file changed or is unreadable: ${join(images, 'a.png')} (`,
    );
    expect(predicted('changed', 'a.png').every((v) => v === 0)).toBe(true);

    // The VOC export refuses to copy it, naming the file (not the export's own folder).
    const exported = await finishJob(env.client, () =>
      env.client.call('datasets.export', { datasetId, format: 'voc', outDir: join(t.dir, 'voc') }),
    );
    expect(exported.error?.message).toContain(`the image file changed or is unreadable: ${join(images, 'a.png')}`);

    // Put back: computed from the imported bytes (its ground truth's picture), not served from a cache entry of the changed ones.
    copyFileSync(join(t.dir, 'a.original.png'), join(images, 'a.png'));
    const restored = await run('restored');
    expect(restored.result).toMatchObject({ computed: 1, cached: 1, failed: 0 });
    // The toy model sees the red square (class 1; the blue one, class 3, was the changed file's).
    const got = predicted('restored', 'a.png');
    expect(got.filter((v) => v === 3).length).toBe(0);
    expect(got.filter((v) => v === 1).length).toBeGreaterThan(0.9 * labelsOf.get('a')!.filter((v) => v === 1).length);
  });
});
