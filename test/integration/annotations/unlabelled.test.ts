// A dataset imported without masks becomes scorable once someone paints ground truth in it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { ImportResult } from '../../../src/shared';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir, writeGreyMask } from '../../helpers/fixtures';

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
    // Nothing is labelled yet: the map reads all 255 (ignore), not all background.
    const unlabelled = await env.engine.blobs.read({ kind: 'labelmap', imageId, source: 'gt' });
    expect(Array.from(unlabelled.bytes)).toEqual(new Array(48).fill(255));
    // The whole image painted: a 4x2 box of class 1, the rest background.
    const after = new Array(48).fill(0);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) after[y * 8 + x] = 1;
    await env.client.call('annotations.applyEdit', {
      imageId,
      baseRevision: 0,
      patch: { x: 0, y: 0, w: 8, h: 6, before: new Array(48).fill(255), after },
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

  it('undoing the edits of an image that had no mask leaves it without ground truth again (not an all-background map)', async () => {
    const root = join(t.dir, 'partial');
    const images = join(root, 'images');
    const masks = join(root, 'masks');
    const preds = join(root, 'preds');
    for (const d of [images, masks, preds]) mkdirSync(d, { recursive: true });
    for (const name of ['y0', 'y1'])
      await sharp(Buffer.alloc(8 * 6 * 3, 90), { raw: { width: 8, height: 6, channels: 3 } })
        .png()
        .toFile(join(images, `${name}.png`));
    const gt = new Uint8Array(48);
    gt.fill(1, 0, 20); // y0 only: rows 0-1 and half of row 2 are class 1
    writeGreyMask(join(masks, 'y0.png'), 8, 6, gt);
    const pred = new Uint8Array(48);
    pred.fill(1, 0, 24);
    for (const name of ['y0', 'y1']) writeGreyMask(join(preds, `${name}.png`), 8, 6, pred);
    const imp = await finishJob(env.client, () =>
      env.client.call('datasets.importFolder', { dir: images, masksDir: masks, name: 'partial' }),
    );
    const { datasetId } = ImportResult.parse(imp.result);
    await finishJob(env.client, () => env.client.call('runs.importPredictions', { datasetId, run: 'p', format: 'png', path: preds }));
    const runId = (await env.client.call('runs.list', { datasetId })).find((r) => r.name === 'p')!.id;
    const score = async (): Promise<[number, number | null | undefined, number]> => {
      await finishJob(env.client, () => env.client.call('metrics.evaluate', { datasetId, runId }));
      const s = await env.client.call('metrics.scores', { datasetId, runId });
      return [s.images, s.semantic?.miou, (await env.client.call('datasets.get', { datasetId })).annotatedImageCount];
    };
    // y0 alone. Background: 28 GT px, 24 predicted, 24 shared: 24/28. Class 1: 20 GT inside 24 predicted: 20/24.
    const before = await score();
    expect(before).toEqual([1, (24 / 28 + 20 / 24) / 2, 1]);
    const y1 = (await env.client.call('images.page', { datasetId, offset: 0, limit: 10 })).items.find((i) => i.fileName === 'y1.png')!.id;
    const painted = await env.client.call('annotations.applyEdit', {
      imageId: y1,
      baseRevision: 0,
      patch: { x: 0, y: 0, w: 2, h: 2, before: [255, 255, 255, 255], after: [1, 1, 1, 1] },
    });
    // Only the 4 painted pixels of y1 are ground truth (class 1, all predicted 1); its other 44 pixels
    // stay unlabelled (255) and are not scored. Class 1: 24 TP, 4 FP (y0); background: 24 TP, 4 FN (y0).
    // Were they background, y1 would add 24 FP to class 1 and 24 FN + 20 TP to background.
    const edited = await score();
    expect(edited[0]).toBe(2);
    expect(edited[1]).toBeCloseTo(24 / 28, 12);
    expect(edited[2]).toBe(2);
    const map = await env.engine.blobs.read({ kind: 'labelmap', imageId: y1, source: 'gt' });
    expect(Array.from(map.bytes).filter((v) => v === 255).length).toBe(44);
    expect([map.bytes[0], map.bytes[1], map.bytes[8], map.bytes[9]]).toEqual([1, 1, 1, 1]);
    await env.client.call('annotations.undo', { imageId: y1 });
    expect(await score()).toEqual(before);
    const undone = await env.engine.blobs.read({ kind: 'labelmap', imageId: y1, source: 'gt' });
    expect(Array.from(undone.bytes)).toEqual(new Array(48).fill(255));
    expect((await env.client.call('annotations.get', { imageId: y1 })).canRedo).toBe(true);
    // Redo paints it again, scored as after the edit.
    await env.client.call('annotations.redo', { imageId: y1 });
    expect(await score()).toEqual(edited);
    expect(painted.canUndo).toBe(true);
  });
});
