/**
 * A generated large workspace for the gallery benchmark and the event-loop tests: N images of one
 * semantic dataset (21 classes), each with its semantic sample, 2-3 ground-truth regions, a complete
 * run's 2-3 predicted regions and its metric rows (fingerprinted as evaluation does, so score reads
 * find them fresh), a tag on every 10th image and a spread of review states. Written straight through
 * the store in one transaction (what importers and evaluation would write), without image files:
 * gallery reads never open them.
 */
import { createEngine, type Engine } from '../src/main/engine/engine';
import { labelMapToRles, type ClassRle } from '../src/main/engine/masks';
import { cyrb53, sampleFingerprint } from '../src/main/engine/metrics/evaluationSet';
import { metricRowsStore } from '../src/main/engine/store/repos/metricRows';
import type { CountRow } from '../src/main/engine/metrics/sampleCounts';
import { engineInternals } from '../src/main/engine/internals';

export interface GalleryWorkspace {
  datasetId: number;
  runId: number;
  /** A second run with predictions on every other image and no metric rows. */
  partialRunId: number;
  images: number;
  classes: number;
  tag: string;
}

const W = 64;
const H = 48;
const CLASSES = 21;
const STATES = ['unreviewed', 'unreviewed', 'in-review', 'reviewed', 'rejected'] as const;

/** Label maps of a background and 1-2 boxes, as per-class RLEs (a few shapes, reused). */
function shapes(count: number): ClassRle[][] {
  const out: ClassRle[][] = [];
  for (let k = 0; k < count; k++) {
    const labels = new Uint8Array(W * H);
    const boxes = 1 + (k % 2);
    for (let b = 0; b < boxes; b++) {
      const c = 1 + ((k * 7 + b * 5) % (CLASSES - 1));
      const x0 = (k * 3 + b * 17) % (W - 20);
      const y0 = (k * 5 + b * 11) % (H - 16);
      for (let y = y0; y < y0 + 14 + (k % 3); y++) labels.fill(c, y * W + x0, y * W + x0 + 18 + (k % 4));
    }
    out.push(labelMapToRles(labels, H, W));
  }
  return out;
}

/** Fills `engine`'s store with `count` images (see the module comment). Takes seconds, not minutes, at 100k. */
export function fillGalleryWorkspace(engine: Engine, count: number): GalleryWorkspace {
  const { db, repos } = engineInternals(engine);
  const gt = shapes(37);
  const pred = shapes(41);
  const tag = 'hard';
  const insertImageTag = db.prepare('INSERT INTO image_tags (image_id, tag_id) VALUES (?, ?)');
  const setState = db.prepare('UPDATE images SET review_state = ? WHERE id = ?');
  const insertPrediction = db.prepare(
    'INSERT INTO predictions (run_id, sample_id, class_idx, instance, height, width, rle, area, score) VALUES (?, ?, ?, 0, ?, ?, ?, ?, NULL)',
  );
  const metrics = metricRowsStore(db);
  return db.transaction((): GalleryWorkspace => {
    const datasetId = repos.datasets.create({ name: `gallery-${count}`, format: 'voc', task: 'semantic', sourcePath: null });
    repos.datasets.addClasses(
      datasetId,
      Array.from({ length: CLASSES }, (_, i) => ({
        index: i,
        name: `class${i}`,
        color: [i * 12, 255 - i * 12, 128] as [number, number, number],
      })),
    );
    const tagId = Number(db.prepare('INSERT INTO tags (name, color) VALUES (?, NULL)').run(tag).lastInsertRowid);
    const runId = repos.runs.create({ datasetId, name: 'model-a', source: 'import', status: 'complete' });
    const partialRunId = repos.runs.create({ datasetId, name: 'model-b', source: 'import', status: 'cancelled' });
    for (let n = 0; n < count; n++) {
      const fileName = `img_${String(n).padStart(6, '0')}.jpg`;
      const imageId = repos.images.create({
        datasetId,
        path: `/generated/${fileName}`,
        fileName,
        sha256: cyrb53(fileName).padEnd(64, '0'),
        bytes: 12_345,
        width: W,
        height: H,
      });
      const sampleId = repos.images.createSample(imageId);
      if (n % 10 === 3) insertImageTag.run(imageId, tagId);
      const state = STATES[n % STATES.length] ?? 'unreviewed';
      if (state !== 'unreviewed') setState.run(state, imageId);
      // Every 50th image has no ground truth (and so no metric rows).
      const gtRegions = n % 50 === 7 ? [] : (gt[n % gt.length] ?? []);
      const gtIds: number[] = [];
      for (const r of gtRegions)
        gtIds.push(repos.annotations.create({ sampleId, classIdx: r.classIdx, rle: r.rle, area: r.area, bbox: r.bbox }));
      const predRegions = pred[n % pred.length] ?? [];
      for (const r of predRegions) insertPrediction.run(runId, sampleId, r.classIdx, H, W, r.rle.counts, r.area);
      if (n % 2 === 0) for (const r of predRegions) insertPrediction.run(partialRunId, sampleId, r.classIdx, H, W, r.rle.counts, r.area);
      if (gtIds.length === 0) continue;
      const rev = sampleFingerprint(db, runId, sampleId);
      const classes = new Set([...gtRegions.map((r) => r.classIdx), ...predRegions.map((r) => r.classIdx)]);
      const rows: CountRow[] = [];
      for (const c of classes) {
        const g = gtRegions.find((r) => r.classIdx === c)?.area ?? 0;
        const p = predRegions.find((r) => r.classIdx === c)?.area ?? 0;
        const tp = Math.max(0, Math.min(g, p) - (n % 13));
        rows.push({ classIdx: c, tp, fp: p - tp, fn: g - tp, gtPixels: g });
      }
      metrics.replaceSample(runId, sampleId, rev, rows, 'semantic');
    }
    return { datasetId, runId, partialRunId, images: count, classes: CLASSES, tag };
  })();
}

/** A new workspace at `dir` holding a generated gallery of `count` images. */
export function createGalleryWorkspace(dir: string, count: number): { engine: Engine; gallery: GalleryWorkspace } {
  const engine = createEngine({ workspace: dir, create: true });
  return { engine, gallery: fillGalleryWorkspace(engine, count) };
}
