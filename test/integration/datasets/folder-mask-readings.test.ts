/**
 * Folder imports of masks as other datasets' files hold them (probe X): soft, anti-aliased binary
 * masks (refused as class indices; read at a threshold on request), ADE20K's 0 = unlabelled (mmseg's
 * reduce_zero_label on request, a note otherwise), masks the folder holds but no image takes (listed),
 * and 0/255 prediction files on a dataset of more than two classes (refused, as any 255). Scores are
 * checked against a plain confusion matrix written here (mmseg's definition, DESIGN §5).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImportResult } from '../../../src/shared';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir, writeGreyMask, writeSolidImage } from '../../helpers/fixtures';
import { refMmsegMiou } from '../../helpers/reference';
import { encode } from 'fast-png';
import { engineInternals } from '../../../src/main/engine/internals';

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

function rowCounts(s: Setup): number[] {
  const db = engineInternals(s.engine).db;
  return ['datasets', 'classes', 'images', 'annotations'].map((t) => db.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get() as number);
}

/** A disc drawn at 8x and averaged down: 0 outside, 255 inside, in-between values along its edge. */
function softDisc(cx: number, cy: number, r: number): Uint8Array {
  const out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      let inside = 0;
      for (let sy = 0; sy < 8; sy++)
        for (let sx = 0; sx < 8; sx++) if ((x + (sx + 0.5) / 8 - cx) ** 2 + (y + (sy + 0.5) / 8 - cy) ** 2 <= r * r) inside++;
      out[y * W + x] = Math.round((255 * inside) / 64);
    }
  return out;
}

async function images(root: string, stems: string[], ext = 'png'): Promise<string> {
  const dir = join(root, 'images');
  mkdirSync(dir, { recursive: true });
  for (const stem of stems) await writeSolidImage(join(dir, `${stem}.${ext}`), W, H, [90, 120, 150]);
  return dir;
}

function folder(root: string, name: string, files: Record<string, Uint8Array>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, values] of Object.entries(files)) writeGreyMask(join(dir, file), W, H, values);
  return dir;
}

async function importFolder(s: Setup, input: Record<string, unknown>) {
  return finishJob(s.client, () => s.client.call('datasets.importFolder', input as { dir: string }));
}

async function scoreRun(s: Setup, datasetId: number, path: string, run = 'p') {
  const done = await finishJob(s.client, () => s.client.call('runs.importPredictions', { datasetId, run, format: 'png', path }));
  if (done.error !== null) return { error: done.error.message, miou: null };
  const runId = Number(done.result?.['runId']);
  const evaluated = await finishJob(s.client, () => s.client.call('metrics.evaluate', { datasetId, runId }));
  expect(evaluated.error).toBeNull();
  const scores = await s.client.call('metrics.scores', { datasetId, runId });
  return { error: null, miou: scores.semantic?.miou ?? null };
}

describe('folder import: soft (anti-aliased) binary masks', () => {
  const discs = [softDisc(12.37, 10.81, 7.3), softDisc(25.13, 15.42, 9.6), softDisc(20.71, 19.29, 5.2)]; // 35, 41, 18 edge values
  const preds = [softDisc(13.1, 10.2, 7), softDisc(24.3, 14.6, 9), softDisc(21.2, 19.1, 6)].map((m) => m.map((v) => (v > 127 ? 255 : 0)));

  it('refuses them as class indices, in one line naming the masks and --mask-threshold; nothing is written', async () => {
    const s = setup();
    const dir = await images(s.root, ['a', 'b', 'c']);
    const masks = folder(s.root, 'masks', { 'a.png': discs[0]!, 'b.png': discs[1]!, 'c.png': discs[2]! });
    const before = rowCounts(s);
    const done = await importFolder(s, { dir, masksDir: masks, name: 'soft' });
    expect(done.status).toBe('failed');
    expect(done.error?.message).toMatch(
      /^3 mask\(s\) look like soft \(anti-aliased\) binary masks \(a\.png, b\.png, c\.png\).*--mask-threshold 127/,
    );
    expect(rowCounts(s)).toEqual(before);
    expect(engineInternals(s.engine).db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('reads them at --mask-threshold as background/foreground, scoring as the thresholded masks do', async () => {
    const s = setup();
    const dir = await images(s.root, ['a', 'b', 'c']);
    const masks = folder(s.root, 'masks', { 'a.png': discs[0]!, 'b.png': discs[1]!, 'c.png': discs[2]! });
    const done = await importFolder(s, { dir, masksDir: masks, name: 'soft', maskThreshold: 127 });
    expect(done.error).toBeNull();
    const result = ImportResult.parse(done.result);
    expect(result).toMatchObject({ images: 3, annotated: 3, notes: [] });
    expect((await s.client.call('classes.list', { datasetId: result.datasetId })).map((c) => c.name)).toEqual(['background', 'foreground']);
    const predDir = folder(s.root, 'preds', { 'a.png': preds[0]!, 'b.png': preds[1]!, 'c.png': preds[2]! });
    const { miou } = await scoreRun(s, result.datasetId, predDir);
    const expected = refMmsegMiou(
      discs.map((gt, i) => ({ gt: gt.map((v) => (v > 127 ? 1 : 0)), pred: preds[i]!.map((v) => (v === 255 ? 1 : 0)) })),
      2,
    );
    expect(expected).toBeGreaterThan(0.5);
    expect(miou).toBeCloseTo(expected, 12);
  });

  it('does not take class-index masks for soft ones: regions of many classes with 255 borders import as they are', async () => {
    const s = setup();
    const dir = await images(s.root, ['a', 'b']);
    const blocks = (offset: number): Uint8Array => {
      const m = new Uint8Array(W * H);
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++)
          m[y * W + x] = x % 5 === 4 || y % 5 === 4 ? 255 : 1 + ((offset + Math.floor(x / 5) + 8 * Math.floor(y / 5)) % 180);
      return m;
    };
    const done = await importFolder(s, { dir, masksDir: folder(s.root, 'masks', { 'a.png': blocks(0), 'b.png': blocks(50) }) });
    expect(done.error).toBeNull();
    expect(ImportResult.parse(done.result).annotated).toBe(2);
  });

  it('does not take thin structures of a few classes (lane markings, 1 pixel wide) for soft masks', async () => {
    const s = setup();
    const dir = await images(s.root, ['a', 'b']);
    const lanes = (shift: number): Uint8Array => {
      const m = new Uint8Array(W * H);
      for (let c = 1; c <= 12; c++) for (let y = 0; y < H; y++) m[y * W + ((3 * c + shift + (y >> 3)) % W)] = c;
      return m;
    };
    const done = await importFolder(s, { dir, masksDir: folder(s.root, 'masks', { 'a.png': lanes(0), 'b.png': lanes(1) }) });
    expect(done.error).toBeNull();
    expect((await s.client.call('classes.list', { datasetId: ImportResult.parse(done.result).datasetId })).length).toBe(13);
  });
});

describe('folder import: ADE20K-style masks (0 = unlabelled)', () => {
  // Values 1..150 in blocks, 0 (other) between them; predictions in mmseg's reduced space (0..149).
  const gt = (seed: number): Uint8Array => {
    const m = new Uint8Array(W * H);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        m[y * W + x] = (x + y) % 7 === 0 ? 0 : 1 + ((seed * 37 + Math.floor(x / 4) * 11 + Math.floor(y / 6) * 29) % 150);
    return m;
  };
  const gts = [gt(1), gt(2), gt(3)];
  gts[0]![1] = 150; // every class present somewhere: predictions may use 0..149
  const preds = gts.map((m, i) => m.map((v, k) => (k % (5 + i) === 0 ? (v + 3) % 150 : v === 0 ? 7 : v - 1)));

  it('--reduce-zero-label scores as mmseg does (0 ignored, v is class v-1); without it a note names the option', async () => {
    const s = setup();
    const dir = await images(s.root, ['ADE_val_1', 'ADE_val_2', 'ADE_val_3'], 'jpg');
    const masks = folder(s.root, 'masks', { 'ADE_val_1.png': gts[0]!, 'ADE_val_2.png': gts[1]!, 'ADE_val_3.png': gts[2]! });
    const predDir = folder(s.root, 'preds', { 'ADE_val_1.png': preds[0]!, 'ADE_val_2.png': preds[1]!, 'ADE_val_3.png': preds[2]! });

    const reduced = await importFolder(s, { dir, masksDir: masks, name: 'ade', reduceZeroLabel: true });
    expect(reduced.error).toBeNull();
    const r = ImportResult.parse(reduced.result);
    expect(r.notes).toEqual([]);
    const classes = await s.client.call('classes.list', { datasetId: r.datasetId });
    const top = 150;
    expect(classes).toHaveLength(top); // values 1..150 are classes 0..149
    expect(classes[0]!.name).toBe('class 0');
    const expected = refMmsegMiou(
      gts.map((g, i) => ({ gt: g.map((v) => (v === 0 ? 255 : v - 1)), pred: preds[i]! })),
      150,
    );
    expect((await scoreRun(s, r.datasetId, predDir)).miou).toBeCloseTo(expected, 12);

    const plain = await importFolder(s, { dir, masksDir: masks, name: 'ade-plain' });
    expect(ImportResult.parse(plain.result).notes).toEqual([
      `label 0 is scored as a class ("background") among ${top + 1}; if 0 marks unlabelled pixels (ADE20K and other datasets mmseg reads with reduce_zero_label), import with --reduce-zero-label`,
    ]);
  });

  it('refuses --reduce-zero-label with --mask-threshold, and either without masks, before reading a file', async () => {
    const s = setup();
    const dir = await images(s.root, ['a']);
    const masks = folder(s.root, 'masks', { 'a.png': gts[0]! });
    const both = await importFolder(s, { dir, masksDir: masks, reduceZeroLabel: true, maskThreshold: 127 });
    expect(both.error?.message).toBe('--mask-threshold and --reduce-zero-label read masks in two different ways: choose one');
    const none = await importFolder(s, { dir, reduceZeroLabel: true });
    expect(none.error?.message).toBe('--reduce-zero-label reads masks: give --masks DIR');
    expect(rowCounts(s)[0]).toBe(0);
  });
});

describe('folder import: masks no image takes are listed', () => {
  it('matches <stem>.PNG, lists a JPEG mask, a mask named otherwise and a subfolder, and notes the images left without mask', async () => {
    const s = setup();
    const dir = await images(s.root, ['a', 'b', 'c', 'd']);
    const mask = new Uint8Array(W * H).fill(1, 0, 300);
    const masks = folder(s.root, 'masks', { 'a.PNG': mask, 'b.png': mask, 'd_mask.png': mask });
    writeFileSync(join(masks, 'c.jpg'), Buffer.from([0xff, 0xd8, 0xff]));
    mkdirSync(join(masks, 'val'));
    const done = await importFolder(s, { dir, masksDir: masks, name: 'misc' });
    expect(done.error).toBeNull();
    const result = ImportResult.parse(done.result);
    expect(result.annotated).toBe(2);
    expect(result.skipped).toEqual([
      { file: join(masks, 'd_mask.png'), reason: 'mask matches no image (masks are named <image stem>.png)' },
      {
        file: join(masks, 'c.jpg'),
        reason:
          'not a PNG: masks must be PNG (lossless), so its image has no mask; binary masks saved as JPEG are read with --mask-threshold T (grey value > T is the object)',
      },
      { file: join(masks, 'val'), reason: 'folder (subfolders are not searched)' },
    ]);
    expect(result.notes).toEqual([
      '2 of 4 images have no mask (c.png, d.png): they are not scored (eval counts only images with ground truth)',
    ]);
  });

  it('refuses two masks for one image (a.png and a.PNG), naming both; nothing is written', async () => {
    const s = setup();
    const dir = await images(s.root, ['a']);
    const mask = new Uint8Array(W * H).fill(1, 0, 300);
    const masks = folder(s.root, 'masks', { 'a.png': mask, 'a.PNG': mask });
    const done = await importFolder(s, { dir, masksDir: masks });
    expect(done.error?.message).toMatch(/two masks for the image stem "a" \(a\.PNG, a\.png\); keep one$/);
    expect(rowCounts(s)[0]).toBe(0);
  });

  it('names non-PNG masks and subfolders when no mask matches', async () => {
    const s = setup();
    const dir = await images(s.root, ['a']);
    const masks = join(s.root, 'masks');
    mkdirSync(join(masks, 'val'), { recursive: true });
    writeFileSync(join(masks, 'a.jpg'), Buffer.from([0xff, 0xd8, 0xff]));
    const done = await importFolder(s, { dir, masksDir: masks });
    expect(done.error?.message).toBe(
      `${masks}: no mask PNG matches any image name (expected <image stem>.png, e.g. a.png); 1 non-PNG file(s) named after images (a.jpg): masks must be PNG (lossless); binary masks saved as JPEG are read with --mask-threshold T (grey value > T is the object); 1 subfolder(s) (val) are not searched`,
    );
  });
});

describe('prediction PNGs of 0 and 255', () => {
  it('are binary on a dataset of two classes and refused, as any 255, on a dataset of more', async () => {
    const s = setup();
    const dir = await images(s.root, ['a']);
    const threeClasses = new Uint8Array(W * H).fill(1, 0, 400).fill(2, 600, 900);
    const multi = await importFolder(s, { dir, masksDir: folder(s.root, 'masks3', { 'a.png': threeClasses }), name: 'three' });
    const twoClasses = new Uint8Array(W * H).fill(255, 0, 400);
    const binary = await importFolder(s, { dir, masksDir: folder(s.root, 'masks2', { 'a.png': twoClasses }), name: 'two' });
    const pred = folder(s.root, 'pred', { 'a.png': new Uint8Array(W * H).fill(255, 0, 500) });

    const onMulti = await scoreRun(s, ImportResult.parse(multi.result).datasetId, pred);
    expect(onMulti.error).toBe(
      `${join(pred, 'a.png')}: value 255 (500 pixels) is not a class of the dataset (0..2); predictions cannot mark pixels as ignore (a file of 0 and 255 is a binary mask only on a dataset of two classes)`,
    );
    const onBinary = await scoreRun(s, ImportResult.parse(binary.result).datasetId, pred);
    expect(onBinary.miou).toBeCloseTo((700 / 800 + 400 / 500) / 2, 12);
  });
});

describe('folder import: 2- and 4-bit greyscale masks', () => {
  /** A greyscale PNG of `depth` bits holding `values` as its samples (as pypng or imageio write them). */
  function lowBitGrey(path: string, values: Uint8Array, depth: 2 | 4): void {
    const perByte = 8 / depth;
    const rowBytes = Math.ceil(W / perByte);
    const packed = new Uint8Array(rowBytes * H);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        packed[y * rowBytes + Math.floor(x / perByte)]! |= values[y * W + x]! << (8 - depth * ((x % perByte) + 1));
    writeFileSync(path, encode({ width: W, height: H, data: packed, depth, channels: 1 }));
  }

  it('are read scaled, as Pillow reads them, and a note says so and what to save instead', async () => {
    const s = setup();
    const dir = await images(s.root, ['a', 'b']);
    const masks = join(s.root, 'masks');
    mkdirSync(masks);
    const classes = Uint8Array.from({ length: W * H }, (_, k) => (k % W < 20 ? 1 : k % W < 30 ? 2 : 0));
    lowBitGrey(join(masks, 'a.png'), classes, 4);
    lowBitGrey(join(masks, 'b.png'), classes, 4);
    const done = await importFolder(s, { dir, masksDir: masks });
    expect(done.error).toBeNull();
    const result = ImportResult.parse(done.result);
    expect(result.notes).toContain(
      '2 mask(s) are 4-bit greyscale PNGs (a.png, b.png): their values are scaled to 0..255 as the PNG standard, Pillow, OpenCV and mmseg read them (4-bit 1 is 17, 15 is 255 = ignore; 2-bit 1 is 85); if they hold class indices, save them as 8-bit or palette PNGs',
    );
    // Pillow's values: 1 -> 17 and 2 -> 34, so the classes run 0..34.
    expect((await s.client.call('classes.list', { datasetId: result.datasetId })).length).toBe(35);
  });
});

describe('folder import and predictions: 1-bit greyscale PNGs', () => {
  /** A 1-bit greyscale PNG of 0/1 samples, as PIL saves `Image.fromarray(mask.astype(bool))` (mode "1"). */
  function oneBit(path: string, values: Uint8Array): void {
    const rowBytes = Math.ceil(W / 8);
    const packed = new Uint8Array(rowBytes * H);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) if (values[y * W + x] === 1) packed[y * rowBytes + (x >> 3)]! |= 0x80 >> (x % 8);
    writeFileSync(path, encode({ width: W, height: H, data: packed, depth: 1, channels: 1 }));
  }

  it('read 0/1 as Pillow and mmseg read them (class 1, not ignore) beside multi-class masks, and 0/255 at a threshold', async () => {
    // Probe AC: such masks were read 0/255 (the PNG standard's scaling), so beside masks of classes
    // 0..2 with 255 their class-1 pixels became ignore and every score differed from mmseg's.
    const s = setup();
    const dir = await images(s.root, ['a', 'b']);
    const multi = Uint8Array.from({ length: W * H }, (_, k) => (k % W < 10 ? 1 : k % W < 20 ? 2 : k % W < 22 ? 255 : 0));
    const object = Uint8Array.from({ length: W * H }, (_, k) => (k % W >= 5 && k % W < 25 && Math.floor(k / W) < 20 ? 1 : 0));
    const masks = folder(s.root, 'masks', { 'a.png': multi });
    oneBit(join(masks, 'b.png'), object);
    const done = await importFolder(s, { dir, masksDir: masks });
    expect(done.error).toBeNull();
    const datasetId = ImportResult.parse(done.result).datasetId;
    expect((await s.client.call('classes.list', { datasetId })).map((c) => c.index)).toEqual([0, 1, 2]);
    // A 1-bit prediction on this dataset of three classes: its 1 is class 1 (mmseg reads it so).
    const pred = join(s.root, 'pred');
    mkdirSync(pred);
    const shifted = Uint8Array.from({ length: W * H }, (_, k) => (k % W >= 8 && k % W < 28 && Math.floor(k / W) < 20 ? 1 : 0));
    oneBit(join(pred, 'a.png'), shifted);
    oneBit(join(pred, 'b.png'), shifted);
    const scored = await scoreRun(s, datasetId, pred);
    expect(scored.error).toBeNull();
    expect(scored.miou).toBeCloseTo(
      refMmsegMiou(
        [
          { gt: multi, pred: shifted },
          { gt: object, pred: shifted },
        ],
        3,
      ),
      12,
    );
    // --mask-threshold reads grey levels as Pillow's convert('L') and cv2 give them: 1-bit 1 is 255 > 127.
    const t = setup();
    const tDir = await images(t.root, ['b']);
    const tMasks = join(t.root, 'masks');
    mkdirSync(tMasks);
    oneBit(join(tMasks, 'b.png'), object);
    const thresholded = await importFolder(t, { dir: tDir, masksDir: tMasks, maskThreshold: 127 });
    expect(thresholded.error).toBeNull();
    const tId = ImportResult.parse(thresholded.result).datasetId;
    const area = (await t.client.call('images.page', { datasetId: tId })).items[0];
    const blob = await t.engine.blobs.read({ kind: 'labelmap', imageId: area!.id, source: 'gt' });
    expect(Array.from(blob.bytes)).toEqual(Array.from(object));
  });
});
