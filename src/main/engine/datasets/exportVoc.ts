import { mkdir } from 'node:fs/promises';
import { writeExportFile } from './exportStaging';
import { readRegisteredImage } from '../images/imageFile';
import { labelsToRawGrid, swapsAxes, withoutOrientation } from '../images/orientation';
import { basename, extname, join } from 'node:path';
import { vocColor } from '../../../shared/domain';
import type { JobContext } from '../jobs/JobRunner';
import { paintLabelMap } from '../masks/labelMap';
import { writePalettePng } from '../masks/png';
import type { Rle } from '../masks/rle';
import { ApiError } from '../../../shared/api/errors';
import {
  datasetClasses,
  datasetImageSplits,
  datasetImages,
  imageIdsTagged,
  requireDataset,
  samplesWithGroundTruth,
  type DatasetImage,
} from '../store/repos/datasetReads';
import type { StoreDeps } from './staging';
import { hasTable } from '../store/schemaTables';
import { formatLabelmap, LABELMAP_FILE } from './labelmap';

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
 * The VOC id of each image written (its file stem: `<id>.png` masks, JPEGImages/<file>, and for ground
 * truth the ImageSets lists), checked before anything is written. Refused, naming the images: two
 * images with one id (`b.jpg` and `b.png`, `a.jpg` and `sub/a.jpg`: one mask would overwrite the
 * other), an id with whitespace in a ground-truth export (list lines split at whitespace, so
 * `import voc` could not read it back), and images with several queries (a VOC mask is one per image).
 */
function vocIds(images: readonly DatasetImage[], groundTruth: boolean, datasetName: string): Map<number, string> {
  const ids = new Map<number, string>();
  const byId = new Map<string, string>();
  for (const image of images) {
    if (image.sampleIds.length > 1)
      throw new ApiError(
        'INVALID_INPUT',
        `dataset "${datasetName}" has several queries per image (${image.fileName} has ${image.sampleIds.length}); a VOC mask is one per image and cannot say which query it shows`,
      );
    const id = stem(image.fileName);
    if (groundTruth && /\s/.test(id))
      throw new ApiError(
        'INVALID_INPUT',
        `image "${image.fileName}": a VOC id cannot hold whitespace (ImageSets lists split their lines at it, so import voc could not read it back); rename the file, or export --format coco`,
      );
    const other = byId.get(id);
    if (other !== undefined)
      throw new ApiError(
        'INVALID_INPUT',
        `images "${other}" and "${image.fileName}" both have VOC id "${id}" (one ${id}.png would overwrite the other); rename one, or export --format coco`,
      );
    byId.set(id, image.fileName);
    ids.set(image.id, id);
  }
  return ids;
}

/**
 * The images a run covers: those of the samples its starts on a subset asked for (run_samples, as
 * eval scores it), else every image of the dataset. A store read at an older schema: those tagged
 * with the subset it was run on (image or sample tag).
 */
export function runScope(deps: StoreDeps, datasetId: number, runId: number): (imageId: number) => boolean {
  if (hasTable(deps.db, 'run_samples')) {
    const ids = new Set(deps.repos.runs.coveredImageIds(runId));
    return ids.size === 0 ? () => true : (imageId) => ids.has(imageId);
  }
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
 * is the class, ImageSets/Segmentation/<split>.txt, labelmap.txt with the class names and colours),
 * which `import voc` reads back exactly. With a
 * run: one palette PNG per image the run covers, <image stem>.png, all background (0) where it
 * predicted nothing, which `import predictions --format png` reads back; an unfinished run's images
 * without results are left out (not written as background) and counted in `unpredicted`.
 * Both are on the stored pixel grid for JPEG, PNG and WebP images with an EXIF orientation (tag set to 1, masks of
 * oriented-grid images turned back), so the two exports overlap and every reader pairs the same pixels.
 */
export async function exportVoc(
  deps: StoreDeps,
  datasetId: number,
  runId: number | undefined,
  outDir: string,
  ctx: JobContext,
): Promise<ExportCounts> {
  const palette = paletteFor(deps, datasetId);
  const inScope = runId === undefined ? () => true : runScope(deps, datasetId, runId);
  const images = datasetImages(deps.db, datasetId).filter((image) => inScope(image.id));
  // Ground truth only: the ImageSets lists, each image in every list it was imported from.
  const splitsOf = runId === undefined ? datasetImageSplits(deps.db, images, datasetId) : null;
  const dataset = requireDataset(deps.db, datasetId);
  const ids = vocIds(images, runId === undefined, dataset.name);
  // A query's mask is its ground truth even when it is empty (a ReasonSeg sample without shapes is
  // scored as an empty target); a semantic image without regions has no ground truth at all.
  const emptyIsGroundTruth = dataset.task === 'referring';
  // An image erased to all background has ground truth (no current region, a deleted one): an all-0 mask.
  const withGroundTruth = runId === undefined ? samplesWithGroundTruth(deps.db, datasetId) : new Set<number>();
  const masksDir = runId === undefined ? join(outDir, 'SegmentationClass') : outDir;
  await mkdir(masksDir, { recursive: true });
  if (runId === undefined) await mkdir(join(outDir, 'JPEGImages'), { recursive: true });
  const splits = new Map<string, string[]>();
  const hasResult = runId === undefined ? () => true : runHasResult(deps, runId);
  // Images written with their orientation tag set to 1: their masks are written on the stored grid.
  const rawFrame = new Set<number>();
  let files = 0;
  let written = 0;
  let unpredicted = 0;
  for (const [i, image] of images.entries()) {
    ctx.signal.throwIfAborted();
    ctx.progress(i, images.length, 'writing PNGs');
    const id = ids.get(image.id) as string;
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
      // By its base name (a COCO file_name may hold folders): `import voc` looks for JPEGImages/<id>.*.
      // Only the bytes imported (a file changed since is refused, naming it: its masks belong to the old one).
      // With its EXIF orientation tag set to 1 (every other byte as imported), so every reader takes the
      // stored pixels as they are: PIL and imageio ignore the tag, cv2.imread and mmcv apply it, and the
      // masks below are on the stored grid (rawFrame). Masks of an image on the oriented grid are turned back.
      const bytes = await readRegisteredImage(image);
      const upright = image.exifOrientation > 1 ? withoutOrientation(bytes) : null;
      if (upright !== null) rawFrame.add(image.id);
      await writeExportFile(join(outDir, 'JPEGImages', basename(image.fileName)), upright ?? bytes);
      files++;
      // In every list the image was imported from (trainval too, when the import read it).
      const listed = splitsOf?.get(image.id) ?? [];
      for (const split of listed.length > 0 ? listed : ['all']) {
        const list = splits.get(split) ?? [];
        list.push(id);
        splits.set(split, list);
      }
    }
    // Ground truth: an image without annotations has no mask (a query's empty mask, and an image erased to all
    // background, are written). A run: an empty prediction is a mask of background.
    if (runId === undefined && regions.length === 0 && !(sampleId !== undefined && (emptyIsGroundTruth || withGroundTruth.has(sampleId))))
      continue;
    const painted = paintLabelMap(regions, image.height, image.width);
    // A run's masks go on the same grid as the ground truth's export would (the two exports overlap
    // pixel for pixel): an oriented JPEG's, turned back.
    if (
      runId !== undefined &&
      image.grid === 'oriented' &&
      image.exifOrientation > 1 &&
      withoutOrientation(await readRegisteredImage(image)) !== null
    )
      rawFrame.add(image.id);
    const turn = rawFrame.has(image.id) && image.grid === 'oriented';
    const labels = turn ? labelsToRawGrid(painted, image.width, image.height, image.exifOrientation) : painted;
    const [w, h] = turn && swapsAxes(image.exifOrientation) ? [image.height, image.width] : [image.width, image.height];
    await writeExportFile(join(masksDir, `${id}.png`), writePalettePng(labels, w, h, palette));
    files++;
    written++;
  }
  if (runId === undefined) {
    await mkdir(join(outDir, 'ImageSets', 'Segmentation'), { recursive: true });
    // VOC's trainval is the union of train and val: a workspace imported before schema 22 kept one
    // split per image and dropped it, so it is written again when no image has it
    // (`import voc --split trainval` reads the export back). Each id once: an image listed in both
    // train and val (a root without a trainval list, imported at schema 22 or later) is one line.
    const train = splits.get('train');
    const val = splits.get('val');
    if (train !== undefined && val !== undefined && !splits.has('trainval'))
      splits.set('trainval', [...new Set([...train, ...val])].sort());
    // Sorted, as VOC's own lists are (an image's place in the dataset follows the first list naming it).
    for (const [split, ids] of splits) {
      await writeExportFile(join(outDir, 'ImageSets', 'Segmentation', `${split}.txt`), `${[...ids].sort().join('\n')}\n`);
      files++;
    }
    // The classes' names and colours (VOC's own when absent): `import voc` reads them back.
    const labelmap = formatLabelmap(datasetClasses(deps.db, datasetId));
    if (labelmap !== null) {
      await writeExportFile(join(outDir, LABELMAP_FILE), labelmap);
      files++;
    }
  }
  ctx.progress(images.length, images.length, 'done');
  return runId === undefined ? { files, images: images.length } : { files, images: written, unpredicted };
}
