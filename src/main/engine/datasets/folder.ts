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
import type { BetweenValues, FolderMaskOutcome, FolderMaskReading } from '../workers/tasks';

export interface FolderImportParams {
  dir: string;
  masksDir?: string | undefined;
  name?: string | undefined;
  /** Grey masks read as binary: value > maskThreshold is the object (soft, anti-aliased masks). */
  maskThreshold?: number | undefined;
  /** mmseg's reduce_zero_label (ADE20K and the like): 0 = unlabelled becomes ignore, v becomes v - 1. */
  reduceZeroLabel?: boolean | undefined;
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

/** File names as they are: `ignoreBOM` keeps a leading U+FEFF (the decoder drops it by default, and the name then named another file). */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A file name as text; bytes that are not UTF-8 shown as \\xNN. */
function shownName(name: Buffer): string {
  let out = '';
  for (const b of name) out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return out;
}

/**
 * A folder's entries with their names as text. A file or link whose name is not valid UTF-8 (which no
 * path string can reach) is left out and listed in `skipped`, shown as `shownAs(name)`.
 */
async function namedEntries(dir: string, skipped: SkippedFile[], shownAs: (shown: string) => string) {
  const named = [];
  for (const entry of await readdir(dir, { withFileTypes: true, encoding: 'buffer' })) {
    try {
      named.push({ name: UTF8.decode(entry.name), entry });
    } catch {
      if (entry.isFile() || entry.isSymbolicLink())
        skipped.push({ file: shownAs(shownName(entry.name)), reason: 'file name is not valid UTF-8; rename the file' });
    }
  }
  return named;
}

/**
 * The regular files of a folder, sorted. Names that are not valid UTF-8 (which no path string can
 * reach) and symbolic links (never followed: a link can lead anywhere) are left out and listed.
 */
async function listFiles(dir: string, skipped: SkippedFile[], folders?: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const { name, entry } of await namedEntries(dir, skipped, (shown) => shown)) {
    if (entry.isSymbolicLink()) {
      if (!name.startsWith('.')) skipped.push({ file: name, reason: 'symbolic link (links are not followed; copy the file in)' });
    } else if (entry.isFile()) files.push(name);
    else if (entry.isDirectory() && !name.startsWith('.')) folders?.push(name);
  }
  return files.sort();
}

/**
 * The mask folder's PNGs by the image stem they name (`<stem>.png`, the extension in any case), and
 * every other entry, to list: a mask no image takes would silently go unread. Links are matched as
 * files, and so is anything else not a folder (a FIFO: reading it is that image's mask error). Two masks for one stem (`a.png`, `a.PNG`) are refused.
 */
interface MaskFolder {
  byStem: Map<string, string>;
  /** Files that are not PNG (e.g. JPEG masks), by stem. */
  notPng: Map<string, string>;
  folders: string[];
}

/** Lossy masks (JPEG: Kvasir-SEG and other medical sets ship them) are read only at a threshold (--mask-threshold). */
const JPEG_MASK = new Set(['.jpg', '.jpeg']);

async function listMasks(masksDir: string, skipped: SkippedFile[], thresholded: boolean): Promise<MaskFolder> {
  const folder: MaskFolder = { byStem: new Map(), notPng: new Map(), folders: [] };
  for (const { name, entry } of await namedEntries(masksDir, skipped, (shown) => join(masksDir, shown))) {
    if (name.startsWith('.')) continue;
    if (entry.isDirectory()) {
      folder.folders.push(name);
      continue;
    }
    const stem = stemOf(name);
    const ext = extname(name).toLowerCase();
    if (ext !== '.png' && !(thresholded && JPEG_MASK.has(ext))) {
      folder.notPng.set(stem, name);
      continue;
    }
    const other = folder.byStem.get(stem);
    if (other !== undefined)
      throw new ApiError('INVALID_INPUT', `${masksDir}: two masks for the image stem "${stem}" (${other}, ${name}); keep one`, {
        file: join(masksDir, name),
      });
    folder.byStem.set(stem, name);
  }
  return folder;
}

const stemOf = (file: string): string => basename(file, extname(file));

/**
 * Greyscale PNGs of 2 or 4 bits (pypng or imageio with a bit depth write them) are read as the PNG
 * standard, Pillow, OpenCV and mmseg read them: scaled to 0..255, so class indices 1, 2, 15 of a
 * 4-bit file become 17, 34 and 255 (= ignore). Said, since such values look like nothing else.
 */
function lowBitGreyNote(files: ReadonlyArray<{ file: string; bits: 2 | 4 }>): string {
  const bits = [...new Set(files.map((f) => f.bits))].sort().join('/');
  return `${files.length} mask(s) are ${bits}-bit greyscale PNGs (${examples(files.map((f) => f.file))}): their values are scaled to 0..255 as the PNG standard, Pillow, OpenCV and mmseg read them (4-bit 1 is 17, 15 is 255 = ignore; 2-bit 1 is 85); if they hold class indices, save them as 8-bit or palette PNGs`;
}

/** What to do with binary masks saved as JPEG (lossy: their edges hold in-between values). */
function jpegHint(files: readonly string[]): string {
  return files.some((f) => JPEG_MASK.has(extname(f).toLowerCase()))
    ? '; binary masks saved as JPEG are read with --mask-threshold T (grey value > T is the object)'
    : '';
}

/** Masks are matched by file stem: a mask whose stem two images share would silently belong to both. */
function refuseSharedMasks(masksDir: string, masks: MaskFolder, staged: Array<{ file: string }>): void {
  const byStem = new Map<string, string[]>();
  for (const image of staged) {
    const stem = stemOf(image.file);
    byStem.set(stem, [...(byStem.get(stem) ?? []), image.file]);
  }
  for (const [stem, files] of byStem) {
    if (files.length < 2) continue;
    const mask = masks.byStem.get(stem);
    if (mask === undefined) continue;
    const maskPath = join(masksDir, mask);
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
function classesFor(values: Set<number>, binary: boolean, zeroIsClass: boolean): ClassInfo[] {
  if (binary)
    return [
      { index: 0, name: 'background', color: vocColor(0) },
      { index: 1, name: 'foreground', color: vocColor(1) },
    ];
  const max = Math.max(0, ...[...values].filter((v) => v !== 255));
  return Array.from({ length: max + 1 }, (_, i) => ({
    index: i,
    name: i === 0 && !zeroIsClass ? 'background' : `class ${i}`,
    color: vocColor(i),
  }));
}

/** The reading a folder import's options ask for; both at once are refused. */
function maskReadingOf(params: FolderImportParams): FolderMaskReading | undefined {
  const { maskThreshold: t, reduceZeroLabel } = params;
  if (t !== undefined && reduceZeroLabel === true)
    throw new ApiError('INVALID_INPUT', '--mask-threshold and --reduce-zero-label read masks in two different ways: choose one');
  if (t !== undefined && !(Number.isInteger(t) && t >= 0 && t <= 254))
    throw new ApiError('INVALID_INPUT', `--mask-threshold must be a whole number from 0 to 254 (value > it is the object), not ${t}`);
  if ((t !== undefined || reduceZeroLabel === true) && params.masksDir === undefined)
    throw new ApiError('INVALID_INPUT', `${t !== undefined ? '--mask-threshold' : '--reduce-zero-label'} reads masks: give --masks DIR`);
  return t !== undefined ? { threshold: t } : reduceZeroLabel === true ? { reduceZeroLabel: true } : undefined;
}

/**
 * Imports a plain folder of images, with optional PNG masks (same file stem) from another folder.
 * Unreadable files are skipped and listed; a mask that disagrees with its image fails the whole
 * import. Everything is validated before the first write, and the dataset stays hidden until its
 * last slice is written (datasets/slicedWrite.ts), so a failure leaves nothing visible behind.
 */
export async function importFolder(params: FolderImportParams, deps: { db: Db; repos: Repos }, ctx: JobContext): Promise<ImportResult> {
  const dir = await requireDirectory(params.dir, 'image folder');
  const reading = maskReadingOf(params);
  const masksDir = params.masksDir === undefined ? null : await requireDirectory(params.masksDir, 'mask folder');
  const name = params.name ?? basename(dir);
  if (deps.repos.datasets.nameExists(name)) {
    throw new ApiError('CONFLICT', `a dataset named "${name}" already exists in this workspace; choose another with --name`, { name });
  }

  const skipped: SkippedFile[] = [];
  const subfolders: string[] = [];
  const entries = await listFiles(dir, skipped, subfolders);
  const candidates = entries.filter((f) => {
    if (IMAGE_EXTENSIONS.has(extname(f).toLowerCase())) return true;
    if (!f.startsWith('.')) skipped.push({ file: f, reason: `not an image (extension "${extname(f) || 'none'}")` });
    return false;
  });
  if (candidates.length === 0)
    throw new ApiError(
      'INVALID_INPUT',
      `${dir}: no image files found (looked for ${[...IMAGE_EXTENSIONS].join(', ')})${
        subfolders.length > 0
          ? `; its ${subfolders.length} subfolder(s) (${examples(subfolders)}) are not searched: import each, or put the images in one folder`
          : ''
      }`,
    );
  const masks = masksDir === null ? null : await listMasks(masksDir, skipped, reading !== undefined && 'threshold' in reading);

  // Images sharing a stem with another candidate have their mask read only once it is known that
  // at most one of them is readable (refuseSharedMasks, below); every other image is probed, hashed
  // and has its mask read, checked and encoded in one pool task (workers/tasks.ts folderImage).
  const stemCount = new Map<string, number>();
  for (const f of candidates) stemCount.set(stemOf(f), (stemCount.get(stemOf(f)) ?? 0) + 1);
  const sharedStem = (file: string): boolean => (stemCount.get(stemOf(file)) ?? 0) > 1;
  const maskPathOf = (file: string): string | null => {
    const mask = masks?.byStem.get(stemOf(file));
    return masksDir === null || mask === undefined ? null : join(masksDir, mask);
  };

  const staged: StagedImage[] = [];
  const maskErrors: Array<{ at: number; error: ApiError }> = [];
  const values = new Set<number>();
  let allBinary = true;
  let anyMask = false;
  // Grey masks' in-between values (soft, anti-aliased binary masks; refused below).
  const between: SoftMaskSigns = { pixels: 0, inside: 0, files: [], mostInOneMask: 0 };
  // How the grey masks spell their values, to tell a binary set saved two ways (0/1 and 0/255) from
  // an index set with ignore (binaryReading, below).
  const spelling: MaskSpelling = { only255: [], only1: [], other: 0 };
  // 2/4-bit greyscale masks: their values are scaled (4-bit 15 -> 255, which is ignore); said in a note.
  const lowBitGrey: Array<{ file: string; bits: 2 | 4 }> = [];
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
    if (outcome.between !== null && outcome.between.pixels > 0) {
      between.pixels += outcome.between.pixels;
      between.inside += outcome.between.inside;
      between.files.push(basename(maskPathOf(image.file) ?? image.file));
      const inOne = outcome.values.filter((v) => v > 0 && v < 255).length;
      if (inOne > between.mostInOneMask) between.mostInOneMask = inOne;
    }
    noteSpelling(spelling, image.file, outcome.kind, outcome.values);
    if (outcome.scaledFromBits !== null)
      lowBitGrey.push({ file: basename(maskPathOf(image.file) ?? image.file), bits: outcome.scaledFromBits });
  };
  const deferred: Array<{ image: StagedImage; at: number }> = [];
  await mapInPool(
    sharedPool(),
    candidates,
    'folderImage',
    (file) => ({ path: join(dir, file), file, maskPath: sharedStem(file) ? null : maskPathOf(file), reading }),
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

  const notes: string[] = [];
  if (masksDir !== null && masks !== null) {
    refuseSharedMasks(masksDir, masks, staged);
    // A stem shared with only unreadable files: its one readable image takes the mask.
    for (const { image, at } of deferred) {
      const result = await sharedPool().run('folderImage', {
        path: image.path,
        file: image.file,
        maskPath: maskPathOf(image.file),
        reading,
      });
      takeMask(image, at, result.mask);
    }
    maskErrors.sort((a, b) => a.at - b.at);
    if (maskErrors.length > 0) throw maskErrors[0]!.error;
    const stems = new Set(candidates.map(stemOf));
    const notPngOfImages = [...masks.notPng].filter(([stem]) => stems.has(stem)).map(([, file]) => file);
    if (!anyMask) {
      const found = [
        notPngOfImages.length > 0
          ? `${notPngOfImages.length} non-PNG file(s) named after images (${examples(notPngOfImages)}): masks must be PNG (lossless)${jpegHint(notPngOfImages)}`
          : '',
        masks.folders.length > 0 ? `${masks.folders.length} subfolder(s) (${examples(masks.folders)}) are not searched` : '',
      ].filter((s) => s !== '');
      throw new ApiError(
        'INVALID_INPUT',
        `${masksDir}: no mask PNG matches any image name (expected <image stem>.png, e.g. ${stemOf(candidates[0]!)}.png)${found.length > 0 ? `; ${found.join('; ')}` : ''}`,
      );
    }
    // Every file of the mask folder that no image took is listed, so no mask goes unread unnoticed.
    for (const [stem, file] of masks.byStem)
      if (!stems.has(stem))
        skipped.push({ file: join(masksDir, file), reason: 'mask matches no image (masks are named <image stem>.png)' });
    for (const [stem, file] of masks.notPng)
      skipped.push({
        file: join(masksDir, file),
        reason: stems.has(stem)
          ? `not a PNG: masks must be PNG (lossless), so its image has no mask${jpegHint([file])}`
          : 'not a PNG mask and matches no image',
      });
    for (const folder of masks.folders) skipped.push({ file: join(masksDir, folder), reason: 'folder (subfolders are not searched)' });
    const withoutMask = staged.filter((s) => s.mask === null).map((s) => s.file);
    if (withoutMask.length > 0)
      notes.push(
        `${withoutMask.length} of ${staged.length} images have no mask (${examples(withoutMask)}): they are not scored (eval counts only images with ground truth)`,
      );
    if (reading === undefined) refuseSoftMasks(between, values);
    if (lowBitGrey.length > 0) notes.push(lowBitGreyNote(lowBitGrey));
  }
  const spelled = binaryReading(spelling, anyMask && allBinary);
  const binary = anyMask && (reading !== undefined && 'threshold' in reading ? true : spelled.binary);
  if (spelled.note !== null && reading === undefined) notes.unshift(spelled.note);
  const classes = anyMask ? classesFor(values, binary, reading !== undefined && 'reduceZeroLabel' in reading) : [];
  if (anyMask && reading === undefined && !binary && !values.has(255) && values.has(0) && classes.length > 100)
    notes.push(
      `label 0 is scored as a class ("background") among ${classes.length}; if 0 marks unlabelled pixels (ADE20K and other datasets mmseg reads with reduce_zero_label), import with --reduce-zero-label`,
    );

  ctx.signal.throwIfAborted();
  ctx.progress(0, staged.length, 'writing');
  // The dataset row first, hidden until its last image is written (datasets/slicedWrite.ts).
  const datasetId = deps.db.transaction(() => {
    const id = deps.repos.datasets.create({
      name,
      format: 'folder',
      task: anyMask ? 'semantic' : 'unlabelled',
      sourcePath: dir,
      meta: { masksDir, binaryMasks: binary, ...(reading === undefined ? {} : { maskReading: reading }) },
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
    notes,
  };
}

const examples = (files: readonly string[]): string => `${files.slice(0, 3).join(', ')}${files.length > 3 ? ', …' : ''}`;

/** What grey masks' in-between values (1..254) look like over a folder import. */
interface SoftMaskSigns extends BetweenValues {
  /** The masks holding such values. */
  files: string[];
  /** The most distinct in-between values one mask holds. */
  mostInOneMask: number;
}

/**
 * Grey masks whose in-between values (1..254) are many and sit in thin bands, not regions: soft,
 * anti-aliased binary masks (resized with interpolation, or saved as JPEG once). Read as class indices
 * every edge value would be a class and the object (255) ignore, so the scores would mean nothing.
 * Class-index masks hold regions; thin structures of a few classes (lanes, cracks) have no mask with
 * 16 distinct values in thin bands, which an irregular soft edge has.
 */
function refuseSoftMasks(between: SoftMaskSigns, values: Set<number>): void {
  const distinct = [...values].filter((v) => v > 0 && v < 255).length;
  if (between.pixels === 0 || between.mostInOneMask < 16 || between.inside >= 0.3 * between.pixels) return;
  throw new ApiError(
    'INVALID_INPUT',
    `${between.files.length} mask(s) look like soft (anti-aliased) binary masks (${examples(between.files)}): ${distinct} values between 0 and 255 in thin bands along edges (${Math.round((100 * between.inside) / between.pixels)}% inside regions); read as class indices each would be a class and 255 ignore. Import with --mask-threshold 127 (the Import dialog's mask reading: 127) to read value > 127 as the object, or save the masks with class values`,
    { files: between.files.slice(0, 20) },
  );
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
