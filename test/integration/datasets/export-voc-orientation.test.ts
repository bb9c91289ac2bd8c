/**
 * A VOC export of images with an EXIF orientation (probe O): each JPEG goes out with its orientation tag
 * set to 1 and its mask on the stored grid, so PIL/imageio (which ignore the tag) and cv2.imread/mmcv
 * (which apply it) pair the same pixels, and `import voc` of the export puts every mask back on the
 * content it was drawn on. Before, an oriented-grid image went out with its tag and a mask in the turned
 * frame: read back raw, the mask lay 180° (or 90°) off its object.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImportResult } from '../../../src/shared';
import { readMaskPng } from '../../../src/main/engine/masks/png';
import { finishJob } from '../../helpers/engine';
import { writeGreyMask } from '../../helpers/fixtures';
import { PredictionsImportResult } from '../../../src/shared/api/methods/datasets';
import { imagesByName, sampleLabels, setup } from './store';

/** The picture as displayed (EXIF applied): dark, with a bright off-centre box where the target is. */
const W = 48;
const H = 32;
const BOX = { x0: 4, y0: 4, x1: 19, y1: 11 };
/** The target box in displayed coordinates, as LISA's annotators drew it (cv2.imread applies EXIF). */
const BOX_POINTS = [
  [BOX.x0, BOX.y0],
  [BOX.x1, BOX.y0],
  [BOX.x1, BOX.y1],
  [BOX.x0, BOX.y1],
];
const inBox = (x: number, y: number): boolean => x >= BOX.x0 && x <= BOX.x1 && y >= BOX.y0 && y <= BOX.y1;

/** Stored (raw) pixels whose display under `orientation` is the picture; checked against libvips' autoOrient below. */
function rawPixels(orientation: number): { data: Buffer; width: number; height: number } {
  const swap = orientation >= 5;
  const [rw, rh] = swap ? [H, W] : [W, H];
  const data = Buffer.alloc(rw * rh);
  for (let y = 0; y < rh; y++)
    for (let x = 0; x < rw; x++) {
      const shown: Record<number, [number, number]> = {
        2: [rw - 1 - x, y],
        3: [rw - 1 - x, rh - 1 - y],
        4: [x, rh - 1 - y],
        5: [y, x],
        6: [rh - 1 - y, x],
        7: [rh - 1 - y, rw - 1 - x],
        8: [y, rw - 1 - x],
      };
      const [xs, ys] = shown[orientation]!;
      data[y * rw + x] = inBox(xs, ys) ? 230 : 20;
    }
  return { data, width: rw, height: rh };
}

const bright = (grey: Buffer): number[] => Array.from(grey, (v) => (v > 128 ? 1 : 0));

describe('export --format voc of EXIF-oriented images', () => {
  it('writes each JPEG with orientation 1 and its mask on the stored grid; import voc reads every mask back onto its object', async () => {
    const { root, engine, client } = setup();
    const dir = join(root, 'rs', 'val');
    mkdirSync(dir, { recursive: true });
    const picture = Buffer.from(Array.from({ length: W * H }, (_, k) => (inBox(k % W, Math.floor(k / W)) ? 1 : 0)));
    for (let o = 2; o <= 8; o++) {
      const raw = rawPixels(o);
      const jpeg = await sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: 1 } })
        .jpeg({ quality: 100 })
        .withMetadata({ orientation: o })
        .toBuffer();
      // The fixture is what libvips shows for that orientation (an oracle independent of Tessera's code).
      const shown = await sharp(jpeg).rotate().greyscale().raw().toBuffer();
      expect(bright(shown)).toEqual(Array.from(picture));
      writeFileSync(join(dir, `o${o}.jpg`), jpeg);
      writeFileSync(
        join(dir, `o${o}.json`),
        JSON.stringify({ text: ['the bright box'], shapes: [{ label: 'target', points: BOX_POINTS }], imageWidth: W, imageHeight: H }),
      );
    }
    const ds = ImportResult.parse(
      (await finishJob(client, () => client.call('datasets.importReasonSeg', { dir: join(root, 'rs') }))).result,
    );
    expect(ds.orientations.map((o) => o.grid)).toEqual(Array(7).fill('oriented'));

    const out = join(root, 'voc');
    const exported = await finishJob(client, () => client.call('datasets.export', { datasetId: ds.datasetId, format: 'voc', outDir: out }));
    expect(exported.error).toBeNull();
    for (let o = 2; o <= 8; o++) {
      const jpeg = readFileSync(join(out, 'JPEGImages', `o${o}.jpg`));
      const meta = await sharp(jpeg).metadata();
      expect(meta.orientation ?? 1).toBe(1);
      // Every reader now sees the stored pixels; the mask marks exactly the bright ones there.
      const stored = await sharp(jpeg).greyscale().raw().toBuffer();
      const mask = readMaskPng(readFileSync(join(out, 'SegmentationClass', `o${o}.png`)), `o${o}.png`);
      expect([mask.width, mask.height]).toEqual([meta.width, meta.height]);
      expect(Array.from(mask.data)).toEqual(bright(stored));
    }

    // A run that predicts the ground truth (files on the dataset's grid, as cv2.imread shows the image):
    // the import names the images whose orientation keeps their size; its VOC export overlaps the
    // ground truth's export pixel for pixel.
    const source = imagesByName(engine, ds.datasetId);
    const predDir = join(root, 'pred');
    mkdirSync(predDir);
    for (let o = 2; o <= 8; o++) {
      const image = source.get(`o${o}.jpg`)!;
      writeGreyMask(
        join(predDir, `o${o}.png`),
        image.width,
        image.height,
        sampleLabels(engine, image.sampleIds[0]!, image.height, image.width),
      );
    }
    const run = PredictionsImportResult.parse(
      (
        await finishJob(client, () =>
          client.call('runs.importPredictions', { datasetId: ds.datasetId, run: 'same', format: 'png', path: predDir }),
        )
      ).result,
    );
    expect(run.notes).toEqual([
      expect.stringMatching(
        /^3 image\(s\) are on the oriented grid with an EXIF orientation that keeps their size \(o2\.jpg, o3\.jpg, o4\.jpg\)/,
      ),
    ]);
    const runOut = join(root, 'run');
    expect(
      (
        await finishJob(client, () =>
          client.call('datasets.export', { datasetId: ds.datasetId, runId: run.runId, format: 'voc', outDir: runOut }),
        )
      ).error,
    ).toBeNull();
    for (let o = 2; o <= 8; o++) {
      const gt = readMaskPng(readFileSync(join(out, 'SegmentationClass', `o${o}.png`)), 'gt');
      const predicted = readMaskPng(readFileSync(join(runOut, `o${o}.png`)), 'run');
      expect([predicted.width, predicted.height]).toEqual([gt.width, gt.height]);
      expect(Array.from(predicted.data)).toEqual(Array.from(gt.data));
    }

    // Read back by Tessera: the stored grid (the tag says 1), each mask on its box.
    const back = ImportResult.parse((await finishJob(client, () => client.call('datasets.importVoc', { root: out, name: 'back' }))).result);
    const images = imagesByName(engine, back.datasetId);
    for (let o = 2; o <= 8; o++) {
      const image = images.get(`o${o}.jpg`)!;
      const stored = await sharp(readFileSync(join(out, 'JPEGImages', `o${o}.jpg`)))
        .greyscale()
        .raw()
        .toBuffer();
      expect(Array.from(sampleLabels(engine, image.sampleIds[0]!, image.height, image.width))).toEqual(bright(stored));
    }
  });
  it('PNG and WebP images with an EXIF orientation go out the same way (tag set to 1, the PNG chunk CRC made again)', async () => {
    const { root, client } = setup();
    const dir = join(root, 'rs', 'val');
    mkdirSync(dir, { recursive: true });
    const cases: Array<[string, number]> = [
      ['p3.png', 3],
      ['p6.png', 6],
      ['w6.webp', 6],
      ['w8.webp', 8],
    ];
    for (const [file, o] of cases) {
      const raw = rawPixels(o);
      const pipeline = sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: 1 } });
      const bytes = await (file.endsWith('.png') ? pipeline.png() : pipeline.webp({ lossless: true }))
        .withMetadata({ orientation: o })
        .toBuffer();
      expect((await sharp(bytes).metadata()).orientation).toBe(o);
      writeFileSync(join(dir, file), bytes);
      writeFileSync(
        join(dir, `${file.split('.')[0]}.json`),
        JSON.stringify({ text: ['the bright box'], shapes: [{ label: 'target', points: BOX_POINTS }], imageWidth: W, imageHeight: H }),
      );
    }
    const ds = ImportResult.parse(
      (await finishJob(client, () => client.call('datasets.importReasonSeg', { dir: join(root, 'rs') }))).result,
    );
    expect(ds.orientations.map((o) => o.grid)).toEqual(Array(4).fill('oriented'));
    const out = join(root, 'voc');
    expect(
      (await finishJob(client, () => client.call('datasets.export', { datasetId: ds.datasetId, format: 'voc', outDir: out }))).error,
    ).toBeNull();
    for (const [file] of cases) {
      const written = readFileSync(join(out, 'JPEGImages', file));
      const meta = await sharp(written).metadata(); // a PNG with a bad chunk CRC fails here
      expect(meta.orientation ?? 1).toBe(1);
      const stored = await sharp(written).greyscale().raw().toBuffer();
      const mask = readMaskPng(readFileSync(join(out, 'SegmentationClass', `${file.split('.')[0]}.png`)), file);
      expect([mask.width, mask.height]).toEqual([meta.width, meta.height]);
      expect(Array.from(mask.data)).toEqual(bright(stored));
    }
  });
});
