import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import { vocColor, type ClassInfo, type ImportResult, type PixelGrid, type SkippedFile } from '../../../shared/domain';
import type { ClassRle } from '../masks/labelMap';
import { IMAGE_EXTENSIONS, type ProbedImage } from '../images/probe';
import { gridSize, orientationNotes } from '../images/orientation';
import type { JobContext } from '../jobs/JobRunner';
import type { Db } from '../store/db';
import type { Repos } from '../store/store';
import { mapInPool, sharedPool } from '../workers/pool';
import { removeHiddenDataset, writeInSlices } from './slicedWrite';
import type { FolderMaskOutcome } from '../workers/tasks';

export interface FolderImportParams {
  dir: string;
  masksDir?: string | undefined;
  name?: string | undefined;
}

interface StagedImage {
  file: string;
  path: string;
  probe: ProbedImage;
  /** Raw unless the image's mask has the EXIF-oriented size (images/orientation.ts). */
  grid: PixelGrid;
  /** The mask's regions to store, raw values, as JSON of ClassRle[] (workers/tasks.ts folderImage); null: no mask. */
  mask: string | null;
}

async function requireDirectory(dir: string, what: string): Promise<string> {
  const abs = resolve(dir);
  const info = await stat(abs).catch(() => null);
  if (info === null) throw new ApiError('NOT_FOUND', `${what} not found: ${abs}`);
  if (!info.isDirectory()) throw new ApiError('INVALID_INPUT', `${what} is not a folder: ${abs}`);
  return abs;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A file name as text; bytes that are not UTF-8 shown as \\xNN. */
function shownName(name: Buffer): string {
  let out = '';
  for (const b of name) out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return out;
}

/**
 * The regular files of a folder, sorted. Names that are not valid UTF-8 (which no path string can
 * reach) and symbolic links (never followed: a link can lead anywhere) are left out and listed.
 */
async function listFiles(dir: string, skipped: SkippedFile[]): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, encoding: 'buffer' })) {
    let name: string;
    try {
      name = UTF8.decode(entry.name);
    } catch {
      if (entry.isFile() || entry.isSymbolicLink())
        skipped.push({ file: shownName(entry.name), reason: 'file name is not valid UTF-8; rename the file' });
      continue;
    }
    if (entry.isSymbolicLink()) {
      if (!name.startsWith('.')) skipped.push({ file: name, reason: 'symbolic link (links are not followed; copy the file in)' });
    } else if (entry.isFile()) files.push(name);
  }
  return files.sort();
}

const stemOf = (file: string): string => basename(file, extname(file));

/** Masks are matched by file stem: a mask whose stem two images share would silently belong to both. */
async function refuseSharedMasks(masksDir: string, staged: Array<{ file: string }>): Promise<void> {
  const byStem = new Map<string, string[]>();
  for (const image of staged) {
    const stem = stemOf(image.file);
    byStem.set(stem, [...(byStem.get(stem) ?? []), image.file]);
  }
  for (const [stem, files] of byStem) {
    if (files.length < 2) continue;
    const maskPath = join(masksDir, `${stem}.png`);
    if ((await stat(maskPath).catch(() => null)) === null) continue;
    throw new ApiError(
      'INVALID_INPUT',
      `${maskPath}: this mask would belong to ${files.length} images with the stem "${stem}" (${files.join(', ')}); rename them so each mask has one image`,
      { file: maskPath, images: files },
    );
  }
}

/**
 * Classes from the label values the masks use: binary 0/255 masks become background/foreground;
 * other values get placeholders ("class 1", ...) to rename with `tessera classes rename` or in the UI.
 */
function classesFor(values: Set<number>, binary: boolean): ClassInfo[] {
  if (binary)
    return [
      { index: 0, name: 'background', color: vocColor(0) },
      { index: 1, name: 'foreground', color: vocColor(1) },
    ];
  const max = Math.max(0, ...[...values].filter((v) => v !== 255));
  return Array.from({ length: max + 1 }, (_, i) => ({ index: i, name: i === 0 ? 'background' : `class ${i}`, color: vocColor(i) }));
}

/**
 * Imports a plain folder of images, with optional PNG masks (same file stem) from another folder.
 * Unreadable files are skipped and listed; a mask that disagrees with its image fails the whole
 * import. Everything is validated before the first write, and the dataset stays hidden until its
 * last slice is written (datasets/slicedWrite.ts), so a failure leaves nothing visible behind.
 */
export async function importFolder(params: FolderImportParams, deps: { db: Db; repos: Repos }, ctx: JobContext): Promise<ImportResult> {
  const dir = await requireDirectory(params.dir, 'image folder');
  const masksDir = params.masksDir === undefined ? null : await requireDirectory(params.masksDir, 'mask folder');
  const name = params.name ?? basename(dir);
  if (deps.repos.datasets.nameExists(name)) {
    throw new ApiError('CONFLICT', `a dataset named "${name}" already exists in this workspace; choose another with --name`, { name });
  }

  const skipped: SkippedFile[] = [];
  const entries = await listFiles(dir, skipped);
  const candidates = entries.filter((f) => {
    if (IMAGE_EXTENSIONS.has(extname(f).toLowerCase())) return true;
    if (!f.startsWith('.')) skipped.push({ file: f, reason: `not an image (extension "${extname(f) || 'none'}")` });
    return false;
  });
  if (candidates.length === 0)
    throw new ApiError('INVALID_INPUT', `${dir}: no image files found (looked for ${[...IMAGE_EXTENSIONS].join(', ')})`);

  // Images sharing a stem with another candidate have their mask read only once it is known that
  // at most one of them is readable (refuseSharedMasks, below); every other image is probed, hashed
  // and has its mask read, checked and encoded in one pool task (workers/tasks.ts folderImage).
  const stemCount = new Map<string, number>();
  for (const f of candidates) stemCount.set(stemOf(f), (stemCount.get(stemOf(f)) ?? 0) + 1);
  const sharedStem = (file: string): boolean => (stemCount.get(stemOf(file)) ?? 0) > 1;
  const maskPathOf = (file: string): string | null => (masksDir === null ? null : join(masksDir, `${stemOf(file)}.png`));

  const staged: StagedImage[] = [];
  const maskErrors: Array<{ at: number; error: ApiError }> = [];
  const values = new Set<number>();
  let allBinary = true;
  let anyMask = false;
  // How the grey masks spell their values, to tell a binary set saved two ways (0/1 and 0/255) from
  // an index set with ignore (binaryReading, below).
  const spelling: MaskSpelling = { only255: [], only1: [], other: 0 };
  const takeMask = (image: StagedImage, at: number, outcome: FolderMaskOutcome | null): void => {
    if (outcome === null) return;
    if (!outcome.ok) {
      const { code, message, details } = outcome.error;
      maskErrors.push({ at, error: new ApiError(code, message, details) });
      return;
    }
    anyMask = true;
    image.mask = outcome.regions;
    image.grid = outcome.grid;
    if (outcome.kind !== 'binary') allBinary = false;
    for (const v of outcome.values) values.add(v);
    noteSpelling(spelling, image.file, outcome.kind, outcome.values);
  };
  const deferred: Array<{ image: StagedImage; at: number }> = [];
  await mapInPool(
    sharedPool(),
    candidates,
    'folderImage',
    (file) => ({ path: join(dir, file), file, maskPath: sharedStem(file) ? null : maskPathOf(file) }),
    (result, file, n) => {
      ctx.progress(n + 1, candidates.length, masksDir === null ? 'reading images' : 'reading images and masks');
      if (!result.probe.ok) {
        skipped.push({ file, reason: result.probe.reason });
        return;
      }
      const image: StagedImage = { file, path: join(dir, file), probe: result.probe.image, grid: 'raw', mask: null };
      staged.push(image);
      if (masksDir !== null && sharedStem(file)) deferred.push({ image, at: staged.length - 1 });
      else takeMask(image, staged.length - 1, result.mask);
      // Without shared stems no other error can come first: stop at the first bad mask.
      if (maskErrors.length > 0 && stemCount.size === candidates.length) throw maskErrors[0]!.error;
    },
    ctx.signal,
  );
  if (staged.length === 0)
    throw new ApiError('INVALID_INPUT', `${dir}: none of the ${candidates.length} image files could be read`, { skipped });

  if (masksDir !== null) {
    await refuseSharedMasks(masksDir, staged);
    // A stem shared with only unreadable files: its one readable image takes the mask.
    for (const { image, at } of deferred) {
      const result = await sharedPool().run('folderImage', { path: image.path, file: image.file, maskPath: maskPathOf(image.file) });
      takeMask(image, at, result.mask);
    }
    maskErrors.sort((a, b) => a.at - b.at);
    if (maskErrors.length > 0) throw maskErrors[0]!.error;
    if (!anyMask) throw new ApiError('INVALID_INPUT', `${masksDir}: no mask PNG matches any image name (expected <image stem>.png)`);
  }
  const reading = binaryReading(spelling, anyMask && allBinary);
  const binary = anyMask && reading.binary;
  const classes = anyMask ? classesFor(values, binary) : [];

  ctx.signal.throwIfAborted();
  ctx.progress(0, staged.length, 'writing');
  // The dataset row first, hidden until its last image is written (datasets/slicedWrite.ts).
  const datasetId = deps.db.transaction(() => {
    const id = deps.repos.datasets.create({
      name,
      format: 'folder',
      task: anyMask ? 'semantic' : 'unlabelled',
      sourcePath: dir,
      meta: { masksDir, binaryMasks: binary },
      hiddenBy: ctx.jobId,
    });
    deps.repos.datasets.addClasses(id, classes);
    return id;
  })();
  try {
    await writeInSlices(
      deps.db,
      staged,
      (image) => {
        const size = gridSize(image.probe, image.grid);
        const imageId = deps.repos.images.create({
          datasetId,
          path: image.path,
          fileName: image.file,
          sha256: image.probe.sha256,
          bytes: image.probe.bytes,
          ...size,
          exifOrientation: image.probe.orientation,
          grid: image.grid,
        });
        const sampleId = deps.repos.images.createSample(imageId);
        if (image.mask === null) return;
        // Background is what no region covers, except in an all-background mask: its class-0 region
        // (the only one kept then) keeps the image annotated, so evaluation scores false positives on it.
        for (const part of JSON.parse(image.mask) as ClassRle[]) {
          // A binary set's 255 is foreground, class 1: the same pixels, relabelled.
          const classIdx = binary && part.classIdx === 255 ? 1 : part.classIdx;
          deps.repos.annotations.create({ sampleId, classIdx, rle: part.rle, area: part.area, bbox: part.bbox });
        }
      },
      ctx.signal,
      (done) => ctx.progress(done, staged.length, 'writing'),
    );
    deps.repos.datasets.reveal(datasetId);
  } catch (err) {
    // Hidden rows a failed clean-up leaves are removed on the next open (their job is no longer running).
    await removeHiddenDataset(deps.db, deps.repos, datasetId).catch(() => undefined);
    throw err;
  }
  ctx.progress(staged.length, staged.length, 'done');
  return {
    datasetId,
    name,
    images: staged.length,
    annotated: staged.filter((s) => s.mask !== null).length,
    skipped,
    orientations: orientationNotes(
      staged.map((s) => ({ file: s.file, orientation: s.probe.orientation, grid: s.grid, ...gridSize(s.probe, s.grid) })),
    ),
    notes: reading.note === null ? [] : [reading.note],
  };
}

/** Grey masks by the values they hold: only 0 and 255, only 0 and 1, or anything else (palette masks count as else). */
interface MaskSpelling {
  only255: string[];
  only1: string[];
  other: number;
}

function noteSpelling(spelling: MaskSpelling, file: string, kind: 'palette' | 'grey' | 'binary', values: readonly number[]): void {
  const has = (v: number): boolean => values.includes(v);
  if (kind === 'binary') {
    if (has(255)) spelling.only255.push(file);
  } else if (kind === 'grey' && values.every((v) => v === 0 || v === 1)) {
    if (has(1)) spelling.only1.push(file);
  } else spelling.other++;
}

/**
 * Whether 255 is foreground (a binary set) or ignore (an index set, as VOC), and a note when a reader
 * could take it either way. Masks that all hold only 0 and 255 are binary. A set whose grey masks hold
 * only 0/1 or only 0/255 is one binary set saved two ways (`m` and `m * 255`, as cv2/PIL scripts do):
 * read as index values its 0/255 objects would all be ignored, and any prediction would score 1.0 on
 * them. Otherwise 255 is ignore, and masks holding only 0 and 255 are named: their objects are ignored.
 */
function binaryReading(spelling: MaskSpelling, allBinary: boolean): { binary: boolean; note: string | null } {
  const examples = (files: string[]): string => `${files.slice(0, 3).join(', ')}${files.length > 3 ? ', …' : ''}`;
  if (allBinary) return { binary: true, note: null };
  if (spelling.only255.length > 0 && spelling.only1.length > 0 && spelling.other === 0) {
    return {
      binary: true,
      note:
        `${spelling.only1.length} mask(s) hold 0/1 (${examples(spelling.only1)}) and ${spelling.only255.length} hold 0/255 ` +
        `(${examples(spelling.only255)}): read as one binary set, 1 and 255 both foreground`,
    };
  }
  if (spelling.only255.length > 0) {
    return {
      binary: false,
      note:
        `${spelling.only255.length} mask(s) hold only 0 and 255 (${examples(spelling.only255)}) while others hold class values: ` +
        `255 is read as ignore (as VOC), so their marked pixels are not scored; if 255 marks objects there, save those masks with class values`,
    };
  }
  return { binary: false, note: null };
}
