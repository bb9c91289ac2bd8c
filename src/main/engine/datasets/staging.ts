import { stat } from 'node:fs/promises';
import { readImportFile } from '../api/readScope';
import { resolve } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import type { ClassInfo, DatasetFormat, DatasetTask, ImageOrientationNote, PixelGrid, SkippedFile } from '../../../shared/domain';
import { gridSize, orientationNotes } from '../images/orientation';
import { probeImage, type ProbedImage } from '../images/probe';
import type { JobContext } from '../jobs/JobRunner';
import type { Rle } from '../masks/rle';
import type { Db } from '../store/db';
import type { Repos } from '../store/store';
import { mapWithConcurrency } from './concurrency';
import { removeHiddenDataset, writeInSlices } from './slicedWrite';

/**
 * What every importer builds before it writes anything: the whole dataset, validated, with masks
 * already compressed to RLE (so memory stays proportional to the annotations, not the pixels).
 * writeStagedDataset then stores it, hidden until its last slice is written: a failure anywhere
 * leaves the store's visible contents exactly as they were (CONTRIBUTING "Adding a dataset format").
 */
export interface StagedRegion {
  classIdx: number;
  rle: Rle;
  area: number;
  bbox: [number, number, number, number];
  iscrowd?: boolean;
  externalId?: string | null;
}

export interface StagedSample {
  query?: string | null;
  queries?: string[] | null;
  isSentence?: boolean | null;
  regions: StagedRegion[];
}

export interface StagedImage {
  path: string;
  fileName: string;
  /** The file as stored: raw size and EXIF orientation. */
  probe: ProbedImage;
  /** The pixel grid chosen (images/orientation.ts); its size is what masks and the store use. Default 'raw'. */
  grid?: PixelGrid;
  /** The first split (shown); `splits`: every split list the image is in (default: `split` alone). */
  split?: string | null;
  splits?: readonly string[];
  externalId?: string | null;
  samples: StagedSample[];
}

export interface StagedDataset {
  name: string;
  format: DatasetFormat;
  task: DatasetTask;
  sourcePath: string;
  meta: Record<string, unknown>;
  classes: Array<ClassInfo & { externalId?: number }>;
  images: StagedImage[];
}

export type StoreDeps = { db: Db; repos: Repos };

/**
 * Writes a staged dataset and returns its id: the dataset row first, hidden while the import runs,
 * then its images in slices with the event loop free between them (datasets/slicedWrite.ts), then it
 * is revealed. A fault on the way removes what was written; nothing half-written is ever listed.
 */
export async function writeStagedDataset(deps: StoreDeps, staged: StagedDataset, ctx: JobContext): Promise<number> {
  const id = deps.db.transaction(() => {
    const id = deps.repos.datasets.create({
      name: staged.name,
      format: staged.format,
      task: staged.task,
      sourcePath: staged.sourcePath,
      meta: staged.meta,
      hiddenBy: ctx.jobId,
    });
    deps.repos.datasets.addClasses(id, staged.classes);
    return id;
  })();
  try {
    await writeInSlices(
      deps.db,
      staged.images,
      (image) => {
        const imageId = deps.repos.images.create({
          datasetId: id,
          path: image.path,
          fileName: image.fileName,
          sha256: image.probe.sha256,
          bytes: image.probe.bytes,
          ...gridSize(image.probe, image.grid ?? 'raw'),
          exifOrientation: image.probe.orientation,
          grid: image.grid ?? 'raw',
          split: image.split ?? null,
          ...(image.splits === undefined ? {} : { splits: image.splits }),
          externalId: image.externalId ?? null,
        });
        for (const sample of image.samples) {
          const sampleId = deps.repos.images.createSample(imageId, sample.query ?? null, sample.queries ?? null, sample.isSentence ?? null);
          for (const r of sample.regions) {
            deps.repos.annotations.create({
              sampleId,
              classIdx: r.classIdx,
              rle: r.rle,
              area: r.area,
              bbox: r.bbox,
              iscrowd: r.iscrowd === true,
              externalId: r.externalId ?? null,
            });
          }
        }
      },
      ctx.signal,
      (done) => ctx.progress(done, staged.images.length, 'writing'),
    );
    deps.repos.datasets.reveal(id);
  } catch (err) {
    // Hidden rows a failed clean-up leaves are removed on the next open (their job is no longer running).
    await removeHiddenDataset(deps.db, deps.repos, id).catch(() => undefined);
    throw err;
  }
  return id;
}

/** The import result's list of images with an EXIF orientation other than 1, and the grid chosen. */
export function stagedOrientationNotes(images: readonly StagedImage[]): ImageOrientationNote[] {
  return orientationNotes(
    images.map((i) => ({ file: i.path, orientation: i.probe.orientation, grid: i.grid ?? 'raw', ...gridSize(i.probe, i.grid ?? 'raw') })),
  );
}

/** A taken dataset name is refused before any work is done. */
export function requireFreeName(deps: StoreDeps, name: string): void {
  if (deps.repos.datasets.nameExists(name)) {
    throw new ApiError('CONFLICT', `a dataset named "${name}" already exists in this workspace; choose another with --name`, { name });
  }
}

export async function requireDirectory(dir: string, what: string): Promise<string> {
  const abs = resolve(dir);
  const info = await stat(abs).catch(() => null);
  if (info === null) throw new ApiError('NOT_FOUND', `${what} not found: ${abs}`);
  if (!info.isDirectory()) throw new ApiError('INVALID_INPUT', `${what} is not a folder: ${abs}`);
  return abs;
}

export async function requireFile(file: string, what: string): Promise<string> {
  const abs = resolve(file);
  const info = await stat(abs).catch(() => null);
  if (info === null) throw new ApiError('NOT_FOUND', `${what} not found: ${abs}`);
  if (!info.isFile()) throw new ApiError('INVALID_INPUT', `${what} is not a file: ${abs}`);
  return abs;
}

export async function isFile(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => null);
  return info !== null && info.isFile();
}

export type Probed<T> = { item: T; probe: ProbedImage };

/**
 * Hashes and fully decodes each image (4 at a time). Unreadable files are skipped and listed, like
 * the folder importer does; `label` names an item in the skipped list.
 */
export async function probeAll<T>(
  items: readonly T[],
  pathOf: (item: T) => string,
  label: (item: T) => string,
  ctx: JobContext,
  skipped: SkippedFile[],
): Promise<Array<Probed<T>>> {
  let done = 0;
  const outcomes = await mapWithConcurrency(items, 4, async (item) => {
    ctx.signal.throwIfAborted();
    const path = pathOf(item);
    // A missing or unreadable file fails the import naming it (readImportFile: NOT_FOUND, IO_ERROR, a
    // FIFO or folder refused), as does a link leading a web client out of its folders (api/readScope.ts).
    const bytes = await readImportFile(path);
    ctx.progress(++done, items.length, 'reading images');
    return { item, outcome: await probeImage(bytes) };
  });
  const out: Array<Probed<T>> = [];
  for (const o of outcomes) {
    if (o.outcome.ok) out.push({ item: o.item, probe: o.outcome.image });
    else skipped.push({ file: label(o.item), reason: o.outcome.reason });
  }
  return out;
}

/** A message prefix naming the file and, when known, the item in it. */
export function where(file: string, item?: string): string {
  return item === undefined ? file : `${file}: ${item}`;
}
