/**
 * Prediction files as toolboxes write them (probe Y): probability maps and JPEG-noisy masks on a
 * referring dataset (refused as masks, read at --mask-threshold), mmseg's format_only files of a
 * reduce_zero_label dataset (class + 1: --reduce-zero-label, a note when no file holds 0), COCO
 * results for a part of the dataset (a note), and a folder nothing in which matches (its files named).
 * Scores are checked against plain computations written here (LISA's gIoU/cIoU, mmseg's mIoU).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImportResult } from '../../../src/shared';
import { PredictionsImportResult } from '../../../src/shared/api/methods/datasets';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir, writeGreyMask, writeSolidImage } from '../../helpers/fixtures';
import { refMmsegMiou } from '../../helpers/reference';
import { makeCocoDataset } from './generate';
import { encodeMask } from '../../../src/main/engine/masks/rle';

const W = 40;
const H = 30;
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup() {
  const t = tempDir();
  const { engine, client } = openTestEngine(join(t.dir, 'ws'));
  cleanups.push(t.cleanup, () => engine.close());
  return { root: t.dir, engine, client };
}
type Setup = ReturnType<typeof setup>;

function folder(root: string, name: string, files: Record<string, Uint8Array>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, values] of Object.entries(files)) writeGreyMask(join(dir, file), W, H, values);
  return dir;
}

async function importRun(s: Setup, input: Record<string, unknown>) {
  const done = await finishJob(s.client, () => s.client.call('runs.importPredictions', input as never));
  return { error: done.error?.message ?? null, result: done.error === null ? PredictionsImportResult.parse(done.result) : null };
}

async function scores(s: Setup, datasetId: number, runId: number) {
  const evaluated = await finishJob(s.client, () => s.client.call('metrics.evaluate', { datasetId, runId }));
  expect(evaluated.error).toBeNull();
  return s.client.call('metrics.scores', { datasetId, runId });
}

/** A box target on a ReasonSeg image, and a soft map around it: sigmoid of a distance, as many RIS codebases save. */
const BOXES = [
  { x0: 5, y0: 4, x1: 20, y1: 16 },
  { x0: 12, y0: 8, x1: 33, y1: 25 },
];
function softMap(b: (typeof BOXES)[number], shift: number): Uint8Array {
  const m = new Uint8Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const inside = Math.min(x - b.x0 - shift, b.x1 - 1 - x + shift, y - b.y0, b.y1 - 1 - y); // > 0 inside
      m[y * W + x] = Math.round(255 / (1 + Math.exp(-(inside + 0.5) * 1.3)));
    }
  return m;
}

async function reasonSeg(s: Setup): Promise<number> {
  const dir = join(s.root, 'rs', 'val');
  mkdirSync(dir, { recursive: true });
  for (const [k, b] of BOXES.entries()) {
    await writeSolidImage(join(dir, `r${k}.jpg`), W, H, [90, 90, 90]);
    const points = [
      [b.x0, b.y0],
      [b.x1, b.y0],
      [b.x1, b.y1],
      [b.x0, b.y1],
    ];
    writeFileSync(
      join(dir, `r${k}.json`),
      JSON.stringify({ text: ['the box'], is_sentence: false, shapes: [{ label: 'target', points, shape_type: 'polygon' }] }),
    );
  }
  const done = await finishJob(s.client, () => s.client.call('datasets.importReasonSeg', { dir: join(s.root, 'rs'), name: 'rs' }));
  return ImportResult.parse(done.result).datasetId;
}

describe('referring predictions that are not masks of two values', () => {
  it('are refused, naming their values and --mask-threshold, and score at the threshold as LISA scores the thresholded masks', async () => {
    const s = setup();
    const datasetId = await reasonSeg(s);
    const maps = BOXES.map((b, k) => softMap(b, k + 1));
    const preds = folder(s.root, 'soft', { 'r0.png': maps[0]!, 'r1.png': maps[1]! });
    const refused = await importRun(s, { datasetId, run: 'soft', format: 'png', path: preds });
    expect(refused.error).toMatch(
      /r0\.png: holds \d+ values \(0, .*, 25\d\), not a mask of two \(0 and the target, as LISA's 0\/100 or 0\/255\): a probability map, or a mask once saved as JPEG\? --mask-threshold T/,
    );
    const read = await importRun(s, { datasetId, run: 'soft', format: 'png', path: preds, maskThreshold: 127 });
    expect(read.error).toBeNull();
    const got = await scores(s, datasetId, read.result!.runId);
    // LISA: I and U of the foreground per pair; gIoU the mean IoU, cIoU sum I / sum U. GT: ReasonSeg's
    // polygon as the store holds it (a box: the rasterized polygon covers [x0, x1] x [y0, y1]).
    let sumI = 0;
    let sumU = 0;
    let sumIoU = 0;
    for (const [k, b] of BOXES.entries()) {
      let i = 0;
      let u = 0;
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const gt = x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1;
          const p = maps[k]![y * W + x]! > 127;
          if (gt && p) i++;
          if (gt || p) u++;
        }
      sumI += i;
      sumU += u;
      sumIoU += i / u;
    }
    expect(got.referring?.pairs).toBe(2);
    expect(got.referring?.giou).toBeCloseTo(sumIoU / 2, 12);
    expect(got.referring?.ciou).toBeCloseTo(sumI / sumU, 12);
  });

  it('a 0/100 mask with JPEG-like noise (15 values) is refused; --mask-threshold on a dataset of many classes is refused before any file is read', async () => {
    const s = setup();
    const datasetId = await reasonSeg(s);
    const noisy = new Uint8Array(W * H);
    for (let k = 0; k < noisy.length; k++) noisy[k] = k % 97 === 0 ? 1 + (k % 13) : k < 300 ? 100 : 0;
    const refused = await importRun(s, { datasetId, run: 'n', format: 'png', path: folder(s.root, 'noisy', { 'r0.png': noisy }) });
    expect(refused.error).toMatch(/r0\.png: holds 15 values \(0, 1, 2, 3, 4, …, 100\)/);

    const coco = await makeCocoDataset(join(s.root, 'coco'));
    const imported = await finishJob(s.client, () =>
      s.client.call('datasets.importCoco', { annotations: coco.annotations, imagesDir: coco.images, name: 'coco' }),
    );
    const cocoId = ImportResult.parse(imported.result).datasetId;
    const wrong = await importRun(s, { datasetId: cocoId, run: 't', format: 'png', path: join(s.root, 'noisy'), maskThreshold: 127 });
    expect(wrong.error).toBe(
      '--mask-threshold reads binary masks: dataset "coco" has 4 classes (it applies to referring datasets and datasets of two classes)',
    );
  });
});

describe("mmseg's format_only files of a reduce_zero_label dataset (class + 1)", () => {
  // ADE-style GT: 0 = other, 1..6 classes; imported with --reduce-zero-label as classes 0..5.
  const gts = [0, 1, 2].map((seed) => {
    const m = new Uint8Array(W * H);
    for (let k = 0; k < m.length; k++) m[k] = (k + seed) % 11 === 0 ? 0 : 1 + ((Math.floor((k % W) / 7) + seed) % 6);
    return m;
  });
  // A model's raw output (0..5) that never predicts the last class, and mmseg's format_only of it (+1).
  const raw = gts.map((g, i) => g.map((v, k) => (k % (4 + i) === 0 ? 0 : v === 0 ? 1 : Math.min(v - 1, 4))));
  const formatOnly = raw.map((r) => r.map((v) => v + 1));

  async function ade(s: Setup): Promise<number> {
    const images = join(s.root, 'images');
    mkdirSync(images, { recursive: true });
    for (let i = 0; i < 3; i++) await writeSolidImage(join(images, `ADE_${i}.jpg`), W, H, [80, 80, 80]);
    const masks = folder(s.root, 'ann', Object.fromEntries(gts.map((g, i) => [`ADE_${i}.png`, g])));
    const done = await finishJob(s.client, () =>
      s.client.call('datasets.importFolder', { dir: images, masksDir: masks, name: 'ade', reduceZeroLabel: true }),
    );
    return ImportResult.parse(done.result).datasetId;
  }

  /** mmseg with reduce_zero_label: GT 0 ignored, v read as v - 1; the raw predictions as they are. */
  function mmsegMiou(): number {
    return refMmsegMiou(
      gts.map((g, i) => ({ gt: Uint8Array.from(g, (v) => (v === 0 ? 255 : v - 1)), pred: raw[i]! })),
      6,
    );
  }

  it('read with --reduce-zero-label score as mmseg does; read as they are, a note says no file holds 0', async () => {
    const s = setup();
    const datasetId = await ade(s);
    const dir = folder(s.root, 'format_only', Object.fromEntries(formatOnly.map((p, i) => [`ADE_${i}.png`, p])));
    const plain = await importRun(s, { datasetId, run: 'plain', format: 'png', path: dir });
    expect(plain.result?.notes).toEqual([
      'none of the 3 files holds 0 (class 0 "class 0"), and the dataset\'s masks were imported with --reduce-zero-label: files written as class + 1 (mmseg\'s format_only) are off by one class; import them again with --reduce-zero-label',
    ]);
    const shifted = await importRun(s, { datasetId, run: 'shifted', format: 'png', path: dir, reduceZeroLabel: true });
    expect(shifted.result?.notes).toBeUndefined();
    expect((await scores(s, datasetId, shifted.result!.runId)).semantic?.miou).toBeCloseTo(mmsegMiou(), 12);
    const rawDir = folder(s.root, 'raw', Object.fromEntries(raw.map((p, i) => [`ADE_${i}.png`, p])));
    const asRaw = await importRun(s, { datasetId, run: 'raw', format: 'png', path: rawDir });
    expect(asRaw.result?.notes).toBeUndefined();
    expect((await scores(s, datasetId, asRaw.result!.runId)).semantic?.miou).toBeCloseTo(mmsegMiou(), 12);
  });

  it('raw class indices with --reduce-zero-label are refused at their 0; a format_only value past the classes names the option', async () => {
    const s = setup();
    const datasetId = await ade(s);
    const rawDir = folder(s.root, 'raw', { 'ADE_0.png': raw[0]! });
    const refused = await importRun(s, { datasetId, run: 'r', format: 'png', path: rawDir, reduceZeroLabel: true });
    expect(refused.error).toMatch(/ADE_0\.png: value 0 \(\d+ pixels\): --reduce-zero-label reads files written as class \+ 1/);
    const top = folder(s.root, 'top', { 'ADE_0.png': new Uint8Array(W * H).fill(6) });
    const past = await importRun(s, { datasetId, run: 't', format: 'png', path: top });
    expect(past.error).toBe(
      `${join(top, 'ADE_0.png')}: value 6 (1200 pixels) is not a class of the dataset (0..5); the dataset's masks were imported with --reduce-zero-label: files written as class + 1 (mmseg's format_only) need --reduce-zero-label`,
    );
  });
});

describe('prediction files that cover part of the dataset, or nothing', () => {
  it('COCO results for some images: a note counts the images without a result', async () => {
    const s = setup();
    const coco = await makeCocoDataset(join(s.root, 'coco'), { n: 4 });
    const imported = await finishJob(s.client, () =>
      s.client.call('datasets.importCoco', { annotations: coco.annotations, imagesDir: coco.images, name: 'coco' }),
    );
    const datasetId = ImportResult.parse(imported.result).datasetId;
    const box = new Uint8Array(W * H).fill(1, 0, 200);
    const results = [500, 503].map((image_id) => ({ image_id, category_id: 3, segmentation: encodeMask(box, H, W), score: 0.9 }));
    const file = join(s.root, 'results.json');
    writeFileSync(file, JSON.stringify(results));
    const run = await importRun(s, { datasetId, run: 'half', format: 'coco-results', path: file });
    expect(run.result?.notes).toEqual([
      '2 of 4 images have no result (000000001002.png, 000000001003.png): they are scored as predicted all background',
    ]);
    // Results without a score (a toolbox that drops them): the import says in which order they are painted.
    const unscored = join(s.root, 'unscored.json');
    writeFileSync(
      unscored,
      JSON.stringify([500, 503, 506, 509].map((image_id) => ({ image_id, category_id: 3, segmentation: encodeMask(box, H, W) }))),
    );
    expect((await importRun(s, { datasetId, run: 'unscored', format: 'coco-results', path: unscored })).result?.notes).toEqual([
      "4 of 4 result(s) have no score: painted under the scored ones, by class index and then in file order within a class (where they overlap, a higher class index covers a lower one, whatever the file's order)",
    ]);
  });

  it("COCO results as toolboxes write them without the dataset's mapping: the message names the dataset's ids or the format", async () => {
    const s = setup();
    const coco = await makeCocoDataset(join(s.root, 'coco'), { n: 2 });
    const imported = await finishJob(s.client, () =>
      s.client.call('datasets.importCoco', { annotations: coco.annotations, imagesDir: coco.images, name: 'coco' }),
    );
    const datasetId = ImportResult.parse(imported.result).datasetId;
    const rle = encodeMask(new Uint8Array(W * H).fill(1, 0, 200), H, W);
    const refused = async (results: unknown[]): Promise<string | null> => {
      const file = join(s.root, `r${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(file, JSON.stringify(results));
      return (await importRun(s, { datasetId, run: 'r', format: 'coco-results', path: file })).error;
    };
    expect(await refused([{ image_id: 500, category_id: 0, segmentation: rle, score: 0.9 }])).toMatch(
      /result 0: category_id 0 is not a category of the dataset \(its COCO ids: 3, 7, 11; a toolbox's contiguous 0- or 1-based ids need its mapping back to the dataset's ids\)$/,
    );
    expect(await refused([{ image_id: 500, category_id: 3, bbox: [1, 2, 3, 4], score: 0.9 }])).toMatch(
      /result 0: no segmentation \(bbox-only results cannot be painted as masks\)$/,
    );
    expect(await refused([{ file_name: '000000001000.png', category_id: 3, segmentation: rle }])).toMatch(
      /result 0: "image_id" is missing, expected an integer \(a result per file name, as detectron2's sem_seg_predictions\.json or SAM's masks: import those as PNG label maps\)$/,
    );
  });

  it('a folder nothing in which matches: the error names what it holds and the name expected', async () => {
    const s = setup();
    const datasetId = await reasonSeg(s);
    const mask = new Uint8Array(W * H).fill(255, 0, 100);
    const lisaNames = folder(s.root, 'lisa', { 'r0_mask_0.png': mask, 'r1_mask_0.png': mask });
    expect((await importRun(s, { datasetId, run: 'a', format: 'png', path: lisaNames })).error).toBe(
      `${lisaNames}: no predictions match any image of dataset "rs" (expected <image stem>.png, e.g. r0.png); found 2 other file(s): r0_mask_0.png: no image of the dataset has this name; r1_mask_0.png: no image of the dataset has this name`,
    );
    const jpegs = join(s.root, 'jpegs');
    mkdirSync(jpegs);
    await writeSolidImage(join(jpegs, 'r0_mask_0.jpg'), W, H, [0, 0, 0]);
    expect((await importRun(s, { datasetId, run: 'b', format: 'png', path: jpegs })).error).toBe(
      `${jpegs}: no predictions match any image of dataset "rs" (expected <image stem>.png, e.g. r0.png); it holds no .png file (found r0_mask_0.jpg)`,
    );
  });
});

/** An .npy file as numpy writes it (format 1.0, header padded to 64 bytes), written by hand here. */
function npy(path: string, descr: string, shape: number[], data: Buffer): void {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + dict.length + 1) % 64);
  const header = `${dict}${' '.repeat(pad % 64)}\n`;
  const head = Buffer.alloc(10);
  Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([head, Buffer.from(header, 'latin1'), data]));
}

describe('.npy files that are not heatmaps', () => {
  it('a class map (int64 [H,W], argmax saved) and a channel-last [H,W,C] are refused, saying what to save; a float [H,W] map is a heatmap', async () => {
    const s = setup();
    const images = join(s.root, 'images');
    mkdirSync(images, { recursive: true });
    await writeSolidImage(join(images, 'a.png'), W, H, [80, 80, 80]);
    const labels = new Uint8Array(W * H).map((_, k) => k % 3);
    const done = await finishJob(s.client, () =>
      s.client.call('datasets.importFolder', { dir: images, masksDir: folder(s.root, 'masks', { 'a.png': labels }), name: 'three' }),
    );
    const datasetId = ImportResult.parse(done.result).datasetId;

    const classMap = join(s.root, 'classmap');
    mkdirSync(classMap);
    const int64 = Buffer.alloc(W * H * 8);
    labels.forEach((v, k) => int64.writeBigInt64LE(BigInt(v), k * 8));
    npy(join(classMap, 'a.npy'), '<i8', [H, W], int64);
    expect((await importRun(s, { datasetId, run: 'c', format: 'npy', path: classMap })).error).toBe(
      `${join(classMap, 'a.npy')}: holds class indices (int64 [H,W], every value a class of the dataset): a class map, not a heatmap; save it as a grey PNG (PIL Image.fromarray(a.astype(np.uint8))) and import --format png to score it`,
    );

    const hwc = join(s.root, 'hwc');
    mkdirSync(hwc);
    npy(join(hwc, 'a.npy'), '<f4', [H, W, 3], Buffer.alloc(W * H * 3 * 4));
    expect((await importRun(s, { datasetId, run: 'h', format: 'npy', path: hwc })).error).toBe(
      `${join(hwc, 'a.npy')}: the array has shape (${H}, ${W}, 3): channel-last [H,W,C] at the image's size (${H}x${W}); heatmaps are [C,H,W] or [H,W]: save np.transpose(a, (2, 0, 1))`,
    );

    const maps = join(s.root, 'maps');
    mkdirSync(maps);
    const f32 = Buffer.alloc(W * H * 4);
    for (let k = 0; k < W * H; k++) f32.writeFloatLE((k % 7) / 7, k * 4);
    npy(join(maps, 'a.npy'), '<f4', [H, W], f32);
    const ok = await importRun(s, { datasetId, run: 'm', format: 'npy', path: maps });
    expect(ok.error).toBeNull();
    expect(ok.result?.heatmaps).toBe(1);
  });
});
