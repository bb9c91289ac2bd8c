// Edits of large boxes (Annotate's "copy the whole prediction" on a big photo) are checked and
// planned in the worker pool: an 8000x6000 whole-image edit held the engine's thread 8-13 s, and
// every other request (another tab's gallery, workspace.info) waited for it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImportResult } from '../../../src/shared';
import { POOLED_EDIT_PIXELS } from '../../../src/main/engine/annotations/labelMapEdits';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir, writeGreyMask } from '../../helpers/fixtures';
import { labelMap } from './helpers';

const W = 1200;
const H = 1000;
let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;
let imageId: number;
let gt: Uint8Array;

beforeAll(async () => {
  t = tempDir('tessera-large-edits-');
  env = openTestEngine(join(t.dir, 'ws'));
  const images = join(t.dir, 'images');
  const masks = join(t.dir, 'masks');
  mkdirSync(images);
  mkdirSync(masks);
  await sharp(Buffer.alloc(W * H * 3, 90), { raw: { width: W, height: H, channels: 3 } })
    .png()
    .toFile(join(images, 'big.png'));
  gt = new Uint8Array(W * H);
  for (let y = 100; y < 600; y++) gt.fill(1, y * W + 200, y * W + 900);
  for (let y = 650; y < 950; y++) gt.fill(2, y * W + 50, y * W + 400);
  writeGreyMask(join(masks, 'big.png'), W, H, gt);
  const imp = await finishJob(env.client, () => env.client.call('datasets.importFolder', { dir: images, masksDir: masks, name: 'big' }));
  const { datasetId } = ImportResult.parse(imp.result);
  imageId = (await env.client.call('images.page', { datasetId })).items[0]!.id;
}, 120_000);
afterAll(async () => {
  await env.engine.close();
  t.cleanup();
});

/** A whole-image patch from the current map to `after`. */
function wholeImage(before: Uint8Array, after: Uint8Array, baseRevision: number) {
  return {
    imageId,
    baseRevision,
    patch: { x: 0, y: 0, w: W, h: H, before: Buffer.from(before).toString('base64'), after: Buffer.from(after).toString('base64') },
  };
}

describe('an edit of a box of 1M+ pixels', () => {
  it('is planned off the engine thread: another call answers first; the map, undo and redo are exact', async () => {
    expect(W * H).toBeGreaterThanOrEqual(POOLED_EDIT_PIXELS);
    // The prediction to copy: class 1 shifted 50 px right, class 2 gone, a new class-1 block.
    const after = new Uint8Array(W * H);
    for (let y = 100; y < 600; y++) after.fill(1, y * W + 250, y * W + 950);
    for (let y = 960; y < 990; y++) after.fill(1, y * W + 1000, y * W + 1100);
    const order: string[] = [];
    const edit = env.client.call('annotations.applyEdit', wholeImage(gt, after, 0)).then((r) => {
      order.push('edit');
      return r;
    });
    // A timer due at once fires before the edit is done only if the edit leaves the thread free meanwhile
    // (planned on the engine's thread, the edit resolved before the timer could run).
    const tick = new Promise<void>((resolve) => setTimeout(resolve, 0)).then(() => order.push('tick'));
    const info = tick.then(() => env.client.call('workspace.info', {})).then(() => order.push('info'));
    const [res] = await Promise.all([edit, info]);
    expect(order).toEqual(['tick', 'info', 'edit']);
    expect(res).toMatchObject({ revision: 1, canUndo: true, box: { x: 0, y: 0, w: W, h: H } });
    expect(Buffer.from(await labelMap(env.engine, imageId)).equals(Buffer.from(after))).toBe(true);

    const undone = await env.client.call('annotations.undo', { imageId, baseRevision: 1 });
    expect(undone).toMatchObject({ revision: 2, canRedo: true });
    expect(Buffer.from(await labelMap(env.engine, imageId)).equals(Buffer.from(gt))).toBe(true);
    await env.client.call('annotations.redo', { imageId, baseRevision: 2 });
    expect(Buffer.from(await labelMap(env.engine, imageId)).equals(Buffer.from(after))).toBe(true);
    await env.client.call('annotations.undo', { imageId, baseRevision: 3 });
    expect(Buffer.from(await labelMap(env.engine, imageId)).equals(Buffer.from(gt))).toBe(true);
  }, 60_000);

  it('refuses a label the dataset does not have, as a small edit does (checked in the pool)', async () => {
    const { revision } = await env.client.call('annotations.get', { imageId });
    const after = Uint8Array.from(gt);
    after[W * H - 1] = 9;
    const err = (await env.client.call('annotations.applyEdit', wholeImage(gt, after, revision)).catch((e: unknown) => e)) as Error & {
      code?: string;
    };
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toBe(
      "big.png: the edit paints label 9, which is not a class here: the dataset's classes are 0, 1, 2 (255 is ignore)",
    );
    expect((await env.client.call('annotations.get', { imageId })).revision).toBe(revision);
  }, 60_000);

  it('refuses with CONFLICT, writing nothing, when another edit lands while it is planned', async () => {
    const { revision } = await env.client.call('annotations.get', { imageId });
    const after = new Uint8Array(W * H).fill(1);
    const large = env.client.call('annotations.applyEdit', wholeImage(gt, after, revision)).catch((e: unknown) => e);
    // A small edit on the same revision commits while the large one is in the pool.
    const small = await env.client.call('annotations.applyEdit', {
      imageId,
      baseRevision: revision,
      patch: { x: 0, y: 0, w: 2, h: 1, before: [0, 0], after: [2, 2] },
    });
    expect(small.revision).toBe(revision + 1);
    const err = (await large) as Error & { code?: string };
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('CONFLICT');
    const map = await labelMap(env.engine, imageId);
    expect([map[0], map[1], map[2]]).toEqual([2, 2, 0]);
    expect(map.subarray(3).every((v, i) => v === gt[i + 3])).toBe(true);
  }, 60_000);
});
