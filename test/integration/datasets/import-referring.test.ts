import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImportResult } from '../../../src/shared';
import { finishJob } from '../../helpers/engine';
import { writeSolidImage } from '../../helpers/fixtures';
import { makeCocoDataset, type CocoDoc } from './generate';
import { imagesByName, sampleLabels, setup, storeSnapshot } from './store';
import { engineInternals } from '../../../src/main/engine/internals';
import { decodeMask, polygonsToRle } from '../../../src/main/engine/masks/rle';

const W = 40;
const H = 30;
const square = (x0: number, y0: number, x1: number, y1: number): number[][] => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
];

/** ReasonSeg-style split folders; each JSON has a target rectangle, a smaller ignore rectangle inside it and a flag. */
async function makeReasonSeg(root: string): Promise<void> {
  for (const [split, names] of [
    ['train', ['a']],
    ['val', ['b', 'c']],
  ] as const) {
    mkdirSync(join(root, split), { recursive: true });
    for (const name of names) {
      await writeSolidImage(join(root, split, `${name}.jpg`), W, H, [90, 90, 90]);
      writeFileSync(
        join(root, split, `${name}.json`),
        JSON.stringify({
          text: [`what would you sit on in ${name}?`, `the chair in ${name}`],
          is_sentence: name !== 'c',
          shapes: [
            { label: 'target', points: square(5.7, 5.2, 20.9, 15.5), shape_type: 'polygon' },
            { label: 'Ignore', points: square(8, 8, 10, 10), shape_type: 'polygon' },
            { label: 'flag', points: square(0, 0, 39, 29), shape_type: 'polygon' },
          ],
        }),
      );
    }
  }
}

/** LISA's mask for the shapes above, by hand: points truncated, polyline + fill cover the closed rectangle; the ignore box on top. */
function expectedReasonSeg(): Uint8Array {
  const out = new Uint8Array(W * H);
  for (let y = 5; y <= 15; y++) for (let x = 5; x <= 20; x++) out[y * W + x] = 1;
  for (let y = 8; y <= 10; y++) for (let x = 8; x <= 10; x++) out[y * W + x] = 255;
  return out;
}

describe('import reasonseg', () => {
  it('one sample per image: query = text[0], all queries kept, target = 1, ignore = 255, split from the folder', async () => {
    const { root, engine, client } = setup();
    const dir = join(root, 'ReasonSeg');
    await makeReasonSeg(dir);
    const done = await finishJob(client, () => client.call('datasets.importReasonSeg', { dir }));
    expect(done.error).toBeNull();
    const result = ImportResult.parse(done.result);
    expect(result).toMatchObject({ name: 'ReasonSeg', images: 3, annotated: 3 });
    const [summary] = await client.call('datasets.list', {});
    expect(summary).toMatchObject({ format: 'reasonseg', task: 'referring', sampleCount: 3, classCount: 2 });
    const images = imagesByName(engine, result.datasetId);
    expect(images.get('a.jpg')?.split).toBe('train');
    expect(images.get('c.jpg')?.split).toBe('val');
    const sampleId = images.get('c.jpg')?.sampleIds[0] ?? 0;
    const sample = engineInternals(engine).db.prepare('SELECT query, queries, is_sentence FROM samples WHERE id = ?').get(sampleId);
    expect(sample).toEqual({
      query: 'what would you sit on in c?',
      queries: JSON.stringify(['what would you sit on in c?', 'the chair in c']),
      is_sentence: 0,
    });
    expect(Array.from(sampleLabels(engine, sampleId, H, W))).toEqual(Array.from(expectedReasonSeg()));
  });

  it('bad input: malformed JSON, a JSON without its image, a JSON without text; the store stays as it was', async () => {
    const { root, engine, client } = setup();
    const cases: Array<[(dir: string) => void, string, RegExp]> = [
      [(dir) => writeFileSync(join(dir, 'val', 'b.json'), '{"text": ["x"], "shapes": ['), 'CORRUPT_FILE', /val\/b\.json: malformed JSON/],
      [
        (dir) => writeFileSync(join(dir, 'val', 'zzz.json'), JSON.stringify({ text: ['q'], shapes: [] })),
        'NOT_FOUND',
        /val\/zzz\.json: no image zzz\.jpg beside it/,
      ],
      [
        (dir) => writeFileSync(join(dir, 'train', 'a.json'), JSON.stringify({ shapes: [] })),
        'INVALID_INPUT',
        /train\/a\.json: "text" must be a non-empty list of query strings/,
      ],
    ];
    for (const [i, [edit, code, message]] of cases.entries()) {
      const dir = join(root, `case${i}`);
      await makeReasonSeg(dir);
      edit(dir);
      const before = storeSnapshot(engine);
      const done = await finishJob(client, () => client.call('datasets.importReasonSeg', { dir }));
      expect(done.error?.code).toBe(code);
      expect(done.error?.message).toMatch(message);
      expect(storeSnapshot(engine)).toEqual(before);
      expect(before.integrity).toBe('ok');
    }
  });
});

describe('import refcoco', () => {
  async function fixture(root: string) {
    const coco = await makeCocoDataset(join(root, 'coco'), { n: 3 });
    const refs = [
      {
        ref_id: 1,
        ann_id: 100,
        image_id: 500,
        split: 'val',
        sentences: [
          { sent_id: 10, sent: 'the car on the left' },
          { sent_id: 11, sent: 'left car' },
        ],
      },
      { ref_id: 2, ann_id: 104, image_id: 503, split: 'testA', sentences: [{ sent: 'the kite' }] },
      { ref_id: 3, ann_id: 108, image_id: 506, split: 'val', sentences: [{ sent: 'a train' }] },
    ];
    const refsFile = join(root, 'refs.json');
    writeFileSync(refsFile, JSON.stringify(refs));
    return { coco, refs, refsFile };
  }

  it("one sample per sentence of the split; each sample's ground truth is the referred instance as class 1", async () => {
    const { root, engine, client } = setup();
    const { coco, refsFile } = await fixture(root);
    const done = await finishJob(client, () =>
      client.call('datasets.importRefCoco', { refs: refsFile, instances: coco.annotations, imagesDir: coco.images, split: 'val' }),
    );
    expect(done.error).toBeNull();
    const result = ImportResult.parse(done.result);
    expect(result).toMatchObject({ name: 'refs-val', images: 2 });
    const [summary] = await client.call('datasets.list', {});
    expect(summary).toMatchObject({ format: 'refcoco', task: 'referring', sampleCount: 3 });
    const images = imagesByName(engine, result.datasetId);
    const first = images.get('000000001000.png');
    expect(first?.split).toBe('val');
    expect(first?.sampleIds).toHaveLength(2);
    const queries = engineInternals(engine)
      .db.prepare('SELECT query FROM samples WHERE image_id = ? ORDER BY id')
      .all(first?.id ?? 0);
    expect(queries).toEqual([{ query: 'the car on the left' }, { query: 'left car' }]);
    // Annotation 100 is the rectangle x 2..9, y 3..8 of image 500.
    const labels = sampleLabels(engine, first?.sampleIds[1] ?? 0, 30, 40);
    for (let y = 0; y < 30; y++) for (let x = 0; x < 40; x++) expect(labels[y * 40 + x]).toBe(x >= 2 && x < 10 && y >= 3 && y < 9 ? 1 : 0);
    const rows = engineInternals(engine).db.prepare('SELECT class_idx, external_id FROM annotations ORDER BY id').all();
    expect(rows).toEqual([
      { class_idx: 1, external_id: '100' },
      { class_idx: 1, external_id: '100' },
      { class_idx: 1, external_id: '108' },
    ]);
  });

  it('says which referred instances have overlapping polygons (their union here; LISA sums them), with queries and pixels', async () => {
    // Probe AB: LISA's RefCOCO loader sums the per-polygon masks; pixels two polygons cover hold 2,
    // which its IoU does not count as the target. Tessera keeps the union (pycocotools, refer) and says so.
    const { root, engine, client } = setup();
    const { coco, refsFile } = await fixture(root);
    const doc = JSON.parse(readFileSync(coco.annotations, 'utf8')) as CocoDoc;
    const polygons = [
      [5, 20, 15, 20, 15, 27, 5, 27],
      [10, 18, 20, 18, 20, 25, 10, 25],
    ];
    (doc.annotations.find((a) => a.id === 108) as { segmentation: unknown }).segmentation = polygons;
    writeFileSync(coco.annotations, JSON.stringify(doc));
    // LISA's rule on the masks pycocotools draws for each polygon: pixels whose sum is 2 or more.
    const [a, b] = polygons.map((p) => decodeMask(polygonsToRle([p], H, W)));
    let twice = 0;
    for (let i = 0; i < W * H; i++) if (a![i]! + b![i]! >= 2) twice++;
    expect(twice).toBeGreaterThan(0);
    const done = await finishJob(client, () =>
      client.call('datasets.importRefCoco', { refs: refsFile, instances: coco.annotations, imagesDir: coco.images, split: 'val' }),
    );
    expect(done.error).toBeNull();
    const result = ImportResult.parse(done.result);
    expect(result.notes).toEqual([
      `1 referred instance(s) (1 query; ann 108) are drawn as polygons that overlap one another (${twice} pixel(s) in all): their ground truth here is the union of the polygons, as pycocotools and refer's getMask draw it; LISA's val loader sums the polygons' masks, so its gIoU/cIoU count those pixels as not the target, and its scores on these queries differ from Tessera's`,
    ]);
    // The ground truth is the union.
    const image = imagesByName(engine, result.datasetId).get('000000001002.png');
    const union = decodeMask(polygonsToRle(polygons, H, W));
    expect(Array.from(sampleLabels(engine, image?.sampleIds[0] ?? 0, H, W))).toEqual(Array.from(union));
    // Without overlap, no note (the fixture's own single polygon).
    const plain = await fixture(join(root, 'plain'));
    const again = await finishJob(client, () =>
      client.call('datasets.importRefCoco', {
        refs: plain.refsFile,
        instances: plain.coco.annotations,
        imagesDir: plain.coco.images,
        name: 'plain',
      }),
    );
    expect(ImportResult.parse(again.result).notes).toEqual([]);
  });

  it('bad input: a ref to a missing instance, a split without refs, a wrong image_id; the store stays as it was', async () => {
    const { root, engine, client } = setup();
    const { coco, refs, refsFile } = await fixture(root);
    const cases: Array<[unknown, string | undefined, RegExp]> = [
      [
        [...refs, { ref_id: 9, ann_id: 9999, image_id: 500, split: 'val', sentences: ['x'] }],
        undefined,
        /^refs\.json: ref 9: ann_id 9999 is not among the instances in instances\.json$/,
      ],
      [refs, 'testB', /^refs\.json: no refs in split "testB" \(splits: testA, val\)$/],
      [[{ ...refs[0], image_id: 503 }], undefined, /^refs\.json: ref 1: image_id 503 differs from instance 100's image 500$/],
      [
        [{ ref_id: 1, ann_id: 100, image_id: 500, sentences: [] }],
        undefined,
        /^refs\.json: ref entry 0: "sentences" must be a non-empty list$/,
      ],
    ];
    for (const [content, split, message] of cases) {
      writeFileSync(refsFile, JSON.stringify(content));
      const before = storeSnapshot(engine);
      const done = await finishJob(client, () =>
        client.call('datasets.importRefCoco', { refs: refsFile, instances: coco.annotations, imagesDir: coco.images, split }),
      );
      expect(done.error?.message).toMatch(message);
      expect(storeSnapshot(engine)).toEqual(before);
      expect(before.integrity).toBe('ok');
    }
    // The instances file's own errors come through too (here: truncated).
    writeFileSync(refsFile, JSON.stringify(refs));
    const doc = JSON.stringify(coco.doc as CocoDoc);
    writeFileSync(coco.annotations, doc.slice(0, doc.length - 40));
    const done = await finishJob(client, () =>
      client.call('datasets.importRefCoco', { refs: refsFile, instances: coco.annotations, imagesDir: coco.images }),
    );
    expect(done.error?.message).toMatch(/^instances\.json: truncated JSON/);
  });
});
