import { basename, extname, join } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import { vocColor, type ImportResult, type SkippedFile } from '../../../shared/domain';
import { allowedSizes, chooseGrid } from '../images/orientation';
import type { JobContext } from '../jobs/JobRunner';
import { readCocoInstances, type CocoImageEntry, type CocoInstances } from './cocoReader';
import { rleFromUncompressed } from '../masks/rle';
import {
  isFile,
  probeAll,
  requireDirectory,
  requireFile,
  requireFreeName,
  stagedOrientationNotes,
  writeStagedDataset,
  type StagedImage,
  type StagedRegion,
  type StoreDeps,
} from './staging';

export interface CocoImportParams {
  annotations: string;
  imagesDir: string;
  name?: string | undefined;
}

/** Class index 0 is background; categories take 1..K in category-id order, keeping their id as external_id. */
export function cocoClasses(
  instances: CocoInstances,
): Array<{ index: number; name: string; color: [number, number, number]; externalId?: number }> {
  if (instances.categories.length > 254) {
    throw new ApiError('INVALID_INPUT', `${instances.label}: ${instances.categories.length} categories; at most 254 fit in a label map`);
  }
  return [
    { index: 0, name: 'background', color: vocColor(0) },
    ...instances.categories.map((c, i) => ({ index: i + 1, name: c.name, color: vocColor(i + 1), externalId: c.id })),
  ];
}

/** Every image entry's file must exist in the image folder; the first missing one fails the import. */
export async function requireImageFiles(
  label: string,
  entries: readonly CocoImageEntry[],
  imagesDir: string,
  ctx: JobContext,
): Promise<void> {
  const missing: CocoImageEntry[] = [];
  for (const [i, e] of entries.entries()) {
    if (i % 256 === 0) ctx.signal.throwIfAborted();
    if (!(await isFile(join(imagesDir, e.fileName)))) missing.push(e);
  }
  const first = missing[0];
  if (first !== undefined) {
    const more = missing.length > 1 ? ` (and ${missing.length - 1} more image file(s) missing)` : '';
    throw new ApiError('NOT_FOUND', `${label}: image ${first.id}: ${first.fileName} not found in ${imagesDir}${more}`, {
      image: first.id,
      file: first.fileName,
    });
  }
}

/**
 * Probes each image and checks its real size against the JSON's width/height, which also picks the
 * image's pixel grid: raw unless the JSON has the EXIF-rotated size (images/orientation.ts).
 */
export async function probeCocoImages(
  label: string,
  entries: CocoImageEntry[],
  imagesDir: string,
  ctx: JobContext,
  skipped: SkippedFile[],
) {
  const probed = await probeAll(
    entries,
    (e) => join(imagesDir, e.fileName),
    (e) => e.fileName,
    ctx,
    skipped,
  );
  return probed.map(({ item, probe }) => {
    const grid = chooseGrid(probe, item, 'raw');
    if (grid === null) {
      throw new ApiError(
        'INVALID_INPUT',
        `${label}: image ${item.id} (${item.fileName}): the file is ${allowedSizes(probe)} but the JSON says ${item.width}x${item.height}`,
        { image: item.id },
      );
    }
    return { item, probe, grid };
  });
}

/**
 * Imports a COCO instances JSON, streamed so memory stays bounded by the annotations kept (as RLE),
 * not the document. Each instance becomes one region (class = its category's index, iscrowd kept,
 * external_id = the annotation id); images are matched by file_name in imagesDir.
 */
export async function importCoco(params: CocoImportParams, deps: StoreDeps, ctx: JobContext): Promise<ImportResult> {
  const file = await requireFile(params.annotations, 'annotation file');
  const imagesDir = await requireDirectory(params.imagesDir, 'image folder');
  const name = params.name ?? basename(file, extname(file));
  requireFreeName(deps, name);

  const label = basename(file);
  const instances = await readCocoInstances(file, {
    signal: ctx.signal,
    onProgress: (done, total) => ctx.progress(done, total, `reading ${label}`),
  });
  const classes = cocoClasses(instances);
  const classOf = new Map(classes.filter((c) => c.externalId !== undefined).map((c) => [c.externalId as number, c.index]));
  await requireImageFiles(label, instances.images, imagesDir, ctx);

  const skipped: SkippedFile[] = [];
  const probed = await probeCocoImages(label, instances.images, imagesDir, ctx, skipped);
  const regionsOf = new Map<number, StagedRegion[]>();
  for (const a of instances.annotations) {
    const list = regionsOf.get(a.imageId) ?? [];
    list.push({
      classIdx: classOf.get(a.categoryId) as number,
      rle: a.rle,
      area: a.area,
      bbox: a.bbox,
      iscrowd: a.iscrowd,
      externalId: String(a.id),
    });
    regionsOf.set(a.imageId, list);
  }
  for (const s of skipped) {
    const entry = instances.images.find((e) => e.fileName === s.file);
    const n = entry === undefined ? 0 : (regionsOf.get(entry.id)?.length ?? 0);
    if (n > 0) s.reason += `; its ${n} annotation(s) were left out`;
  }
  // An image a COCO file lists is exhaustively annotated: one without annotations is all background
  // (what pycocotools-made label maps give it, and what ToCo's COCO evaluation scores), kept as its
  // class-0 region as a folder import keeps an all-background mask. A file with no annotation at all
  // (test-dev image info) is unlabelled.
  const labelled = instances.annotations.length > 0;
  const images: StagedImage[] = probed.map(({ item, probe, grid }) => ({
    path: join(imagesDir, item.fileName),
    fileName: item.fileName,
    probe,
    grid,
    externalId: String(item.id),
    samples: [{ regions: regionsOf.get(item.id) ?? (labelled ? [allBackground(item)] : []) }],
  }));
  if (images.length === 0 && instances.images.length > 0)
    throw new ApiError('INVALID_INPUT', `${label}: none of the ${instances.images.length} images could be read`, { skipped });

  ctx.signal.throwIfAborted();
  ctx.progress(0, images.length, 'writing');
  const annotated = images.filter((i) => (i.samples[0]?.regions.length ?? 0) > 0).length;
  const datasetId = await writeStagedDataset(
    deps,
    {
      name,
      format: 'coco',
      task: annotated > 0 ? 'semantic' : 'unlabelled',
      sourcePath: file,
      meta: { annotations: file, imagesDir, instances: instances.annotations.length },
      classes,
      images,
    },
    ctx,
  );
  ctx.progress(images.length, images.length, 'done');
  return { datasetId, name, images: images.length, annotated, skipped, orientations: stagedOrientationNotes(images), notes: [] };
}

/** The class-0 region covering a whole image: an image annotated as all background. */
function allBackground(item: CocoImageEntry): StagedRegion {
  const rle = rleFromUncompressed({ size: [item.height, item.width], counts: [0, item.height * item.width] });
  return { classIdx: 0, rle, area: item.height * item.width, bbox: [0, 0, item.width, item.height] };
}
