import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImportResult } from '../../../src/shared';
import { decodeRgb } from '../../../src/main/engine/models/preprocess';
import { samplesForRun } from '../../../src/main/engine/models/samples';
import { sampleThumbnails } from '../../../src/main/engine/reports/thumbnails';
import { finishJob } from '../../helpers/engine';
import { rectLabels, writeGreyMask, writePaletteMask } from '../../helpers/fixtures';
import { imagesByName, sampleLabels, setup, storeSnapshot } from './store';
import { engineInternals } from '../../../src/main/engine/internals';

/**
 * orient6.jpg is 48x32 as stored with EXIF orientation 6 (shown 32x48). Its PIL decode (raw grid) and
 * cv2.imread decode (oriented grid) are committed beside it (test/fixtures/decode/make_fixtures.py).
 */
const FIX = join(__dirname, '../../fixtures/decode');
const RAW = { width: 48, height: 32 };
const ORIENTED = { width: 32, height: 48 };

async function reference(file: string): Promise<Buffer> {
  return sharp(join(FIX, file)).removeAlpha().raw().toBuffer();
}

/** What a run decodes for the dataset's only image, through the run's own sample rows. */
async function runPixels(engine: ReturnType<typeof setup>['engine'], datasetId: number, referring: boolean) {
  const [s] = samplesForRun(engineInternals(engine), datasetId, referring);
  if (s === undefined) throw new Error('no sample');
  const rgb = await decodeRgb(s.imagePath, s.orientation);
  return { sample: s, rgb, bytes: Buffer.from(rgb.data) };
}

describe('EXIF orientation: one pixel grid per image, chosen at import', () => {
  it('folder + mask of the raw size: raw grid (as PIL), sizes raw, listed; pixels, thumbnail and served image unrotated', async () => {
    const { root, engine, client } = setup();
    mkdirSync(join(root, 'images'));
    mkdirSync(join(root, 'masks'));
    copyFileSync(join(FIX, 'orient6.jpg'), join(root, 'images', 'photo.jpg'));
    const labels = rectLabels(RAW.width, RAW.height, { x: 30, y: 4, w: 10, h: 6 }, 1);
    writeGreyMask(join(root, 'masks', 'photo.png'), RAW.width, RAW.height, labels);

    const done = await finishJob(client, () =>
      client.call('datasets.importFolder', { dir: join(root, 'images'), masksDir: join(root, 'masks'), name: 'raw' }),
    );
    expect(done.error).toBeNull();
    const result = ImportResult.parse(done.result);
    expect(result.orientations).toEqual([{ file: 'photo.jpg', orientation: 6, grid: 'raw', ...RAW }]);
    const image = imagesByName(engine, result.datasetId).get('photo.jpg');
    expect(image).toMatchObject(RAW);
    const detail = await client.call('images.get', { imageId: image?.id ?? 0 });
    expect(detail).toMatchObject({ ...RAW, exifOrientation: 6, grid: 'raw' });
    expect(Array.from(sampleLabels(engine, image?.sampleIds[0] ?? 0, RAW.height, RAW.width))).toEqual(Array.from(labels));

    const { sample, rgb, bytes } = await runPixels(engine, result.datasetId, false);
    expect(sample).toMatchObject({ ...RAW, orientation: 1, imageSha: detail.sha256 });
    expect([rgb.width, rgb.height]).toEqual([RAW.width, RAW.height]);
    expect(bytes.equals(await reference('orient6.pil.png'))).toBe(true);

    // The viewer gets the file's bytes with the orientation tag neutralized: nothing left for the browser to rotate.
    const served = await engine.blobs.read({ kind: 'image', imageId: image?.id ?? 0 });
    expect(served.contentType).toBe('image/jpeg');
    expect(await sharp(Buffer.from(served.bytes)).metadata()).toMatchObject({ ...RAW, orientation: 1 });
    expect(served.bytes.length).toBe(readFileSync(join(FIX, 'orient6.jpg')).length);
    const thumb = await engine.blobs.read({ kind: 'thumb', imageId: image?.id ?? 0 });
    expect(await sharp(Buffer.from(thumb.bytes)).metadata()).toMatchObject({ ...RAW, format: 'webp' });
  });

  it('folder + mask of the rotated size: oriented grid (as cv2.imread); model input, served image and thumbnail rotated', async () => {
    const { root, engine, client } = setup();
    mkdirSync(join(root, 'images'));
    mkdirSync(join(root, 'masks'));
    copyFileSync(join(FIX, 'orient6.jpg'), join(root, 'images', 'photo.jpg'));
    const labels = rectLabels(ORIENTED.width, ORIENTED.height, { x: 4, y: 30, w: 6, h: 10 }, 1);
    writeGreyMask(join(root, 'masks', 'photo.png'), ORIENTED.width, ORIENTED.height, labels);

    const done = await finishJob(client, () =>
      client.call('datasets.importFolder', { dir: join(root, 'images'), masksDir: join(root, 'masks'), name: 'oriented' }),
    );
    expect(done.error).toBeNull();
    const result = ImportResult.parse(done.result);
    expect(result.orientations).toEqual([{ file: 'photo.jpg', orientation: 6, grid: 'oriented', ...ORIENTED }]);
    const image = imagesByName(engine, result.datasetId).get('photo.jpg');
    expect(image).toMatchObject(ORIENTED);
    expect(Array.from(sampleLabels(engine, image?.sampleIds[0] ?? 0, ORIENTED.height, ORIENTED.width))).toEqual(Array.from(labels));

    const { sample, rgb, bytes } = await runPixels(engine, result.datasetId, false);
    // The SAM embedding cache is keyed by pixel identity: the same file in the raw grid has another key.
    const sha = (await client.call('images.get', { imageId: image?.id ?? 0 })).sha256;
    expect(sample).toMatchObject({ ...ORIENTED, orientation: 6, imageSha: `${sha}:o6` });
    expect([rgb.width, rgb.height]).toEqual([ORIENTED.width, ORIENTED.height]);
    expect(bytes.equals(await reference('orient6.cv2.png'))).toBe(true);

    // Served already rotated, as a lossless PNG without EXIF: exactly the pixels the model sees.
    const served = await engine.blobs.read({ kind: 'image', imageId: image?.id ?? 0 });
    expect(served.contentType).toBe('image/png');
    const png = sharp(Buffer.from(served.bytes));
    expect((await png.metadata()).orientation).toBeUndefined();
    const { data, info } = await png.removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([ORIENTED.width, ORIENTED.height]);
    expect(data.equals(await reference('orient6.cv2.png'))).toBe(true);
    const thumb = await engine.blobs.read({ kind: 'thumb', imageId: image?.id ?? 0 });
    expect(await sharp(Buffer.from(thumb.bytes)).metadata()).toMatchObject({ ...ORIENTED, format: 'webp' });
    // Report thumbnails: the photo in the same grid as its mask (160 wide, 240 high).
    const report = await sampleThumbnails(engineInternals(engine).repos, { sampleId: sample.sampleId, imageId: sample.imageId }, [], []);
    for (const uri of [report.image, report.groundTruth]) {
      const png = Buffer.from((uri ?? '').replace('data:image/png;base64,', ''), 'base64');
      expect(await sharp(png).metadata()).toMatchObject({ width: 160, height: 240 });
    }
  });

  it('VOC mask and COCO width/height of the rotated size pick the oriented grid; COCO of the raw size the raw one', async () => {
    const { root, engine, client } = setup();
    const voc = join(root, 'VOC');
    for (const d of ['JPEGImages', 'SegmentationClass', 'ImageSets/Segmentation']) mkdirSync(join(voc, d), { recursive: true });
    copyFileSync(join(FIX, 'orient6.jpg'), join(voc, 'JPEGImages', 'photo.jpg'));
    const labels = rectLabels(ORIENTED.width, ORIENTED.height, { x: 2, y: 30, w: 8, h: 12 }, 1);
    writePaletteMask(join(voc, 'SegmentationClass', 'photo.png'), ORIENTED.width, ORIENTED.height, labels, [
      [0, 0, 0],
      [128, 0, 0],
    ]);
    writeFileSync(join(voc, 'ImageSets', 'Segmentation', 'val.txt'), 'photo\n');
    const vocDone = await finishJob(client, () => client.call('datasets.importVoc', { root: voc }));
    expect(vocDone.error).toBeNull();
    const vocResult = ImportResult.parse(vocDone.result);
    expect(vocResult.orientations).toEqual([{ file: join(voc, 'JPEGImages', 'photo.jpg'), orientation: 6, grid: 'oriented', ...ORIENTED }]);
    const vocImage = imagesByName(engine, vocResult.datasetId).get('photo.jpg');
    expect(Array.from(sampleLabels(engine, vocImage?.sampleIds[0] ?? 0, ORIENTED.height, ORIENTED.width))).toEqual(Array.from(labels));

    for (const [name, size] of [
      ['coco-oriented', ORIENTED],
      ['coco-raw', RAW],
    ] as const) {
      const json = join(root, `${name}.json`);
      writeFileSync(
        json,
        JSON.stringify({
          images: [{ id: 7, file_name: 'photo.jpg', ...size }],
          annotations: [
            { id: 1, image_id: 7, category_id: 3, segmentation: [[1, 1, 9, 1, 9, 9, 1, 9]], area: 64, bbox: [1, 1, 8, 8], iscrowd: 0 },
          ],
          categories: [{ id: 3, name: 'thing' }],
        }),
      );
      const done = await finishJob(client, () =>
        client.call('datasets.importCoco', { annotations: json, imagesDir: join(voc, 'JPEGImages'), name }),
      );
      expect(done.error).toBeNull();
      const result = ImportResult.parse(done.result);
      expect(result.orientations[0]).toMatchObject({ orientation: 6, grid: size === RAW ? 'raw' : 'oriented', ...size });
      const { sample, bytes } = await runPixels(engine, result.datasetId, false);
      expect(sample).toMatchObject(size);
      expect(bytes.equals(await reference(size === RAW ? 'orient6.pil.png' : 'orient6.cv2.png'))).toBe(true);
    }
  });

  it('a mask that fits neither grid fails the import with both sizes named, writing nothing', async () => {
    const { root, engine, client } = setup();
    mkdirSync(join(root, 'images'));
    mkdirSync(join(root, 'masks'));
    copyFileSync(join(FIX, 'orient6.jpg'), join(root, 'images', 'photo.jpg'));
    writeGreyMask(join(root, 'masks', 'photo.png'), 40, 40, new Uint8Array(1600));
    const before = storeSnapshot(engine);
    const done = await finishJob(client, () =>
      client.call('datasets.importFolder', { dir: join(root, 'images'), masksDir: join(root, 'masks') }),
    );
    expect(done.status).toBe('failed');
    expect(done.error?.message).toMatch(
      /photo\.png: mask is 40x40 but its image photo\.jpg is 48x32 \(as stored\) or 32x48 \(EXIF orientation 6 applied\)$/,
    );
    expect(done.error?.message.includes('\n')).toBe(false);
    expect(storeSnapshot(engine)).toEqual(before);
  });

  it('ReasonSeg with LabelMe sizes of the rotated image: oriented grid, mask rasterized in it, pixels = cv2.imread', async () => {
    const { root, engine, client } = setup();
    const dir = join(root, 'ReasonSeg', 'val');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(FIX, 'orient6.jpg'), join(dir, 'rot.jpg'));
    const square = (x0: number, y0: number, x1: number, y1: number): number[][] => [
      [x0, y0],
      [x1, y0],
      [x1, y1],
      [x0, y1],
    ];
    writeFileSync(
      join(dir, 'rot.json'),
      JSON.stringify({
        text: ['the lower part'],
        is_sentence: false,
        imageWidth: ORIENTED.width,
        imageHeight: ORIENTED.height,
        shapes: [{ label: 'target', points: square(2, 36, 20, 46), shape_type: 'polygon' }],
      }),
    );
    const done = await finishJob(client, () => client.call('datasets.importReasonSeg', { dir: join(root, 'ReasonSeg') }));
    expect(done.error).toBeNull();
    const result = ImportResult.parse(done.result);
    expect(result.orientations).toEqual([{ file: join(dir, 'rot.jpg'), orientation: 6, grid: 'oriented', ...ORIENTED }]);
    const image = imagesByName(engine, result.datasetId).get('rot.jpg');
    expect(image).toMatchObject(ORIENTED);
    const mask = sampleLabels(engine, image?.sampleIds[0] ?? 0, ORIENTED.height, ORIENTED.width);
    const expected = new Uint8Array(ORIENTED.width * ORIENTED.height);
    for (let y = 36; y <= 46; y++) for (let x = 2; x <= 20; x++) expected[y * ORIENTED.width + x] = 1;
    expect(Array.from(mask)).toEqual(Array.from(expected));

    const { sample, bytes } = await runPixels(engine, result.datasetId, true);
    expect(sample).toMatchObject({ ...ORIENTED, orientation: 6 });
    expect(bytes.equals(await reference('orient6.cv2.png'))).toBe(true);
  });

  it('ReasonSeg without LabelMe sizes follows LISA (oriented); with the raw size only, the raw grid', async () => {
    const { root, engine, client } = setup();
    for (const [name, size] of [
      ['nosize', null],
      ['rawsize', RAW],
    ] as const) {
      const dir = join(root, name);
      mkdirSync(dir);
      copyFileSync(join(FIX, 'orient6.jpg'), join(dir, 'p.jpg'));
      const json = { text: ['x'], shapes: [], ...(size === null ? {} : { imageWidth: size.width, imageHeight: size.height }) };
      writeFileSync(join(dir, 'p.json'), JSON.stringify(json));
      const done = await finishJob(client, () => client.call('datasets.importReasonSeg', { dir, name }));
      expect(done.error).toBeNull();
      const result = ImportResult.parse(done.result);
      expect(result.orientations[0]?.grid).toBe(size === null ? 'oriented' : 'raw');
      expect(imagesByName(engine, result.datasetId).get('p.jpg')).toMatchObject(size === null ? ORIENTED : RAW);
    }
  });
});
