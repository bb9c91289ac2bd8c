import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobContext } from '../jobs/JobRunner';
import { paintLabelMap } from '../masks/labelMap';
import { encodeMask, rleArea, rleBbox, type Rle } from '../masks/rle';
import {
  datasetClasses,
  datasetImages,
  datasetRegions,
  maxNumericRegionId,
  requireDataset,
  samplesWithGroundTruth,
  type DatasetClass,
  type DatasetImage,
} from '../store/repos/datasetReads';
import type { StoreDeps } from './staging';
import { runHasResult, runScope, type ExportCounts } from './exportVoc';

const IGNORE = 255;

/** Class 0 names that mean "background" (compared trimmed, case-insensitive). */
const BACKGROUND_NAMES = new Set([
  'background',
  '_background_',
  'bg',
  'unlabeled',
  'unlabelled',
  'void',
  'other',
  'others',
  'none',
  'ignore',
]);

/** What an export does with the dataset's classes: whether class 0 is left out as background, and each class's category id. */
export interface CocoCategories {
  /** Class 0 is background: it has no category, and its regions and result rows are not written. */
  zeroIsBackground: boolean;
  /** Class index -> COCO category id (also for an index without a class, as predictions could hold). */
  categoryId(classIdx: number): number;
  /** One line saying how class 0 was written, when it was written as a category. */
  note: string | null;
}

/**
 * Class 0 is background, and left out as before, when it is one: a COCO import's class 0 (the
 * importer's background, which no COCO category maps to; still so when renamed), a referring
 * dataset's (its masks are target vs background), or a class 0 named like background
 * (BACKGROUND_NAMES). Category ids are then kept as they were: the imported COCO id, else the class
 * index. Any other class 0 is a real class (COCO-Stuff's stuffthingmaps: 0 = person, 1..181, 255
 * unlabeled) and is written like every other class, with COCO-Stuff's numbering: category id =
 * class index + 1 for every class without an imported id; a class with one keeps it, and a class
 * whose index + 1 is such a kept id takes the next free id above the largest. The store keeps no
 * region for class 0 (it is what no region covers), so its annotation is computed per image (class0Rle).
 */
export function cocoCategories(dataset: { format: string; task: string }, classes: readonly DatasetClass[]): CocoCategories {
  const zero = classes.find((c) => c.index === 0);
  const zeroIsBackground =
    zero === undefined || dataset.format === 'coco' || dataset.task === 'referring' || BACKGROUND_NAMES.has(zero.name.trim().toLowerCase());
  if (zeroIsBackground) {
    const kept = new Map(classes.map((c) => [c.index, c.externalId ?? c.index]));
    return { zeroIsBackground, categoryId: (classIdx) => kept.get(classIdx) ?? classIdx, note: null };
  }
  const ids = new Map<number, number>();
  const keptIds = new Map<number, DatasetClass>();
  for (const c of classes) if (c.externalId !== null) keptIds.set(c.externalId, c);
  let top = Math.max(0, ...keptIds.keys(), ...classes.map((c) => c.index + 1));
  for (const c of classes) ids.set(c.index, c.externalId ?? (keptIds.has(c.index + 1) ? ++top : c.index + 1));
  const zeroId = ids.get(0) as number;
  const taken = zeroId === 1 ? undefined : keptIds.get(1);
  const rule = keptIds.size > 0 ? 'class index + 1 for a class without an imported COCO id' : 'class index + 1';
  const note =
    `class 0 "${zero.name}" exported as COCO category ${zeroId} (category id = ${rule}, as in COCO-Stuff` +
    `${taken === undefined ? '' : `; id 1 is taken by "${taken.name}"`}); a class 0 named "background" is left out`;
  return { zeroIsBackground, categoryId: (classIdx) => ids.get(classIdx) ?? classIdx + 1, note };
}

/** Integer external ids when every image has a distinct one (a COCO import), else 1..N. */
function cocoImageIds(images: DatasetImage[]): Map<number, number> {
  const ids = images.map((i) => (i.externalId !== null && /^\d+$/.test(i.externalId) ? Number(i.externalId) : NaN));
  const usable = ids.every((n) => Number.isSafeInteger(n)) && new Set(ids).size === ids.length;
  return new Map(images.map((image, k) => [image.id, usable ? (ids[k] as number) : k + 1]));
}

/** Writes a JSON document piece by piece so a large export never holds the whole text. */
function jsonWriter(path: string) {
  const out = createWriteStream(path);
  // A write error (a full disk) arrives as an event: keep it and fail the next write or close. A
  // stream's write errors carry no path (an open error does): give it the file's, so the job says
  // "<file>: file too large…" instead of "internal error".
  let failed: Error | null = null;
  out.on('error', (err: NodeJS.ErrnoException) => {
    err.path ??= path;
    failed ??= err;
  });
  let buffered: string[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    if (failed !== null) throw failed;
    if (buffered.length === 0) return;
    const text = buffered.join('');
    buffered = [];
    size = 0;
    if (!out.write(text))
      await new Promise<void>((r, reject) => {
        const onError = (err: Error): void => reject(err);
        out.once('error', onError);
        out.once('drain', () => {
          out.off('error', onError);
          r();
        });
      });
    if (failed !== null) throw failed;
  };
  return {
    async write(text: string): Promise<void> {
      buffered.push(text);
      size += text.length;
      if (size > 1 << 20) await flush();
    },
    async close(): Promise<void> {
      try {
        await flush();
      } catch (err) {
        out.destroy();
        throw err;
      }
      await new Promise<void>((resolveEnd, reject) => {
        if (failed !== null) return reject(failed);
        out.once('error', reject);
        out.end(() => (failed !== null ? reject(failed) : resolveEnd()));
      });
    },
  };
}

/** The pixels of a label map no region covers (or a class-0 region does): class 0's, as one RLE; null when there are none. */
function class0Rle(parts: Array<{ classIdx: number; rle: Rle }>, height: number, width: number): Rle | null {
  const labels = paintLabelMap(parts, height, width);
  if (!labels.includes(0)) return null;
  return encodeMask(
    labels.map((v) => (v === 0 ? 1 : 0)),
    height,
    width,
  );
}

/** COCO counts, plus a note when class 0 is a real class and was written as a category (cocoCategories). */
export interface CocoExportCounts extends ExportCounts {
  notes?: string[];
}

/**
 * COCO instances JSON of the ground truth (segmentation = the stored compressed RLE, which is what
 * pycocotools would give for the same mask; area and bbox as pycocotools computes them; iscrowd
 * and the imported ids kept), or with a run a COCO results JSON (image_id, category_id,
 * segmentation, score). An unfinished run's images without results have no rows and are counted in
 * `unpredicted`. Ignore regions (class 255) have no COCO form: our importer (and pycocotools) reads
 * every annotation, iscrowd ones included, as its category, so they are left out and the images
 * whose label maps hold ignore pixels are counted in `ignoreLeftOut` (they read back as background).
 * An image annotated as all background is listed without annotations, which reads back as such; an
 * image without ground truth is not listed (counted in `unannotatedLeftOut`). That is when class 0
 * is background; a class 0 that is a real class (cocoCategories) is a category like every other,
 * written per annotated sample (per sample with results) as the pixels no region covers, and
 * `notes` says so.
 */
export async function exportCoco(
  deps: StoreDeps,
  datasetId: number,
  runId: number | undefined,
  outDir: string,
  ctx: JobContext,
): Promise<CocoExportCounts> {
  await mkdir(outDir, { recursive: true });
  const images = datasetImages(deps.db, datasetId);
  const imageIds = cocoImageIds(images);
  const classes = datasetClasses(deps.db, datasetId);
  const { zeroIsBackground, categoryId, note } = cocoCategories(requireDataset(deps.db, datasetId), classes);
  // Stored class-0 regions (an all-background image's) are never written as they are: a real class 0
  // is written as the pixels no region covers, one annotation (or result) per sample.
  const skipped = (classIdx: number): boolean => classIdx === IGNORE || classIdx === 0;
  const notes = note === null ? {} : { notes: [note] };
  const imageOfSample = new Map<number, DatasetImage>();
  for (const image of images) for (const s of image.sampleIds) imageOfSample.set(s, image);

  if (runId !== undefined) {
    const w = jsonWriter(join(outDir, 'results.json'));
    await w.write('[');
    let first = true;
    const hasResult = runHasResult(deps, runId);
    // A run started on a subset covers its images only (as eval and the VOC export count it).
    const inScope = runScope(deps, datasetId, runId);
    let unpredicted = 0;
    let outOfScope = 0;
    for (const [i, image] of images.entries()) {
      ctx.progress(i, images.length, 'writing results');
      if (!inScope(image.id)) {
        outOfScope++;
        continue;
      }
      if (!(image.sampleIds.length === 0 ? hasResult(undefined) : image.sampleIds.some((s) => hasResult(s)))) {
        unpredicted++;
        continue;
      }
      for (const sampleId of image.sampleIds) {
        const predicted = deps.repos.predictions.forSample(runId, sampleId);
        for (const p of predicted) {
          if (skipped(p.classIdx)) continue;
          const row = {
            image_id: imageIds.get(image.id),
            category_id: categoryId(p.classIdx),
            segmentation: { size: p.rle.size, counts: p.rle.counts },
            score: p.score ?? 1,
          };
          await w.write(`${first ? '' : ','}\n${JSON.stringify(row)}`);
          first = false;
        }
        // A sample the run has results for: what it predicted nothing on is class 0.
        const zero = zeroIsBackground || !hasResult(sampleId) ? null : class0Rle(predicted, image.height, image.width);
        if (zero !== null) {
          const row = { image_id: imageIds.get(image.id), category_id: categoryId(0), segmentation: zero, score: 1 };
          await w.write(`${first ? '' : ','}\n${JSON.stringify(row)}`);
          first = false;
        }
      }
    }
    await w.write('\n]\n');
    await w.close();
    return { files: 1, images: images.length - outOfScope - unpredicted, unpredicted, ...notes };
  }

  const used = new Set<number>();
  const withIgnore = new Set<number>(); // samples with an ignore region: checked for visible 255 pixels below
  const regions = [...datasetRegions(deps.db, datasetId)];
  // COCO lists exhaustively annotated images (one without annotations reads back as all background,
  // datasets/coco.ts): images without ground truth are left out, unless none has any (unlabelled).
  // An image erased to all background has no current region but is annotated (as eval scores it).
  const annotated = new Set<number>();
  const withGroundTruth = samplesWithGroundTruth(deps.db, datasetId);
  for (const sampleId of withGroundTruth) {
    const image = imageOfSample.get(sampleId);
    if (image !== undefined) annotated.add(image.id);
  }
  const listed = annotated.size === 0 ? images : images.filter((image) => annotated.has(image.id));
  const w = jsonWriter(join(outDir, 'instances.json'));
  await w.write('{"info":{"description":"exported by Tessera"},"images":[');
  for (const [i, image] of listed.entries()) {
    await w.write(
      `${i === 0 ? '' : ','}\n${JSON.stringify({ id: imageIds.get(image.id), file_name: image.fileName, width: image.width, height: image.height })}`,
    );
  }
  await w.write('\n],"annotations":[');
  let first = true;
  // Above every imported id, erased instances' included: a new region never takes an erased instance's id.
  let nextId = maxNumericRegionId(deps.db, datasetId) + 1;
  for (const [i, r] of regions.entries()) {
    if (i % 1000 === 0) {
      ctx.signal.throwIfAborted();
      ctx.progress(i, regions.length, 'writing annotations');
    }
    if (r.classIdx === IGNORE && r.area > 0) withIgnore.add(r.sampleId);
    if (skipped(r.classIdx)) continue;
    const image = imageOfSample.get(r.sampleId) as DatasetImage;
    const rle = { size: [r.height, r.width] as [number, number], counts: r.counts };
    const id = r.externalId !== null && /^\d+$/.test(r.externalId) && !used.has(Number(r.externalId)) ? Number(r.externalId) : nextId++;
    used.add(id);
    const ann = {
      id,
      image_id: imageIds.get(image.id),
      category_id: categoryId(r.classIdx),
      segmentation: rle,
      area: rleArea(rle),
      bbox: rleBbox(rle),
      iscrowd: r.iscrowd ? 1 : 0,
    };
    await w.write(`${first ? '' : ','}\n${JSON.stringify(ann)}`);
    first = false;
  }
  // A real class 0: on each annotated sample, the pixels no region covers.
  if (!zeroIsBackground)
    for (const [i, image] of listed.entries()) {
      if (i % 100 === 0) ctx.signal.throwIfAborted();
      for (const sampleId of image.sampleIds) {
        if (!withGroundTruth.has(sampleId)) continue;
        const rle = class0Rle(deps.repos.annotations.currentForSample(sampleId), image.height, image.width);
        if (rle === null) continue;
        const ann = {
          id: nextId++,
          image_id: imageIds.get(image.id),
          category_id: categoryId(0),
          segmentation: rle,
          area: rleArea(rle),
          bbox: rleBbox(rle),
          iscrowd: 0,
        };
        await w.write(`${first ? '' : ','}\n${JSON.stringify(ann)}`);
        first = false;
      }
    }
  await w.write('\n],"categories":[');
  const categories = classes.filter((c) => c.index !== IGNORE && (c.index !== 0 || !zeroIsBackground));
  await w.write(categories.map((c) => `\n${JSON.stringify({ id: categoryId(c.index), name: c.name })}`).join(','));
  await w.write('\n]}\n');
  await w.close();
  ctx.progress(regions.length, regions.length, 'done');
  return {
    files: 1,
    images: listed.length,
    ignoreLeftOut: imagesShowingIgnore(deps, withIgnore, imageOfSample),
    unannotatedLeftOut: images.length - listed.length,
    ...notes,
  };
}

/** How many of these samples' label maps (regions painted in order) still show ignore pixels. */
function imagesShowingIgnore(deps: StoreDeps, sampleIds: Set<number>, imageOfSample: Map<number, DatasetImage>): number {
  let n = 0;
  for (const sampleId of sampleIds) {
    const image = imageOfSample.get(sampleId) as DatasetImage;
    if (paintLabelMap(deps.repos.annotations.currentForSample(sampleId), image.height, image.width).includes(IGNORE)) n++;
  }
  return n;
}
