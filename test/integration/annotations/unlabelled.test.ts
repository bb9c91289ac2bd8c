// A dataset imported without masks becomes scorable once someone paints ground truth in it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { ImportResult } from '../../../src/shared';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';

const t = tempDir();
const env = openTestEngine(join(t.dir, 'ws'));
afterAll(async () => {
  await env.engine.close();
  t.cleanup();
});

describe('an unlabelled dataset', () => {
  it('turns semantic with its first painted edit, gets classes, and can then be evaluated', async () => {
    const images = join(t.dir, 'images');
    mkdirSync(images);
    await sharp(Buffer.alloc(8 * 6 * 3, 120), { raw: { width: 8, height: 6, channels: 3 } })
      .png()
      .toFile(join(images, 'a.png'));
    const imp = await finishJob(env.client, () => env.client.call('datasets.importFolder', { dir: images, name: 'plain' }));
    const { datasetId } = ImportResult.parse(imp.result);
    expect((await env.client.call('datasets.get', { datasetId })).task).toBe('unlabelled');
    await env.client.call('classes.add', { datasetId, classes: [{ name: 'cell' }] });
    const page = await env.client.call('images.page', { datasetId, offset: 0, limit: 10 });
    const imageId = page.items[0]!.id;
    const box = { x: 0, y: 0, w: 4, h: 2 };
    await env.client.call('annotations.applyEdit', {
      imageId,
      baseRevision: 0,
      patch: { ...box, before: new Array(8).fill(0), after: new Array(8).fill(1) },
    });
    expect((await env.client.call('datasets.get', { datasetId })).task).toBe('semantic');
    // Predictions imported afterwards are scored against it: the painted 4x2 box is class 1.
    const preds = join(t.dir, 'preds');
    mkdirSync(preds);
    const mask = Buffer.alloc(8 * 6);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 8; x++) mask[y * 8 + x] = 1;
    await sharp(mask, { raw: { width: 8, height: 6, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toFile(join(preds, 'a.png'));
    const run = await finishJob(env.client, () =>
      env.client.call('runs.importPredictions', { datasetId, run: 'p', format: 'png', path: preds }),
    );
    expect(run.error?.message ?? null).toBeNull();
    const runId = (await env.client.call('runs.list', { datasetId })).find((r) => r.name === 'p')!.id;
    const scores = await env.client.call('metrics.scores', { datasetId, runId });
    // Background: 40 GT px, 32 predicted, all shared: IoU 0.8. Cell: 8 GT px inside 16 predicted: IoU 0.5.
    expect(scores.images).toBe(1);
    expect(scores.semantic?.per_class.map((c) => [c.name, c.iou])).toEqual([
      ['background', 0.8],
      ['cell', 0.5],
    ]);
    expect(scores.semantic?.miou).toBeCloseTo(0.65, 12);
  });
});
