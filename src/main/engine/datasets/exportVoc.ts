import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { vocColor } from '../../../shared/domain';
import type { JobContext } from '../jobs/JobRunner';
import { paintLabelMap } from '../masks/labelMap';
import { writePalettePng } from '../masks/png';
import type { Rle } from '../masks/rle';
import { datasetClasses, datasetImages, imageIdsTagged } from '../store/repos/datasetReads';
import type { StoreDeps } from './staging';

export interface ExportCounts {
  files: number;
  images: number;
  /** A run's export: images it covers but has no results for (an unfinished run), left out. */
  unpredicted?: number;
  /** COCO ground truth: images whose ignore (255) pixels COCO cannot hold, so they were not written. */
  ignoreLeftOut?: number;
  /** COCO ground truth: images without ground truth, not listed (a listed image without annotations is all background). */
  unannotatedLeftOut?: number;
}

/** 256 colours: the dataset's class colours over the VOC colour map (so 255 is 224,224,192). */
function paletteFor(deps: StoreDeps, datasetId: number): Array<[number, number, number]> {
  const palette = Array.from({ length: 256 }, (_, i) => vocColor(i));
  for (const c of datasetClasses(deps.db, datasetId)) palette[c.index] = c.color;
  return palette;
}

function stem(fileName: string): string {
  return basename(fileName, extname(fileName));
}

/**
 * The images a run covers: those tagged with the subset it was run on (image or sample tag), else
 * every image of the dataset.
 */
function runScope(deps: StoreDeps, datasetId: number, runId: number): (imageId: number) => boolean {
  const subset = deps.repos.runs.get(runId)?.params['subset'];
  if (typeof subset !== 'string') return () => true;
  const ids = new Set(imageIdsTagged(deps.db, datasetId, subset));
  return (imageId) => ids.has(imageId);
}

/**
 * Whether a run has results for a sample. A complete run has, for every sample: it stores no region
 * for background, so a sample without regions is an all-background prediction. An unfinished run
 * (running, failed, cancelled: a process killed mid-run) has results only for the samples it stored
 * regions or heatmaps for, as eval scores it (metrics/evaluationSet.ts).
 */
export function runHasResult(deps: StoreDeps, runId: number): (sampleId: number | undefined) => boolean {
  if (deps.repos.runs.get(runId)?.status === 'complete') return () => true;
  const done = deps.repos.predictions.doneSampleIds(runId);
  return (sampleId) => sampleId !== undefined && done.has(sampleId);
}

/**
 * Ground truth as a VOC root (JPEGImages copies, SegmentationClass palette PNGs whose palette index
 * is the class, ImageSets/Segmentation/<split>.txt), which `import voc` reads back exactly. With a
 * run: one palette PNG per image the run covers, <image stem>.png, all background (0) where it
 * predicted nothing, which `import predictions --format png` reads back; an unfinished run's images
 * without results are left out (not written as background) and counted in `unpredicted`.
 */
export async function exportVoc(
  deps: StoreDeps,
  datasetId: number,
  runId: number | undefined,
  outDir: string,
  ctx: JobContext,
): Promise<ExportCounts> {
  const palette = paletteFor(deps, datasetId);
  const images = datasetImages(deps.db, datasetId);
  const masksDir = runId === undefined ? join(outDir, 'SegmentationClass') : outDir;
  await mkdir(masksDir, { recursive: true });
  if (runId === undefined) await mkdir(join(outDir, 'JPEGImages'), { recursive: true });
  const splits = new Map<string, string[]>();
  const inScope = runId === undefined ? () => true : runScope(deps, datasetId, runId);
  const hasResult = runId === undefined ? () => true : runHasResult(deps, runId);
  let files = 0;
  let written = 0;
  let unpredicted = 0;
  for (const [i, image] of images.entries()) {
    ctx.signal.throwIfAborted();
    ctx.progress(i, images.length, 'writing PNGs');
    if (!inScope(image.id)) continue;
    const sampleId = image.sampleIds[0];
    if (!hasResult(sampleId)) {
      unpredicted++;
      continue;
    }
    const regions: Array<{ classIdx: number; rle: Rle }> =
      sampleId === undefined
        ? []
        : runId === undefined
          ? deps.repos.annotations.currentForSample(sampleId)
          : deps.repos.predictions.forSample(runId, sampleId);
    if (runId === undefined) {
      await copyFile(image.path, join(outDir, 'JPEGImages', image.fileName));
      files++;
      const list = splits.get(image.split ?? 'all') ?? [];
      list.push(stem(image.fileName));
      splits.set(image.split ?? 'all', list);
    }
    // Ground truth: an image without annotations has no mask. A run: an empty prediction is a mask of background.
    if (runId === undefined && regions.length === 0) continue;
    const labels = paintLabelMap(regions, image.height, image.width);
    await writeFile(join(masksDir, `${stem(image.fileName)}.png`), writePalettePng(labels, image.width, image.height, palette));
    files++;
    written++;
  }
  if (runId === undefined) {
    await mkdir(join(outDir, 'ImageSets', 'Segmentation'), { recursive: true });
    for (const [split, ids] of splits) {
      await writeFile(join(outDir, 'ImageSets', 'Segmentation', `${split}.txt`), `${ids.join('\n')}\n`);
      files++;
    }
  }
  ctx.progress(images.length, images.length, 'done');
  return runId === undefined ? { files, images: images.length } : { files, images: written, unpredicted };
}
