/**
 * Generated VOC-like scoring data for `npm run bench -- eval` and the numpy parity test: N palette
 * ground-truth PNGs (class indices, 255 outlines) and N grey prediction PNGs (500x375 by default,
 * 21 classes), deterministic, written once into a cache folder, plus the store rows a VOC import
 * of the same ground truth would hold.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from '../src/main/engine/engine';
import { labelMapToRles, writeGreyPng, writePalettePng } from '../src/main/engine/masks';
import { engineInternals } from '../src/main/engine/internals';

export interface ScoringData {
  gtDir: string;
  predDir: string;
  stems: string[];
  width: number;
  height: number;
  classes: number;
}

/** xorshift32 in [0, 1): the benches' deterministic generator. */
export function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

/** Objects as rectangles with a 3-px ignore outline (VOC style); the prediction shifts them and sometimes swaps a class. */
export function scene(rand: () => number, W: number, H: number, C: number): { gt: Uint8Array; pred: Uint8Array } {
  const gt = new Uint8Array(W * H);
  const pred = new Uint8Array(W * H);
  const objects = 1 + Math.floor(rand() * 4);
  for (let o = 0; o < objects; o++) {
    const c = 1 + Math.floor(rand() * (C - 1));
    const w = Math.max(2, Math.floor(W * (0.08 + rand() * 0.44)));
    const h = Math.max(2, Math.floor(H * (0.1 + rand() * 0.48)));
    const x0 = Math.floor(rand() * (W - w));
    const y0 = Math.floor(rand() * (H - h));
    for (let y = Math.max(0, y0 - 3); y < Math.min(H, y0 + h + 3); y++) {
      for (let x = Math.max(0, x0 - 3); x < Math.min(W, x0 + w + 3); x++) {
        const inside = x >= x0 && x < x0 + w && y >= y0 && y < y0 + h;
        gt[y * W + x] = inside ? c : 255;
      }
    }
    const pc = rand() < 0.2 ? 1 + Math.floor(rand() * (C - 1)) : c;
    const dx = Math.floor(rand() * 21) - 10;
    const dy = Math.floor(rand() * 21) - 10;
    for (let y = Math.max(0, y0 + dy); y < Math.min(H, y0 + h + dy); y++)
      pred.fill(pc, y * W + Math.max(0, x0 + dx), y * W + Math.min(W, x0 + w + dx));
    // Some speckle, so predictions are not only rectangles.
    for (let k = 0; k < 40; k++) pred[Math.floor(rand() * W * H)] = Math.floor(rand() * C);
  }
  return { gt, pred };
}

/** VOC's palette layout: 256 entries, 255 (ignore) light. */
const PALETTE: Array<[number, number, number]> = Array.from({ length: 256 }, (_, i) =>
  i === 255 ? [224, 224, 192] : [(i * 37) % 256, (i * 91) % 256, (i * 53) % 256],
);

/** Writes (or finds already written) `count` GT/prediction pairs under `root`. */
export function scoringData(
  count: number,
  opts: { root?: string; width?: number; height?: number; classes?: number; seed?: number } = {},
): ScoringData {
  const width = opts.width ?? 500;
  const height = opts.height ?? 375;
  const classes = opts.classes ?? 21;
  const seed = opts.seed ?? 1449;
  const root = opts.root ?? join(tmpdir(), 'tessera-bench-cache', `scoring-v1-${count}-${width}x${height}-${classes}-${seed}`);
  const gtDir = join(root, 'SegmentationClass');
  const predDir = join(root, 'predictions');
  const stems = Array.from({ length: count }, (_, i) => `2008_${String(i).padStart(6, '0')}`);
  const done = join(root, '.complete');
  if (!existsSync(done)) {
    mkdirSync(gtDir, { recursive: true });
    mkdirSync(predDir, { recursive: true });
    const rand = random(seed);
    for (const stem of stems) {
      const { gt, pred } = scene(rand, width, height, classes);
      writeFileSync(join(gtDir, `${stem}.png`), writePalettePng(gt, width, height, PALETTE));
      writeFileSync(join(predDir, `${stem}.png`), writeGreyPng(pred, width, height));
    }
    writeFileSync(done, '');
  }
  if (readdirSync(predDir).length !== count) throw new Error(`${predDir}: expected ${count} PNGs (delete ${root} to regenerate)`);
  return { gtDir, predDir, stems, width, height, classes };
}

/**
 * The dataset a VOC import of `data`'s ground truth holds: one image row per stem (no image file is
 * opened by prediction import or evaluation) and the GT label map as per-class RLE regions.
 */
export function seedScoringDataset(engine: Engine, data: ScoringData, readGt: (stem: string) => Uint8Array, name = 'voc-like'): number {
  const { repos, db } = engineInternals(engine);
  return db.transaction(() => {
    const datasetId = repos.datasets.create({ name, format: 'voc', task: 'semantic', sourcePath: null });
    repos.datasets.addClasses(
      datasetId,
      Array.from({ length: data.classes }, (_, i) => ({ index: i, name: `c${i}`, color: [i, i, i] as [number, number, number] })),
    );
    data.stems.forEach((stem, i) => {
      const imageId = repos.images.create({
        datasetId,
        path: `/bench/JPEGImages/${stem}.jpg`,
        fileName: `${stem}.jpg`,
        sha256: `s${i}`,
        bytes: 1,
        width: data.width,
        height: data.height,
      });
      const sampleId = repos.images.createSample(imageId);
      for (const p of labelMapToRles(readGt(stem), data.height, data.width)) {
        if (p.classIdx !== 0) repos.annotations.create({ sampleId, classIdx: p.classIdx, rle: p.rle, area: p.area, bbox: p.bbox });
      }
    });
    return datasetId;
  })();
}
