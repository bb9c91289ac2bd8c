import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import { vocColor, type ClassInfo, type ImportResult, type PixelGrid, type SkippedFile } from '../../../shared/domain';
import { readMaskPng } from '../masks/png';
import { labelMapToRles } from '../masks/labelMap';
import { IMAGE_EXTENSIONS, probeImage, type ProbedImage } from '../images/probe';
import { allowedSizes, chooseGrid, gridSize, orientationNotes } from '../images/orientation';
import type { JobContext } from '../jobs/JobRunner';
import type { Db } from '../store/db';
import type { Repos } from '../store/store';
import { mapWithConcurrency } from './concurrency';

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
  mask: Uint8Array | null;
}

async function requireDirectory(dir: string, what: string): Promise<string> {
  const abs = resolve(dir);
  const info = await stat(abs).catch(() => null);
  if (info === null) throw new ApiError('NOT_FOUND', `${what} not found: ${abs}`);
  if (!info.isDirectory()) throw new ApiError('INVALID_INPUT', `${what} is not a folder: ${abs}`);
  return abs;
}

async function readMaskFor(masksDir: string, image: StagedImage): Promise<{ labels: Uint8Array; kind: string; grid: PixelGrid } | null> {
  const stem = basename(image.file, extname(image.file));
  const maskPath = join(masksDir, `${stem}.png`);
  const bytes = await readFile(maskPath).catch(() => null);
  if (bytes === null) return null;
  // The mask's size picks the grid: raw (as PIL loads the image) unless it has the EXIF-rotated size.
  // It is checked from the PNG header, before the pixels are inflated.
  const chosen: { grid: PixelGrid | null } = { grid: null };
  const sizeProblem = (size: { width: number; height: number }): ApiError =>
    new ApiError(
      'INVALID_INPUT',
      `${maskPath}: mask is ${size.width}x${size.height} but its image ${image.file} is ${allowedSizes(image.probe)}`,
      {
        file: maskPath,
        image: image.file,
      },
    );
  let mask;
  try {
    mask = readMaskPng(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), maskPath, (size) => {
      chosen.grid = chooseGrid(image.probe, size, 'raw');
      if (chosen.grid === null) throw sizeProblem(size);
    });
  } catch (err) {
    if (err instanceof ApiError && err.code === 'INVALID_INPUT') throw err;
    throw new ApiError('CORRUPT_FILE', `${maskPath}: ${err instanceof Error ? err.message : String(err)}`, { file: maskPath });
  }
  return { labels: mask.data, kind: mask.kind, grid: chosen.grid ?? 'raw' };
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

/** Masks are matched by file stem: a mask whose stem two images share would silently belong to both. */
async function refuseSharedMasks(masksDir: string, staged: StagedImage[]): Promise<void> {
  const byStem = new Map<string, string[]>();
  for (const image of staged) {
    const stem = basename(image.file, extname(image.file));
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
 * import. Everything is validated before the single write transaction, so a failure writes nothing.
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

  let done = 0;
  const probed = await mapWithConcurrency(candidates, 4, async (file) => {
    ctx.signal.throwIfAborted();
    const path = join(dir, file);
    const outcome = await probeImage(await readFile(path));
    ctx.progress(++done, candidates.length, 'reading images');
    return { file, path, outcome };
  });

  const staged: StagedImage[] = [];
  for (const p of probed) {
    if (p.outcome.ok) staged.push({ file: p.file, path: p.path, probe: p.outcome.image, grid: 'raw', mask: null });
    else skipped.push({ file: p.file, reason: p.outcome.reason });
  }
  if (staged.length === 0)
    throw new ApiError('INVALID_INPUT', `${dir}: none of the ${candidates.length} image files could be read`, { skipped });

  const values = new Set<number>();
  let allBinary = true;
  let anyMask = false;
  if (masksDir !== null) {
    await refuseSharedMasks(masksDir, staged);
    for (const [i, image] of staged.entries()) {
      ctx.signal.throwIfAborted();
      const mask = await readMaskFor(masksDir, image);
      ctx.progress(i + 1, staged.length, 'reading masks');
      if (mask === null) continue;
      anyMask = true;
      image.mask = mask.labels;
      image.grid = mask.grid;
      if (mask.kind !== 'binary') allBinary = false;
      for (const v of new Set(mask.labels)) values.add(v);
    }
    if (!anyMask) throw new ApiError('INVALID_INPUT', `${masksDir}: no mask PNG matches any image name (expected <image stem>.png)`);
  }
  const binary = anyMask && allBinary;
  const classes = anyMask ? classesFor(values, binary) : [];

  ctx.signal.throwIfAborted();
  ctx.progress(0, staged.length, 'writing');
  const datasetId = deps.db.transaction(() => {
    const id = deps.repos.datasets.create({
      name,
      format: 'folder',
      task: anyMask ? 'semantic' : 'unlabelled',
      sourcePath: dir,
      meta: { masksDir, binaryMasks: binary },
    });
    deps.repos.datasets.addClasses(id, classes);
    for (const image of staged) {
      const size = gridSize(image.probe, image.grid);
      const imageId = deps.repos.images.create({
        datasetId: id,
        path: image.path,
        fileName: image.file,
        sha256: image.probe.sha256,
        bytes: image.probe.bytes,
        ...size,
        exifOrientation: image.probe.orientation,
        grid: image.grid,
      });
      const sampleId = deps.repos.images.createSample(imageId);
      if (image.mask === null) continue;
      const labels = binary ? image.mask.map((v) => (v === 255 ? 1 : 0)) : image.mask;
      const parts = labelMapToRles(labels, size.height, size.width);
      for (const part of parts) {
        // Background is what no region covers, except in an all-background mask: its class-0 region
        // keeps the image annotated, so evaluation scores false positives on it.
        if (part.classIdx === 0 && parts.length > 1) continue;
        deps.repos.annotations.create({ sampleId, classIdx: part.classIdx, rle: part.rle, area: part.area, bbox: part.bbox });
      }
    }
    return id;
  })();
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
  };
}
