import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { ImportResult } from '../../../src/shared';
import { ExportResult } from '../../../src/shared/api/methods/exports';
import { finishJob } from '../../helpers/engine';
import { rectLabels, writePaletteMask, writeSolidImage } from '../../helpers/fixtures';
import type { TesseraClient } from '../../../src/shared';
import { makeCocoDataset, makeVocRoot, vocPalette, type CocoDoc } from './generate';
import { imagesByName, sampleLabels, setup } from './store';

describe('round trips on generated data', () => {
  it('VOC -> store -> VOC: every palette PNG decodes to the same indices with the VOC palette; split lists kept', async () => {
    const { root, client } = setup();
    const voc = await makeVocRoot(join(root, 'in'), { n: 6 });
    const imported = ImportResult.parse((await finishJob(client, () => client.call('datasets.importVoc', { root: voc.root }))).result);
    const out = join(root, 'out');
    const done = await finishJob(client, () =>
      client.call('datasets.export', { datasetId: imported.datasetId, format: 'voc', outDir: out }),
    );
    expect(ExportResult.parse(done.result)).toMatchObject({ images: 6, format: 'voc' });
    const palette = vocPalette();
    for (const id of voc.ids) {
      const png = decode(readFileSync(join(out, 'SegmentationClass', `${id}.png`)));
      expect(png.palette?.slice(0, 21)).toEqual(palette.slice(0, 21));
      expect(png.palette?.[255]).toEqual([224, 224, 192]);
      expect(Buffer.from(png.data as Uint8Array).equals(Buffer.from(voc.labels.get(id) as Uint8Array))).toBe(true);
      expect(readFileSync(join(out, 'JPEGImages', `${id}.jpg`)).equals(readFileSync(join(voc.root, 'JPEGImages', `${id}.jpg`)))).toBe(true);
    }
    for (const split of ['train', 'val']) {
      const expected = voc.ids.filter((id) => voc.splits.get(id) === split);
      expect(
        readFileSync(join(out, 'ImageSets', 'Segmentation', `${split}.txt`), 'utf8')
          .trim()
          .split('\n'),
      ).toEqual(expected);
    }
    // VOC's trainval (train + val) is written too, so the export reads back with --split trainval.
    expect(readFileSync(join(out, 'ImageSets', 'Segmentation', 'trainval.txt'), 'utf8')).toBe(`${[...voc.ids].sort().join('\n')}\n`);
    // And the export is itself a VOC root that imports back to the same label maps.
    const again = ImportResult.parse(
      (await finishJob(client, () => client.call('datasets.importVoc', { root: out, name: 'again' }))).result,
    );
    expect(again).toMatchObject({ images: 6, annotated: 6 });
    const trainval = ImportResult.parse(
      (await finishJob(client, () => client.call('datasets.importVoc', { root: out, name: 'trainval', split: 'trainval' }))).result,
    );
    expect(trainval).toMatchObject({ images: 6, annotated: 6 });
  });

  it('VOC train and val lists sharing an image, without trainval: the trainval written is their sorted union, each id once; it reads back', async () => {
    const { root, client } = setup();
    const voc = await makeVocRoot(join(root, 'in'), { n: 3 });
    const [a, b, c] = voc.ids as [string, string, string];
    const sets = join(voc.root, 'ImageSets', 'Segmentation');
    // Listed out of order on purpose: the lists written are sorted.
    writeFileSync(join(sets, 'train.txt'), `${b}\n${a}\n`);
    writeFileSync(join(sets, 'val.txt'), `${c}\n${b}\n`);
    rmSync(join(sets, 'trainval.txt'));
    const imported = ImportResult.parse((await finishJob(client, () => client.call('datasets.importVoc', { root: voc.root }))).result);
    expect(imported).toMatchObject({ images: 3 });
    const out = join(root, 'out');
    const done = await finishJob(client, () =>
      client.call('datasets.export', { datasetId: imported.datasetId, format: 'voc', outDir: out }),
    );
    expect(done.error).toBeNull();
    const list = (split: string) => readFileSync(join(out, 'ImageSets', 'Segmentation', `${split}.txt`), 'utf8');
    expect(readdirSync(join(out, 'ImageSets', 'Segmentation')).sort()).toEqual(['train.txt', 'trainval.txt', 'val.txt']);
    expect(list('train')).toBe(`${a}\n${b}\n`);
    expect(list('val')).toBe(`${b}\n${c}\n`);
    expect(list('trainval')).toBe(`${a}\n${b}\n${c}\n`);
    const trainval = ImportResult.parse(
      (await finishJob(client, () => client.call('datasets.importVoc', { root: out, name: 'trainval', split: 'trainval' }))).result,
    );
    expect(trainval).toMatchObject({ images: 3, annotated: 3 });
  });

  it('COCO -> store -> COCO: RLE strings, area, bbox, iscrowd, ids and categories identical', async () => {
    const { root, client } = setup();
    const coco = await makeCocoDataset(join(root, 'in'), { n: 4, polygons: false });
    const imported = ImportResult.parse(
      (await finishJob(client, () => client.call('datasets.importCoco', { annotations: coco.annotations, imagesDir: coco.images }))).result,
    );
    const out = join(root, 'out');
    await finishJob(client, () => client.call('datasets.export', { datasetId: imported.datasetId, format: 'coco', outDir: out }));
    const exported = JSON.parse(readFileSync(join(out, 'instances.json'), 'utf8')) as CocoDoc;
    const input = coco.doc;
    expect(exported.images).toEqual(input.images);
    expect([...exported.categories].sort((a, b) => a.id - b.id)).toEqual([...input.categories].sort((a, b) => a.id - b.id));
    expect(exported.annotations).toHaveLength(input.annotations.length);
    for (const [i, a] of input.annotations.entries()) {
      const e = exported.annotations[i] as CocoDoc['annotations'][number];
      expect(e).toMatchObject({
        id: a.id,
        image_id: a.image_id,
        category_id: a.category_id,
        area: a.area,
        bbox: a.bbox,
        iscrowd: a.iscrowd,
      });
      const seg = a.segmentation as { size: number[]; counts: string | number[] };
      const got = e.segmentation as { size: number[]; counts: string };
      expect(got.size).toEqual(seg.size);
      // Compressed input comes back as the same string; uncompressed (crowd) input comes back as
      // the compressed string of the same counts, which decodes to the same runs.
      if (typeof seg.counts === 'string') expect(got.counts).toBe(seg.counts);
      else expect(decodeCounts(got.counts)).toEqual(seg.counts);
    }
    // Second lap: export -> import -> export is byte-identical.
    const again = ImportResult.parse(
      (
        await finishJob(client, () =>
          client.call('datasets.importCoco', { annotations: join(out, 'instances.json'), imagesDir: coco.images, name: 'again' }),
        )
      ).result,
    );
    const out2 = join(root, 'out2');
    await finishJob(client, () => client.call('datasets.export', { datasetId: again.datasetId, format: 'coco', outDir: out2 }));
    expect(readFileSync(join(out2, 'instances.json'), 'utf8')).toBe(readFileSync(join(out, 'instances.json'), 'utf8'));
    expect(readdirSync(out2)).toEqual(['instances.json']);
  });

  it('ground truth with ignore (255) pixels -> COCO: the export says how many images lose them; the rest round-trips exactly', async () => {
    const { root, client, engine } = setup();
    const voc = await makeVocRoot(join(root, 'in'), { n: 3 });
    expect([...voc.labels.values()].every((l) => l.includes(255))).toBe(true);
    const imported = ImportResult.parse((await finishJob(client, () => client.call('datasets.importVoc', { root: voc.root }))).result);
    const out = join(root, 'out');
    const done = await finishJob(client, () =>
      client.call('datasets.export', { datasetId: imported.datasetId, format: 'coco', outDir: out }),
    );
    // COCO has no ignore label (our importer and pycocotools read every annotation, iscrowd too, as its
    // category), so the export cannot write them: it says so instead of dropping them silently.
    expect(ExportResult.parse(done.result)).toMatchObject({ files: 1, images: 3, ignoreLeftOut: 3 });
    const again = ImportResult.parse(
      (
        await finishJob(client, () =>
          client.call('datasets.importCoco', {
            annotations: join(out, 'instances.json'),
            imagesDir: join(voc.root, 'JPEGImages'),
            name: 'viacoco',
          }),
        )
      ).result,
    );
    const back = imagesByName(engine, again.datasetId);
    for (const id of voc.ids) {
      const img = back.get(`${id}.jpg`);
      const labels = sampleLabels(engine, img?.sampleIds[0] as number, img?.height as number, img?.width as number);
      // Exactly the original label map, except that its ignore pixels read back as background.
      expect(Buffer.from(labels).equals(Buffer.from((voc.labels.get(id) as Uint8Array).map((v) => (v === 255 ? 0 : v))))).toBe(true);
    }
    // Ground truth without ignore pixels leaves nothing out.
    const out2 = join(root, 'out2');
    const clean = await finishJob(client, () =>
      client.call('datasets.export', { datasetId: again.datasetId, format: 'coco', outDir: out2 }),
    );
    expect(ExportResult.parse(clean.result)).toMatchObject({ images: 3, ignoreLeftOut: 0 });
  });
});

describe('ground truth -> COCO -> ground truth keeps which images are scored, and the scores', () => {
  it('an image annotated all background is listed without annotations and reads back annotated; one without ground truth is left out and counted', async () => {
    const { root, client, engine } = setup();
    const [W, H] = [32, 24];
    const images = join(root, 'images');
    const masks = join(root, 'masks');
    const preds = join(root, 'preds');
    for (const d of [images, masks, preds]) mkdirSync(d);
    const palette = vocPalette();
    // a: an object; b: annotated as all background; c: no mask (not annotated, not scored).
    for (const name of ['a', 'b', 'c']) await writeSolidImage(join(images, `${name}.png`), W, H, [100, 100, 100]);
    writePaletteMask(join(masks, 'a.png'), W, H, rectLabels(W, H, { x: 4, y: 4, w: 12, h: 10 }, 1), palette);
    writePaletteMask(join(masks, 'b.png'), W, H, new Uint8Array(W * H), palette);
    // The run predicts a shifted object on a and a false positive on b (scored only while b is annotated).
    writePaletteMask(join(preds, 'a.png'), W, H, rectLabels(W, H, { x: 6, y: 4, w: 12, h: 10 }, 1), palette);
    writePaletteMask(join(preds, 'b.png'), W, H, rectLabels(W, H, { x: 0, y: 0, w: 8, h: 8 }, 1), palette);
    writePaletteMask(join(preds, 'c.png'), W, H, rectLabels(W, H, { x: 0, y: 0, w: 8, h: 8 }, 1), palette);
    const folder = ImportResult.parse(
      (await finishJob(client, () => client.call('datasets.importFolder', { dir: images, masksDir: masks, name: 'folder' }))).result,
    );
    expect(folder).toMatchObject({ images: 3, annotated: 2 });
    const scored = async (c: TesseraClient, datasetId: number): Promise<{ images: number; miou: number | null }> => {
      const imported = await finishJob(c, () => c.call('runs.importPredictions', { datasetId, run: 'run', format: 'png', path: preds }));
      const runId = Number(imported.result?.['runId']);
      const scores = await c.call('metrics.scores', { datasetId, runId });
      return { images: scores.images, miou: scores.semantic?.miou ?? null };
    };
    const before = await scored(client, folder.datasetId);
    expect(before.images).toBe(2);

    const out = join(root, 'coco');
    const done = await finishJob(client, () =>
      client.call('datasets.export', { datasetId: folder.datasetId, format: 'coco', outDir: out }),
    );
    expect(ExportResult.parse(done.result)).toMatchObject({ images: 2, unannotatedLeftOut: 1, ignoreLeftOut: 0 });
    const doc = JSON.parse(readFileSync(join(out, 'instances.json'), 'utf8')) as CocoDoc;
    expect(doc.images.map((i) => i.file_name)).toEqual(['a.png', 'b.png']);
    const back = ImportResult.parse(
      (
        await finishJob(client, () =>
          client.call('datasets.importCoco', { annotations: join(out, 'instances.json'), imagesDir: images, name: 'viacoco' }),
        )
      ).result,
    );
    // b has no annotation in the file: a COCO image is exhaustively annotated, so it is all background.
    expect(back).toMatchObject({ images: 2, annotated: 2 });
    const b = imagesByName(engine, back.datasetId).get('b.png');
    expect(sampleLabels(engine, b?.sampleIds[0] as number, H, W).every((v) => v === 0)).toBe(true);
    const after = await scored(client, back.datasetId);
    expect(after).toEqual(before);
  });
});

/** COCO counts string -> run lengths, written from the format description (LEB128-like, 6 bits/char, delta from index 3). */
function decodeCounts(s: string): number[] {
  const out: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = 1;
    while (more) {
      const c = s.charCodeAt(p) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = c & 0x20;
      p++;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (out.length > 2) x += out[out.length - 2] as number;
    out.push(x);
  }
  return out;
}

describe('VOC export -> import keeps the classes (labelmap.txt)', () => {
  it("a COCO dataset's categories, renamed and recoloured, come back by name and colour with the same label maps", async () => {
    const { root, client, engine } = setup();
    const coco = await makeCocoDataset(join(root, 'in'), { n: 3 });
    const imported = ImportResult.parse(
      (await finishJob(client, () => client.call('datasets.importCoco', { annotations: coco.annotations, imagesDir: coco.images }))).result,
    );
    await client.call('classes.update', { datasetId: imported.datasetId, index: 2, name: 'tram: line 7', color: [12, 34, 56] });
    const classes = await client.call('classes.list', { datasetId: imported.datasetId });
    expect(classes.map((c) => c.name)).toEqual(['background', 'car', 'tram: line 7', 'kite']);

    const out = join(root, 'voc');
    await finishJob(client, () => client.call('datasets.export', { datasetId: imported.datasetId, format: 'voc', outDir: out }));
    expect(readFileSync(join(out, 'labelmap.txt'), 'utf8')).toBe(
      `# label:color_rgb:parts:actions\n${classes.map((c) => `${c.name}:${c.color.join(',')}::`).join('\n')}\n`,
    );
    const again = ImportResult.parse(
      (await finishJob(client, () => client.call('datasets.importVoc', { root: out, name: 'again' }))).result,
    );
    expect(again).toMatchObject({ images: 3, annotated: 3 });
    // Before labelmap.txt these came back as VOC's background, aeroplane, bicycle, bird.
    expect(await client.call('classes.list', { datasetId: again.datasetId })).toEqual(classes);
    const before = imagesByName(engine, imported.datasetId);
    const after = imagesByName(engine, again.datasetId);
    for (const [file, image] of before) {
      const back = after.get(file);
      expect(back, file).toBeDefined();
      expect(
        Buffer.from(sampleLabels(engine, back!.sampleIds[0]!, back!.height, back!.width)).equals(
          Buffer.from(sampleLabels(engine, image.sampleIds[0]!, image.height, image.width)),
        ),
      ).toBe(true);
    }
  });

  it('a label value beyond the labelmap is refused naming both files; a bad labelmap line names its line; nothing is imported', async () => {
    const { root, client } = setup();
    const voc = await makeVocRoot(join(root, 'in'), { n: 3 });
    // makeVocRoot's masks use VOC classes up to 20: a labelmap of three classes leaves most of them out.
    writeFileSync(
      join(voc.root, 'labelmap.txt'),
      '# label:color_rgb:parts:actions\nbackground:0,0,0::\nroad:128,64,128::\ncar:0,0,142::\n',
    );
    const highest = Math.max(...[...voc.labels.values()].flatMap((l) => [...l].filter((v) => v !== 255)));
    expect(highest).toBeGreaterThan(2);
    const refused = await finishJob(client, () => client.call('datasets.importVoc', { root: voc.root }));
    expect(refused.status).toBe('failed');
    expect(refused.error?.message).toMatch(
      /SegmentationClass\/.*\.png: label value \d+ \(\d+ pixels\) is not a class of .*labelmap\.txt \(0\.\.2, 255 = ignore\)$/,
    );
    writeFileSync(join(voc.root, 'labelmap.txt'), 'background:0,0,0::\nroad:128,64::\n');
    const bad = await finishJob(client, () => client.call('datasets.importVoc', { root: voc.root }));
    expect(bad.error?.message).toMatch(/labelmap\.txt:2: class "road": colour "128,64" is not r,g,b with values 0-255$/);
    expect(await client.call('datasets.list', {})).toEqual([]);
  });
});
