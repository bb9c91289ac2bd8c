import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImportResult } from '../../../src/shared';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { makeFolderDataset, rectLabels, tempDir, writeGreyMask, writeSolidImage } from '../../helpers/fixtures';
import { engineInternals } from '../../../src/main/engine/internals';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const t = tempDir();
  const { engine, client } = openTestEngine(join(t.dir, 'ws'));
  cleanups.push(t.cleanup, () => engine.close());
  return { root: t.dir, engine, client };
}

function storeSnapshot(engine: ReturnType<typeof openTestEngine>['engine']): unknown {
  const db = engineInternals(engine).db;
  return ['datasets', 'classes', 'images', 'samples', 'annotations', 'annotation_versions'].map(
    (t) => (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n,
  );
}

describe('import folder', () => {
  it('imports images and masks, and serves each label map back pixel for pixel', async () => {
    const { root, engine, client } = await setup();
    const data = await makeFolderDataset(root, 3);
    const done = await finishJob(client, () =>
      client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'shapes' }),
    );
    expect(done.status).toBe('succeeded');
    const result = ImportResult.parse(done.result);
    expect(result).toMatchObject({ name: 'shapes', images: 3, annotated: 3, skipped: [] });

    const [dataset] = await client.call('datasets.list', {});
    expect(dataset).toMatchObject({
      name: 'shapes',
      format: 'folder',
      task: 'semantic',
      imageCount: 3,
      annotatedImageCount: 3,
      classCount: 4,
    });
    const page = await client.call('images.page', { datasetId: result.datasetId });
    expect(page.items.map((i) => i.fileName)).toEqual(['img_000.png', 'img_001.png', 'img_002.png']);
    for (const [i, item] of page.items.entries()) {
      const detail = await client.call('images.get', { imageId: item.id });
      expect(detail.groundTruth).not.toBeNull();
      const blob = await engine.blobs.read({ kind: 'labelmap', imageId: item.id, source: 'gt' });
      expect(Buffer.from(blob.bytes).equals(Buffer.from(data.labels[i] as Uint8Array))).toBe(true);
      const image = await engine.blobs.read({ kind: 'image', imageId: item.id });
      expect(image.contentType).toBe('image/png');
      expect(Buffer.from(image.bytes).equals(readFileSync(detail.path))).toBe(true);
    }
    expect(engineInternals(engine).db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('skips non-image files and truncated images, listing each with its reason', async () => {
    const { root, client } = await setup();
    const data = await makeFolderDataset(root, 2);
    writeFileSync(join(data.images, 'notes.txt'), 'hello');
    const good = readFileSync(join(data.images, 'img_000.png'));
    writeFileSync(join(data.images, 'broken.png'), good.subarray(0, Math.floor(good.length / 2)));
    await writeSolidImage(join(root, 'big.jpg'), 200, 150, [10, 200, 30]);
    const jpeg = readFileSync(join(root, 'big.jpg'));
    writeFileSync(join(data.images, 'cut.jpg'), jpeg.subarray(0, Math.floor(jpeg.length * 0.6)));
    const done = await finishJob(client, () => client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks }));
    expect(done.status).toBe('succeeded');
    const result = ImportResult.parse(done.result);
    expect(result.images).toBe(2);
    const reasons = Object.fromEntries(result.skipped.map((s) => [s.file, s.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['broken.png', 'cut.jpg', 'notes.txt']);
    expect(reasons['notes.txt']).toMatch(/not an image/);
    expect(reasons['broken.png']).toMatch(/unreadable image/);
    expect(reasons['cut.jpg']).toMatch(/unreadable image/);
  });

  it('fails on a mask whose size differs from its image, naming both, and writes nothing', async () => {
    const { root, engine, client } = await setup();
    const data = await makeFolderDataset(root, 3);
    const first = await makeFolderDataset(join(root, 'other'), 1);
    await finishJob(client, () => client.call('datasets.importFolder', { dir: first.images, masksDir: first.masks, name: 'existing' }));
    const before = storeSnapshot(engine);
    writeGreyMask(join(data.masks, 'img_002.png'), 32, 32, rectLabels(32, 32, { x: 0, y: 0, w: 4, h: 4 }, 1));
    const done = await finishJob(client, () =>
      client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'bad' }),
    );
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('INVALID_INPUT');
    expect(done.error?.message).toMatch(/img_002\.png: mask is 32x32 but its image img_002\.png is 64x48/);
    expect(storeSnapshot(engine)).toEqual(before);
    expect(engineInternals(engine).db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('reports a missing folder and a corrupt mask as clear errors', async () => {
    const { root, engine, client } = await setup();
    const missing = await finishJob(client, () => client.call('datasets.importFolder', { dir: join(root, 'nope') }));
    expect(missing.error).toMatchObject({ code: 'NOT_FOUND' });
    expect(missing.error?.message).toContain(join(root, 'nope'));

    const data = await makeFolderDataset(root, 2);
    writeFileSync(join(data.masks, 'img_001.png'), 'not a png at all');
    const corrupt = await finishJob(client, () => client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks }));
    expect(corrupt.error?.code).toBe('CORRUPT_FILE');
    expect(corrupt.error?.message).toContain('img_001.png');
    expect(storeSnapshot(engine)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('refuses a dataset name that already exists', async () => {
    const { root, client } = await setup();
    const data = await makeFolderDataset(root, 1);
    await finishJob(client, () => client.call('datasets.importFolder', { dir: data.images, name: 'same' }));
    const again = await finishJob(client, () => client.call('datasets.importFolder', { dir: data.images, name: 'same' }));
    expect(again.error).toMatchObject({ code: 'CONFLICT' });
  });

  it('imports 0/255 masks as binary foreground and images without masks as unlabelled', async () => {
    const { root, engine, client } = await setup();
    const images = join(root, 'imgs');
    const masks = join(root, 'm');
    mkdirSync(images);
    mkdirSync(masks);
    await writeSolidImage(join(images, 'a.png'), 10, 8, [0, 0, 0]);
    await writeSolidImage(join(images, 'b.png'), 10, 8, [0, 0, 0]);
    writeGreyMask(join(masks, 'a.png'), 10, 8, rectLabels(10, 8, { x: 1, y: 1, w: 3, h: 2 }, 255));
    copyFileSync(join(images, 'b.png'), join(root, 'b-copy.png'));
    const done = await finishJob(client, () => client.call('datasets.importFolder', { dir: images, masksDir: masks }));
    const result = ImportResult.parse(done.result);
    expect(result).toMatchObject({ images: 2, annotated: 1 });
    const [d] = await client.call('datasets.list', {});
    expect(d?.classCount).toBe(2);
    const page = await client.call('images.page', { datasetId: result.datasetId });
    const a = page.items.find((i) => i.fileName === 'a.png');
    const blob = await engine.blobs.read({ kind: 'labelmap', imageId: a?.id ?? 0, source: 'gt' });
    expect(Array.from(blob.bytes)).toEqual(Array.from(rectLabels(10, 8, { x: 1, y: 1, w: 3, h: 2 }, 1)));
    expect(page.items.find((i) => i.fileName === 'b.png')?.hasGroundTruth).toBe(false);
  });

  it('keeps a leading U+FEFF in file names (the UTF-8 decoder would drop it as a BOM)', async () => {
    // Probe AA F2: "\ufeffb.png" was recorded as b.png (no such file: the whole import failed), and
    // "\ufeffa.png" beside a.png was refused as two masks for one stem.
    const { root, engine, client } = await setup();
    const images = join(root, 'imgs');
    const masks = join(root, 'm');
    mkdirSync(images);
    mkdirSync(masks);
    for (const name of ['\ufeffa.png', 'a.png', '\ufeffb.png']) {
      await writeSolidImage(join(images, name), 10, 8, [0, 0, 0]);
      writeGreyMask(join(masks, name), 10, 8, rectLabels(10, 8, { x: 1, y: 1, w: name.length, h: 2 }, 1));
    }
    const done = await finishJob(client, () => client.call('datasets.importFolder', { dir: images, masksDir: masks }));
    expect(done.error).toBeNull();
    expect(ImportResult.parse(done.result)).toMatchObject({ images: 3, annotated: 3, skipped: [] });
    const rows = engineInternals(engine).db.prepare('SELECT file_name, path FROM images ORDER BY file_name').all() as Array<{
      file_name: string;
      path: string;
    }>;
    expect(rows.map((r) => r.file_name)).toEqual(['a.png', '\ufeffa.png', '\ufeffb.png']);
    expect(rows.map((r) => r.path)).toEqual(rows.map((r) => join(images, r.file_name)));
    // Each image keeps its own mask: the box is as wide as its file name is long.
    const page = await client.call('images.page', { datasetId: ImportResult.parse(done.result).datasetId });
    for (const r of rows) {
      const item = page.items.find((i) => i.fileName === r.file_name)!;
      const blob = await engine.blobs.read({ kind: 'labelmap', imageId: item.id, source: 'gt' });
      expect(Array.from(blob.bytes)).toEqual(Array.from(rectLabels(10, 8, { x: 1, y: 1, w: r.file_name.length, h: 2 }, 1)));
    }
  });
});
