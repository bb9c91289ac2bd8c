import { describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImportResult } from '../../../src/shared';
import { decodeMask } from '../../../src/main/engine/masks';
import { finishJob } from '../../helpers/engine';
import { makeCocoDataset, type CocoDoc } from './generate';
import { imagesByName, setup, storeSnapshot } from './store';
import { engineInternals } from '../../../src/main/engine/internals';

interface Row {
  class_idx: number;
  iscrowd: number;
  external_id: string;
  rle: string;
  height: number;
  width: number;
  area: number;
  bbox: string;
}

describe('import coco', () => {
  it('imports polygons, compressed and uncompressed RLE; categories become classes in id order', async () => {
    const { root, engine, client } = setup();
    const coco = await makeCocoDataset(root, { n: 3 });
    const done = await finishJob(client, () =>
      client.call('datasets.importCoco', { annotations: coco.annotations, imagesDir: coco.images }),
    );
    expect(done.error).toBeNull();
    const result = ImportResult.parse(done.result);
    expect(result).toMatchObject({ name: 'instances', images: 3, annotated: 3 });
    const classes = engineInternals(engine)
      .db.prepare('SELECT idx, name, external_id FROM classes WHERE dataset_id = ? ORDER BY idx')
      .all(result.datasetId);
    expect(classes).toEqual([
      { idx: 0, name: 'background', external_id: null },
      { idx: 1, name: 'car', external_id: 3 },
      { idx: 2, name: 'train', external_id: 7 },
      { idx: 3, name: 'kite', external_id: 11 },
    ]);
    const images = imagesByName(engine, result.datasetId);
    expect(images.get('000000001001.png')?.externalId).toBe('503');
    const rows = engineInternals(engine)
      .db.prepare(
        'SELECT a.class_idx, a.iscrowd, a.external_id, v.rle, v.height, v.width, v.area, v.bbox FROM annotations a JOIN annotation_versions v ON v.annotation_id = a.id ORDER BY a.id',
      )
      .all() as Row[];
    expect(rows).toHaveLength(9);
    // Image 1: the uncompressed crowd rectangle at x 20..24, y 11..17, decoded pixel by pixel.
    const crowd = rows.find((r) => r.external_id === '104') as Row;
    expect(crowd).toMatchObject({ class_idx: 3, iscrowd: 1, area: 35, bbox: '[20,11,5,7]' });
    const mask = decodeMask({ size: [crowd.height, crowd.width], counts: crowd.rle });
    for (let y = 0; y < 30; y++) for (let x = 0; x < 40; x++) expect(mask[y * 40 + x]).toBe(x >= 20 && x < 25 && y >= 11 && y < 18 ? 1 : 0);
    // The polygon (5,20)-(15,27): pycocotools covers columns 5..14 and rows 20..26.
    const poly = rows.find((r) => r.external_id === '102') as Row;
    expect(poly).toMatchObject({ class_idx: 2, iscrowd: 0, area: 70, bbox: '[5,20,10,7]' });
    // The compressed RLE is stored as given.
    const doc = JSON.parse(readFileSync(coco.annotations, 'utf8')) as CocoDoc;
    expect(rows.find((r) => r.external_id === '100')?.rle).toBe((doc.annotations[0]?.segmentation as { counts: string }).counts);
  });

  it('reads the keys in any order (annotations before images and categories)', async () => {
    const { root, client } = setup();
    const coco = await makeCocoDataset(root, { n: 2 });
    const doc = JSON.parse(readFileSync(coco.annotations, 'utf8')) as CocoDoc;
    writeFileSync(
      coco.annotations,
      JSON.stringify({ annotations: doc.annotations, info: { year: 2017 }, categories: doc.categories, images: doc.images }),
    );
    const done = await finishJob(client, () =>
      client.call('datasets.importCoco', { annotations: coco.annotations, imagesDir: coco.images, name: 'reordered' }),
    );
    expect(ImportResult.parse(done.result)).toMatchObject({ images: 2, annotated: 2 });
  });

  describe('bad input: one clear error, the store exactly as before', () => {
    async function expectFailure(edit: (doc: CocoDoc, file: string, images: string) => void, code: string, message: RegExp): Promise<void> {
      const { root, engine, client } = setup();
      const first = await makeCocoDataset(join(root, 'first'), { n: 1 });
      await finishJob(client, () => client.call('datasets.importCoco', { annotations: first.annotations, imagesDir: first.images }));
      const before = storeSnapshot(engine);
      const coco = await makeCocoDataset(join(root, 'bad'), { n: 3 });
      const doc = JSON.parse(readFileSync(coco.annotations, 'utf8')) as CocoDoc;
      edit(doc, coco.annotations, coco.images);
      const done = await finishJob(client, () =>
        client.call('datasets.importCoco', { annotations: coco.annotations, imagesDir: coco.images, name: 'bad' }),
      );
      expect(done.status).toBe('failed');
      expect(done.error?.code).toBe(code);
      expect(done.error?.message).toMatch(message);
      expect(storeSnapshot(engine)).toEqual(before);
      expect(before.integrity).toBe('ok');
    }
    const save = (doc: CocoDoc, file: string): void => writeFileSync(file, JSON.stringify(doc));

    it('malformed JSON', async () => {
      await expectFailure(
        (doc, file) => writeFileSync(file, JSON.stringify(doc).replace('"categories"', 'categories')),
        'CORRUPT_FILE',
        /^instances\.json: malformed JSON before byte \d+/,
      );
    });
    it('truncated JSON', async () => {
      await expectFailure(
        (doc, file) => writeFileSync(file, JSON.stringify(doc).slice(0, 700)),
        'CORRUPT_FILE',
        /^instances\.json: truncated JSON/,
      );
    });
    it('a missing image file', async () => {
      await expectFailure(
        (_doc, _file, images) => rmSync(join(images, '000000001001.png')),
        'NOT_FOUND',
        /^instances\.json: image 503: 000000001001\.png not found in /,
      );
    });
    it('an RLE whose size disagrees with its image', async () => {
      await expectFailure(
        (doc, file) => {
          (doc.annotations[3]?.segmentation as { size: number[] }).size = [40, 30];
          save(doc, file);
        },
        'INVALID_INPUT',
        /^instances\.json: annotation 103: RLE size 40x30 \(height x width\) differs from image 503, which is 30x40$/,
      );
    });
    it('a category id outside the categories', async () => {
      await expectFailure(
        (doc, file) => {
          (doc.annotations[4] as { category_id: number }).category_id = 99;
          save(doc, file);
        },
        'INVALID_INPUT',
        /^instances\.json: annotation 104: category_id 99 is not among the categories \(3, 7, 11\)$/,
      );
    });
    it('a polygon with fewer than 3 points', async () => {
      await expectFailure(
        (doc, file) => {
          (doc.annotations[5] as { segmentation: unknown }).segmentation = [
            [1, 1, 5, 5, 9, 9],
            [1, 2, 3, 4],
          ];
          save(doc, file);
        },
        'INVALID_INPUT',
        /^instances\.json: annotation 105: polygon 1 has 2 point\(s\); a polygon needs at least 3$/,
      );
    });
    it('a duplicate annotation id', async () => {
      await expectFailure(
        (doc, file) => {
          (doc.annotations[6] as { id: number }).id = 101;
          save(doc, file);
        },
        'INVALID_INPUT',
        /^instances\.json: annotation 101: duplicate annotation id$/,
      );
    });
    it('a duplicate image id', async () => {
      await expectFailure(
        (doc, file) => {
          (doc.images[2] as { id: number }).id = 500;
          save(doc, file);
        },
        'INVALID_INPUT',
        /^instances\.json: image 500: duplicate image id$/,
      );
    });
    it('an annotation pointing at no image', async () => {
      await expectFailure(
        (doc, file) => {
          (doc.annotations[0] as { image_id: number }).image_id = 4242;
          save(doc, file);
        },
        'INVALID_INPUT',
        /^instances\.json: annotation 100: image_id 4242 is not among the images$/,
      );
    });
    it('RLE counts that do not cover the image', async () => {
      await expectFailure(
        (doc, file) => {
          (doc.annotations[1]?.segmentation as { counts: number[] }).counts.push(5);
          save(doc, file);
        },
        'INVALID_INPUT',
        /^instances\.json: annotation 101: RLE counts cover 1205 pixels but the image has 30x40 = 1200$/,
      );
    });
    it('an RLE counts string whose count never ends (it decoded to 0 pixels), as malformed', async () => {
      await expectFailure(
        (doc, file) => {
          (doc.annotations[0]?.segmentation as { counts: string }).counts = `${'`'.repeat(20)}0`;
          save(doc, file);
        },
        'INVALID_INPUT',
        /^instances\.json: annotation 100: RLE counts string is malformed: count 1 \(from character 0\) goes on past 7 characters, the most a COCO count takes$/,
      );
    });
    it('a JSON file that is not COCO instances', async () => {
      await expectFailure(
        (_doc, file) => writeFileSync(file, JSON.stringify({ images: [] })),
        'INVALID_INPUT',
        /no "annotations" array; is this a COCO instances file\?/,
      );
    });
  });
});
