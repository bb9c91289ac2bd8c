import { readdir } from 'node:fs/promises';
import { readImportFile } from '../api/readScope';
import { basename, extname, join } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import { VOC_CLASSES, vocColor, type ImportResult, type PixelGrid, type SkippedFile } from '../../../shared/domain';
import { IMAGE_EXTENSIONS } from '../images/probe';
import type { JobContext } from '../jobs/JobRunner';
import { labelMapToRles } from '../masks/labelMap';
import { readMaskPng } from '../masks/png';
import { allowedSizes, chooseGrid } from '../images/orientation';
import {
  isFile,
  probeAll,
  requireDirectory,
  requireFreeName,
  stagedOrientationNotes,
  writeStagedDataset,
  type StagedImage,
  type StoreDeps,
} from './staging';
import { LABELMAP_FILE, parseLabelmap, type LabelmapClass } from './labelmap';

export interface VocImportParams {
  root: string;
  split?: string | undefined;
  name?: string | undefined;
}

const IGNORE = 255;
const MASK_FOLDERS = ['SegmentationClass', 'SegmentationClassAug'] as const;

interface Listed {
  id: string;
  /** The split shown for the image: the first list (alphabetical) that names it. */
  split: string | null;
  /** Every list that names it, sorted (trainval too). */
  splits: string[];
}

/** The VOC classes: index = palette index = label value (PASCAL VOC devkit). */
export function vocClasses(): Array<{ index: number; name: string; color: [number, number, number] }> {
  return VOC_CLASSES.map((name, index) => ({ index, name, color: vocColor(index) }));
}

async function listDir(dir: string): Promise<string[] | null> {
  return readdir(dir).catch(() => null);
}

/**
 * Which image ids to import and the splits of each. ImageSets/Segmentation/<split>.txt lists ids one
 * per line; without --split every list is read, and an image is in every list that names it (a
 * subset tagged by split, `tags add --split`, takes them all). The split shown for an image is the
 * first list naming it, alphabetically, leaving out trainval when train and val are both there (it
 * is their union). A training list sharing ids with an evaluation list (train and val) is named in
 * the import's notes.
 */
async function listIds(
  root: string,
  split: string | undefined,
  masks: Map<string, string>,
): Promise<{ listed: Listed[]; notes: string[] }> {
  const setsDir = join(root, 'ImageSets', 'Segmentation');
  const files = ((await listDir(setsDir)) ?? []).filter((f) => f.endsWith('.txt')).sort();
  const splits = files.map((f) => f.slice(0, -4));
  if (split !== undefined) {
    if (!splits.includes(split)) {
      const have = splits.length === 0 ? 'there are no split lists' : `available: ${splits.join(', ')}`;
      throw new ApiError('NOT_FOUND', `${join(setsDir, `${split}.txt`)}: split "${split}" not found (${have})`);
    }
    return { listed: (await readList(setsDir, split)).map((id) => ({ id, split, splits: [split] })), notes: [] };
  }
  if (splits.length === 0) return { listed: [...masks.keys()].sort().map((id) => ({ id, split: null, splits: [] })), notes: [] };
  const union = splits.includes('train') && splits.includes('val') ? 'trainval' : null;
  const lists = new Map<string, string[]>();
  for (const s of splits) lists.set(s, await readList(setsDir, s));
  const seen = new Map<string, Listed>();
  for (const [s, ids] of lists) {
    for (const id of ids) {
      const entry = seen.get(id);
      if (entry === undefined) seen.set(id, { id, split: s === union ? null : s, splits: [s] });
      else {
        if (!entry.splits.includes(s)) entry.splits.push(s);
        if (entry.split === null && s !== union) entry.split = s;
      }
    }
  }
  // An id only trainval names (a trainval wider than train and val) shows trainval.
  for (const entry of seen.values()) entry.split ??= entry.splits[0] ?? null;
  return { listed: [...seen.values()], notes: overlapNotes(lists) };
}

/**
 * A training list and an evaluation list that share ids (train and val, train_aug and val, train and
 * test): images a model trained on would be scored. By VOC's and SBD's names: train*, but not
 * trainval* (the union of the two by design), against lists naming val or test.
 */
function overlapNotes(lists: ReadonlyMap<string, readonly string[]>): string[] {
  const role = (name: string): 'train' | 'eval' | null => {
    const n = name.toLowerCase();
    if (n.startsWith('trainval')) return null;
    if (n.startsWith('train')) return 'train';
    return n.includes('val') || n.includes('test') ? 'eval' : null;
  };
  const notes: string[] = [];
  for (const [train, trainIds] of lists) {
    if (role(train) !== 'train') continue;
    const inTrain = new Set(trainIds);
    for (const [other, ids] of lists) {
      if (role(other) !== 'eval') continue;
      const shared = ids.filter((id) => inTrain.has(id));
      if (shared.length === 0) continue;
      notes.push(
        `${shared.length} image(s) are listed in both ${train}.txt and ${other}.txt (${shared.slice(0, 3).join(', ')}${shared.length > 3 ? ', …' : ''}): training images in an evaluation split; each is in both splits`,
      );
    }
  }
  return notes;
}

/** The ids a split list names, in its order, each once. */
async function readList(setsDir: string, split: string): Promise<string[]> {
  const text = (await readImportFile(join(setsDir, `${split}.txt`))).toString('utf8');
  // VOC lists hold one id per line; SBD-style lists ("/JPEGImages/x.jpg /SegmentationClassAug/x.png") are read too.
  const ids = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => listedId(l));
  return [...new Set(ids)];
}

/**
 * The image id a list line names. A VOC id is the whole line, dots included (`frame.001` is
 * JPEGImages/frame.001.jpg, not frame.jpg); an SBD-style line names the image by its path
 * ("/JPEGImages/x.jpg /SegmentationClassAug/x.png"), whose file name less its extension is the id.
 */
function listedId(line: string): string {
  const first = line.split(/\s+/)[0] ?? line;
  if (first === line && !line.includes('/')) return line;
  return basename(first, extname(first));
}

/** id -> image file in JPEGImages (any image extension; VOC itself uses .jpg). */
async function imageFiles(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of ((await listDir(dir)) ?? []).sort()) {
    if (IMAGE_EXTENSIONS.has(extname(f).toLowerCase())) out.set(basename(f, extname(f)), f);
  }
  return out;
}

/** id -> mask path; SegmentationClass wins over SegmentationClassAug for an id in both (they agree on VOC ids). */
async function maskFiles(root: string): Promise<{ masks: Map<string, string>; found: string[] }> {
  const masks = new Map<string, string>();
  const found: string[] = [];
  for (const folder of [...MASK_FOLDERS].reverse()) {
    const files = await listDir(join(root, folder));
    if (files === null) continue;
    found.push(folder);
    for (const f of files) if (f.toLowerCase().endsWith('.png')) masks.set(basename(f, extname(f)), join(root, folder, f));
  }
  return { masks, found };
}

function notVoc(root: string, missing: string): ApiError {
  return new ApiError(
    'INVALID_INPUT',
    `${root}: not a PASCAL VOC folder: ${missing} (expected JPEGImages/, SegmentationClass/ or SegmentationClassAug/, ImageSets/Segmentation/<split>.txt)`,
    { root },
  );
}

/** The root's classes: its labelmap.txt (datasets/labelmap.ts) when there is one, else VOC's 21. */
async function rootClasses(root: string): Promise<{ classes: LabelmapClass[]; from: string | null }> {
  const file = join(root, LABELMAP_FILE);
  if (!(await isFile(file))) return { classes: vocClasses(), from: null };
  return { classes: parseLabelmap((await readImportFile(file)).toString('utf8'), file), from: file };
}

async function readVocMask(
  path: string,
  image: StagedImage,
  labels: { count: number; from: string | null },
): Promise<StagedImage['samples'][number]['regions']> {
  const bytes = await readImportFile(path);
  // The mask's size picks the image's grid: raw unless it has the EXIF-rotated size (images/orientation.ts).
  // It is checked from the PNG header, before the pixels are inflated.
  const chosen: { grid: PixelGrid | null } = { grid: null };
  const mask = readMaskPng(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path, (size) => {
    chosen.grid = chooseGrid(image.probe, size, 'raw');
    if (chosen.grid === null) {
      throw new ApiError(
        'INVALID_INPUT',
        `${path}: mask is ${size.width}x${size.height} but its image ${image.fileName} is ${allowedSizes(image.probe)}`,
        { file: path, image: image.fileName },
      );
    }
  });
  image.grid = chosen.grid ?? 'raw';
  const parts = labelMapToRles(mask.data, mask.height, mask.width);
  for (const p of parts) {
    if (p.classIdx >= labels.count && p.classIdx !== IGNORE) {
      const classes = labels.from === null ? 'a VOC class' : `a class of ${labels.from}`;
      throw new ApiError(
        'INVALID_INPUT',
        `${path}: label value ${p.classIdx} (${p.area} pixels) is not ${classes} (0..${labels.count - 1}, 255 = ignore)`,
        { file: path, value: p.classIdx },
      );
    }
  }
  // Background is what no region covers; 255 (void) is kept as its own region (class 255). An
  // all-background mask keeps its class-0 region so the image still counts as annotated (and scored).
  const regions = parts.filter((p) => p.classIdx !== 0);
  return regions.length > 0 ? regions : parts;
}

/**
 * Imports a PASCAL VOC segmentation root: JPEGImages + SegmentationClass (palette PNGs, the palette
 * INDEX is the label) or SegmentationClassAug (grey PNGs), split lists from ImageSets/Segmentation.
 * Listed ids without a mask (VOC's test split) import without ground truth. The classes are VOC's 21,
 * or those a labelmap.txt at the root names (CVAT's file; `export --format voc` writes one).
 */
export async function importVoc(params: VocImportParams, deps: StoreDeps, ctx: JobContext): Promise<ImportResult> {
  const root = await requireDirectory(params.root, 'VOC root');
  const name = params.name ?? basename(root);
  requireFreeName(deps, name);
  const jpegDir = join(root, 'JPEGImages');
  if ((await listDir(jpegDir)) === null) throw notVoc(root, 'no JPEGImages/ folder');
  const { masks, found } = await maskFiles(root);
  if (found.length === 0) throw notVoc(root, 'no SegmentationClass/ or SegmentationClassAug/ folder');
  const images = await imageFiles(jpegDir);
  const { classes, from: labelmap } = await rootClasses(root);
  const { listed, notes } = await listIds(root, params.split, masks);
  if (listed.length === 0) throw new ApiError('INVALID_INPUT', `${root}: the split lists name no images`);
  for (const entry of listed) {
    if (!images.has(entry.id)) {
      const first = entry.splits[0];
      const list = first === undefined ? join(root, found[0] ?? '') : join(root, 'ImageSets', 'Segmentation', `${first}.txt`);
      throw new ApiError('NOT_FOUND', `${list}: ${entry.id}: no image ${entry.id}.jpg in ${jpegDir}`, { id: entry.id });
    }
  }

  const skipped: SkippedFile[] = [];
  const probed = await probeAll(
    listed,
    (e) => join(jpegDir, images.get(e.id) as string),
    (e) => images.get(e.id) as string,
    ctx,
    skipped,
  );
  const staged: StagedImage[] = probed.map(({ item, probe }) => {
    const file = images.get(item.id) as string;
    return {
      path: join(jpegDir, file),
      fileName: file,
      probe,
      split: item.split,
      splits: [...item.splits].sort(),
      externalId: item.id,
      samples: [{ regions: [] }],
    };
  });
  let annotated = 0;
  for (const [i, image] of staged.entries()) {
    ctx.signal.throwIfAborted();
    ctx.progress(i + 1, staged.length, 'reading masks');
    const maskPath = masks.get(image.externalId as string);
    if (maskPath === undefined || !(await isFile(maskPath))) continue;
    (image.samples[0] as StagedImage['samples'][number]).regions = await readVocMask(maskPath, image, {
      count: classes.length,
      from: labelmap,
    });
    annotated++;
  }
  if (staged.length === 0)
    throw new ApiError('INVALID_INPUT', `${root}: none of the ${listed.length} listed images could be read`, { skipped });

  ctx.progress(0, staged.length, 'writing');
  const datasetId = await writeStagedDataset(
    deps,
    {
      name,
      format: 'voc',
      task: annotated > 0 ? 'semantic' : 'unlabelled',
      sourcePath: root,
      meta: { split: params.split ?? null, maskFolders: found, ...(labelmap === null ? {} : { labelmap: LABELMAP_FILE }) },
      classes,
      images: staged,
    },
    ctx,
  );
  ctx.progress(staged.length, staged.length, 'done');
  return { datasetId, name, images: staged.length, annotated, skipped, orientations: stagedOrientationNotes(staged), notes };
}
