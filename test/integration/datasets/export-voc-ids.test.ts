/**
 * A VOC export names every file by the image's id (its file stem): QA probe C found names that
 * collided (`b.jpg` + `b.png`: one mask overwrote the other, both counted), a COCO file_name with a
 * folder (`sub/a.jpg`: "internal error"), ids with whitespace (`my photo`: written into the split
 * list, which `import voc` then could not read back) and referring datasets (only the first query's
 * mask written). Each is now written correctly or refused before anything is written.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImportResult } from '../../../src/shared';
import { ExportResult } from '../../../src/shared/api/methods/exports';
import { encodeMask } from '../../../src/main/engine/masks';
import { finishJob } from '../../helpers/engine';
import { rectLabels, writeSolidImage } from '../../helpers/fixtures';
import { imagesByName, sampleLabels, setup } from './store';

const [W, H] = [20, 16];

/** A COCO dataset of these file names (folders made), one class-3 rectangle each, imported. */
async function cocoDataset(s: ReturnType<typeof setup>, fileNames: string[]): Promise<{ datasetId: number; imagesDir: string }> {
  const imagesDir = join(s.root, 'images');
  const doc = { images: [] as object[], annotations: [] as object[], categories: [{ id: 3, name: 'car' }] };
  for (const [k, fileName] of fileNames.entries()) {
    mkdirSync(join(imagesDir, fileName, '..'), { recursive: true });
    await writeSolidImage(join(imagesDir, fileName), W, H, [60, 60, 60]);
    doc.images.push({ id: k + 1, file_name: fileName, width: W, height: H });
    const rle = encodeMask(rectLabels(W, H, { x: k, y: 2, w: 6, h: 5 }, 1), H, W);
    doc.annotations.push({ id: 10 + k, image_id: k + 1, category_id: 3, segmentation: rle, area: 30, bbox: [k, 2, 6, 5], iscrowd: 0 });
  }
  const annotations = join(s.root, 'instances.json');
  writeFileSync(annotations, JSON.stringify(doc));
  const done = await finishJob(s.client, () => s.client.call('datasets.importCoco', { annotations, imagesDir, name: 'coco' }));
  return { datasetId: ImportResult.parse(done.result).datasetId, imagesDir };
}

async function exportVoc(s: ReturnType<typeof setup>, datasetId: number, outDir: string, runId?: number) {
  return finishJob(s.client, () =>
    s.client.call('datasets.export', { datasetId, format: 'voc', outDir, ...(runId === undefined ? {} : { runId }) }),
  );
}

describe('VOC export ids', () => {
  it('refuses two images with one id, naming both, and writes nothing', async () => {
    const s = setup();
    const { datasetId } = await cocoDataset(s, ['a.png', 'b.jpg', 'b.png']);
    const out = join(s.root, 'voc');
    const done = await exportVoc(s, datasetId, out);
    expect(done.error?.code).toBe('INVALID_INPUT');
    expect(done.error?.message).toBe(
      'images "b.jpg" and "b.png" both have VOC id "b" (one b.png would overwrite the other); rename one, or export --format coco',
    );
    expect(existsSync(out)).toBe(false);
  });

  it('writes an image whose COCO file_name has a folder by its base name, and imports back to the same label maps', async () => {
    const s = setup();
    const { datasetId } = await cocoDataset(s, ['sub/a.png', 'c.png']);
    const out = join(s.root, 'voc');
    const done = await exportVoc(s, datasetId, out);
    expect(done.error).toBeNull();
    expect(ExportResult.parse(done.result)).toMatchObject({ images: 2, files: 6 }); // 2 images, 2 masks, all.txt, labelmap.txt
    expect(existsSync(join(out, 'JPEGImages', 'a.png'))).toBe(true);
    expect(
      readFileSync(join(out, 'ImageSets', 'Segmentation', 'all.txt'), 'utf8')
        .trim()
        .split('\n')
        .sort(),
    ).toEqual(['a', 'c']);
    const back = ImportResult.parse(
      (await finishJob(s.client, () => s.client.call('datasets.importVoc', { root: out, name: 'back' }))).result,
    );
    expect(back).toMatchObject({ images: 2, annotated: 2 });
    const before = imagesByName(s.engine, datasetId);
    const after = imagesByName(s.engine, back.datasetId);
    for (const [from, to] of [
      ['sub/a.png', 'a.png'],
      ['c.png', 'c.png'],
    ] as const) {
      const a = before.get(from)!;
      const b = after.get(to)!;
      expect(
        Buffer.from(sampleLabels(s.engine, b.sampleIds[0]!, H, W)).equals(Buffer.from(sampleLabels(s.engine, a.sampleIds[0]!, H, W))),
      ).toBe(true);
    }
  });

  it('refuses a ground-truth id with whitespace (the split list could not be read back); a run export of it works', async () => {
    const s = setup();
    const { datasetId } = await cocoDataset(s, ['my photo.png', 'c.png']);
    const out = join(s.root, 'voc');
    const done = await exportVoc(s, datasetId, out);
    expect(done.error?.message).toBe(
      'image "my photo.png": a VOC id cannot hold whitespace (ImageSets lists split their lines at it, so import voc could not read it back); rename the file, or export --format coco',
    );
    expect(existsSync(out)).toBe(false);
    // A run's PNGs have no list: "my photo.png" is written, and reads back as that image's prediction.
    const imported = await finishJob(s.client, () =>
      s.client.call('runs.importPredictions', { datasetId, run: 'r', format: 'coco-results', path: writeResults(s.root) }),
    );
    const runId = Number(imported.result?.['runId']);
    const runOut = join(s.root, 'run-voc');
    const runDone = await exportVoc(s, datasetId, runOut, runId);
    expect(runDone.error).toBeNull();
    expect(existsSync(join(runOut, 'my photo.png'))).toBe(true);
    const back = await finishJob(s.client, () =>
      s.client.call('runs.importPredictions', { datasetId, run: 'back', format: 'png', path: runOut }),
    );
    expect(back.error).toBeNull();
    const [a, b] = await Promise.all([
      s.client.call('metrics.scores', { datasetId, runId }),
      s.client.call('metrics.scores', { datasetId, runId: Number(back.result?.['runId']) }),
    ]);
    expect(b.semantic?.miou).toBe(a.semantic?.miou);
    expect(b.images).toBe(2);
  });

  it('refuses a dataset with several queries per image (one VOC mask cannot say which query it shows)', async () => {
    const s = setup();
    await cocoDataset(s, ['a.png', 'c.png']);
    const refs = join(s.root, 'refs.json');
    writeFileSync(
      refs,
      JSON.stringify([
        { ref_id: 1, ann_id: 10, image_id: 1, split: 'val', sentences: [{ sent: 'the car' }] },
        { ref_id: 2, ann_id: 10, image_id: 1, split: 'val', sentences: [{ sent: 'that car' }] },
      ]),
    );
    const imported = await finishJob(s.client, () =>
      s.client.call('datasets.importRefCoco', {
        refs,
        instances: join(s.root, 'instances.json'),
        imagesDir: join(s.root, 'images'),
        name: 'refs',
      }),
    );
    const out = join(s.root, 'voc');
    const done = await exportVoc(s, ImportResult.parse(imported.result).datasetId, out);
    expect(done.error?.message).toBe(
      'dataset "refs" has several queries per image (a.png has 2); a VOC mask is one per image and cannot say which query it shows',
    );
    expect(existsSync(out)).toBe(false);
  });

  it("writes a query's empty mask (a ReasonSeg sample without shapes is scored as an empty target), so the export reads back with every image annotated", async () => {
    const s = setup();
    const dir = join(s.root, 'ReasonSeg', 'val');
    mkdirSync(dir, { recursive: true });
    for (const [name, shapes] of [
      [
        'a',
        [
          {
            label: 'target',
            points: [
              [2, 2],
              [10, 2],
              [10, 9],
              [2, 9],
            ],
            shape_type: 'polygon',
          },
        ],
      ],
      ['b', []],
    ] as const) {
      await writeSolidImage(join(dir, `${name}.jpg`), W, H, [70, 70, 70]);
      writeFileSync(join(dir, `${name}.json`), JSON.stringify({ text: [`the thing in ${name}`], is_sentence: false, shapes }));
    }
    const imported = ImportResult.parse(
      (await finishJob(s.client, () => s.client.call('datasets.importReasonSeg', { dir: join(s.root, 'ReasonSeg'), name: 'rs' }))).result,
    );
    const out = join(s.root, 'voc');
    const done = await exportVoc(s, imported.datasetId, out);
    expect(done.error).toBeNull();
    expect(existsSync(join(out, 'SegmentationClass', 'b.png'))).toBe(true);
    const back = ImportResult.parse(
      (await finishJob(s.client, () => s.client.call('datasets.importVoc', { root: out, name: 'back' }))).result,
    );
    expect(back).toMatchObject({ images: 2, annotated: 2 });
    const b = imagesByName(s.engine, back.datasetId).get('b.jpg')!;
    expect(sampleLabels(s.engine, b.sampleIds[0]!, H, W).every((v) => v === 0)).toBe(true);
  });
});

/** A COCO results file predicting each image's ground-truth rectangle shifted by one pixel. */
function writeResults(root: string): string {
  const rows = [1, 2].map((imageId, k) => ({
    image_id: imageId,
    category_id: 3,
    segmentation: encodeMask(rectLabels(W, H, { x: k + 1, y: 2, w: 6, h: 5 }, 1), H, W),
    score: 0.9,
  }));
  const file = join(root, 'results.json');
  writeFileSync(file, JSON.stringify(rows));
  return file;
}
