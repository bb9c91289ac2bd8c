/**
 * Store-path fixtures for the metric tests: generated label maps imported with the real folder
 * importer (semantic) or written through the repos (referring), runs written through the repos, and
 * the naive per-pixel references the stored scores must agree with. The references share no code
 * with src/main/engine/metrics.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { TesseraClient } from '../../../src/shared';
import type { Engine } from '../../../src/main/engine/engine';
import { encodeMask, labelMapToRles } from '../../../src/main/engine/masks';
import { finishJob } from '../../helpers/engine';
import { writeGreyMask, writeSolidImage } from '../../helpers/fixtures';
import { engineInternals } from '../../../src/main/engine/internals';

/** xorshift32: seeded test inputs. */
export function testRandom(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

/** Region-like label map: background, a few rectangles of random classes, an ignore band on some images. */
export function randomScene(random: () => number, w: number, h: number, classes: number, ignore: boolean): Uint8Array {
  const map = new Uint8Array(w * h);
  const rects = 1 + Math.floor(random() * 4);
  for (let r = 0; r < rects; r++) {
    const c = 1 + Math.floor(random() * (classes - 1));
    const x0 = Math.floor(random() * w);
    const y0 = Math.floor(random() * h);
    const x1 = Math.min(w, x0 + 1 + Math.floor(random() * w * 0.6));
    const y1 = Math.min(h, y0 + 1 + Math.floor(random() * h * 0.6));
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) map[y * w + x] = c;
  }
  if (ignore) for (let x = 0; x < w; x++) map[Math.floor(h / 2) * w + x] = 255;
  return map;
}

/** A prediction: the GT with its ignore pixels filled, some pixels flipped to random classes. */
export function noisyPrediction(random: () => number, gt: Uint8Array, classes: number, flip: number): Uint8Array {
  return gt.map((g) => (random() < flip ? Math.floor(random() * classes) : g === 255 ? 0 : g));
}

export interface SemanticFixture {
  datasetId: number;
  /** Sample ids in file-name order, with their GT maps as written to the mask PNGs. */
  samples: Array<{ sampleId: number; imageId: number; fileName: string; gt: Uint8Array }>;
}

/** Writes images + grey masks and imports them with the folder importer. */
export async function importSemantic(
  client: TesseraClient,
  engine: Engine,
  root: string,
  gts: Uint8Array[],
  size: { w: number; h: number },
  name = 'scenes',
): Promise<SemanticFixture> {
  const images = join(root, `${name}-images`);
  const masks = join(root, `${name}-masks`);
  mkdirSync(images, { recursive: true });
  mkdirSync(masks, { recursive: true });
  for (const [i, gt] of gts.entries()) {
    const stem = `img_${String(i).padStart(3, '0')}`;
    await writeSolidImage(join(images, `${stem}.png`), size.w, size.h, [100 + i, 90, 80]);
    writeGreyMask(join(masks, `${stem}.png`), size.w, size.h, gt);
  }
  const done = await finishJob(client, () => client.call('datasets.importFolder', { dir: images, masksDir: masks, name }));
  expect(done.error).toBeNull();
  const datasetId = Number(done.result?.['datasetId']);
  const rows = engineInternals(engine)
    .db.prepare(
      'SELECT s.id AS sampleId, i.id AS imageId, i.file_name AS fileName FROM samples s JOIN images i ON i.id = s.image_id WHERE i.dataset_id = ? ORDER BY i.file_name',
    )
    .all(datasetId) as Array<{ sampleId: number; imageId: number; fileName: string }>;
  return { datasetId, samples: rows.map((r, i) => ({ ...r, gt: gts[i]! })) };
}

/** A run whose predictions are the given label maps: one region per class present (class 0 too, unless dropBackground). */
export function addSemanticRun(
  engine: Engine,
  datasetId: number,
  name: string,
  preds: ReadonlyMap<number, Uint8Array>,
  size: { w: number; h: number },
  opts: { status?: 'complete' | 'cancelled'; dropBackground?: boolean } = {},
): number {
  const { repos, db } = engineInternals(engine);
  const runId = repos.runs.create({
    datasetId,
    name,
    source: 'import',
    status: opts.status ?? 'complete',
    provenance: { modelSha256: `sha-${name}` },
  });
  db.transaction(() => {
    for (const [sampleId, labels] of preds) {
      const regions = labelMapToRles(labels, size.h, size.w)
        .filter((p) => opts.dropBackground !== true || p.classIdx !== 0)
        .map((p) => ({
          runId,
          sampleId,
          classIdx: p.classIdx,
          rle: p.rle,
          area: p.area,
        }));
      repos.predictions.replaceForSample(runId, sampleId, regions);
    }
  })();
  return runId;
}

export interface ReferringPair {
  query: string;
  /** 0 / 1 / 255 */
  gt: Uint8Array;
  pred: Uint8Array;
}

/** A referring dataset built through the repos: one image per pair, one sample per query. */
export function addReferringDataset(engine: Engine, name: string, pairs: readonly ReferringPair[], size: { w: number; h: number }) {
  const { repos, db } = engineInternals(engine);
  return db.transaction(() => {
    const datasetId = repos.datasets.create({ name, format: 'refcoco', task: 'referring', sourcePath: null });
    repos.datasets.addClasses(datasetId, [
      { index: 0, name: 'background', color: [0, 0, 0] },
      { index: 1, name: 'target', color: [255, 255, 255] },
    ]);
    const runId = repos.runs.create({ datasetId, name: `${name}-run`, source: 'import', status: 'complete' });
    const samples = pairs.map((pair, i) => {
      const imageId = repos.images.create({
        datasetId,
        path: `/nonexistent/${name}_${i}.jpg`,
        fileName: `${name}_${i}.jpg`,
        sha256: `h${i}`,
        bytes: 1,
        width: size.w,
        height: size.h,
      });
      const sampleId = repos.images.createSample(imageId, pair.query);
      for (const value of [1, 255]) {
        const mask = pair.gt.map((v) => (v === value ? 1 : 0));
        if (!mask.some((v) => v === 1)) continue;
        repos.annotations.create({
          sampleId,
          classIdx: value,
          rle: encodeMask(mask, size.h, size.w),
          area: mask.reduce((a, b) => a + b, 0),
          bbox: [0, 0, 0, 0],
        });
      }
      // As the run writers do: an empty prediction stores no region (the run is complete, so it scores as empty).
      const area = pair.pred.reduce((a, b) => a + b, 0);
      if (area > 0)
        repos.predictions.replaceForSample(runId, sampleId, [
          { runId, sampleId, classIdx: 1, rle: encodeMask(pair.pred, size.h, size.w), area },
        ]);
      return { sampleId, imageId };
    });
    return { datasetId, runId, samples };
  })();
}

/** Naive semantic scores: a per-pixel loop into a plain confusion table, each formula written out. */
export function naiveSemantic(pairs: ReadonlyArray<{ gt: Uint8Array; pred: Uint8Array }>, numClasses: number) {
  const conf: number[][] = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (const { gt, pred } of pairs) {
    for (let i = 0; i < gt.length; i++) {
      if (gt[i] === 255) continue;
      conf[gt[i]!]![pred[i]!]!++;
    }
  }
  const perClass = conf.map((row, c) => {
    const tp = row[c]!;
    const gtSum = row.reduce((a, b) => a + b, 0);
    const predSum = conf.reduce((a, r) => a + r[c]!, 0);
    const union = gtSum + predSum - tp;
    return { id: c, tp, gt: gtSum, union, iou: union > 0 ? tp / union : null, acc: gtSum > 0 ? tp / gtSum : null };
  });
  const mean = (xs: number[]): number | null => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const total = perClass.reduce((a, c) => a + c.gt, 0);
  return {
    miou: mean(perClass.filter((c) => c.union > 0).map((c) => c.iou!)),
    miou_gt_classes: mean(perClass.filter((c) => c.gt > 0).map((c) => c.iou!)),
    pixel_acc: total > 0 ? perClass.reduce((a, c) => a + c.tp, 0) / total : null,
    mean_acc: mean(perClass.filter((c) => c.gt > 0).map((c) => c.acc!)),
    fwiou: total > 0 ? perClass.filter((c) => c.gt > 0).reduce((a, c) => a + (c.gt / total) * c.iou!, 0) : null,
    perClass,
  };
}

/** Naive LISA scores: per pair I and U over non-255 pixels; IoU 1 for U = 0. */
export function naiveReferring(pairs: ReadonlyArray<{ gt: Uint8Array; pred: Uint8Array }>) {
  let sumI = 0;
  let sumU = 0;
  const ious = pairs.map(({ gt, pred }) => {
    let i = 0;
    let u = 0;
    for (let k = 0; k < gt.length; k++) {
      if (gt[k] === 255) continue;
      const g = gt[k] === 1;
      const p = pred[k] === 1;
      if (g && p) i++;
      if (g || p) u++;
    }
    sumI += i;
    sumU += u;
    return u === 0 ? 1 : i / u;
  });
  const precision: Record<string, number> = {};
  for (const t of ['0.5', '0.6', '0.7', '0.8', '0.9']) precision[t] = ious.filter((v) => v >= Number(t)).length / ious.length;
  return { giou: ious.reduce((a, b) => a + b, 0) / ious.length, ciou: sumU > 0 ? sumI / sumU : null, ious, precision };
}

/** Expects two nullable numbers to agree to 1e-9 (both null, or both numbers). */
export function expectClose(actual: number | null | undefined, expected: number | null | undefined, what: string): void {
  if (expected === null || expected === undefined) {
    expect(actual ?? null, what).toBeNull();
    return;
  }
  expect(actual, what).not.toBeNull();
  expect(Math.abs(actual! - expected), `${what}: ${actual} vs ${expected}`).toBeLessThan(1e-9);
}
