import { readdir } from 'node:fs/promises';
import { readImportFile } from '../api/readScope';
import { basename, extname, join } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import { jsonSyntaxError } from '../api/fileErrors';
import { vocColor, type ImportResult, type SkippedFile } from '../../../shared/domain';
import { IMAGE_EXTENSIONS } from '../images/probe';
import { chooseGrid, gridSize } from '../images/orientation';
import type { JobContext } from '../jobs/JobRunner';
import { labelMapToRles } from '../masks/labelMap';
import { rasterizeReasonSeg, type LabelMeShape } from '../masks/reasonseg';
import {
  probeAll,
  requireDirectory,
  requireFreeName,
  stagedOrientationNotes,
  writeStagedDataset,
  type StagedImage,
  type StoreDeps,
} from './staging';

export interface ReasonSegImportParams {
  dir: string;
  name?: string | undefined;
}

const SPLITS = ['train', 'val', 'test'];

interface Entry {
  split: string | null;
  imagePath: string;
  fileName: string;
  jsonPath: string;
  text: string[];
  isSentence: boolean | null;
  shapes: LabelMeShape[];
  /** LabelMe's imageWidth/imageHeight, when the JSON has them. */
  size: { width: number; height: number } | null;
}

/** The split folders under dir, or dir itself when it holds the .json files directly. */
async function splitFolders(dir: string): Promise<Array<{ split: string | null; dir: string }>> {
  const entries = await readdir(dir, { withFileTypes: true });
  const found = SPLITS.filter((s) => entries.some((e) => e.isDirectory() && e.name === s));
  if (found.length > 0) return found.map((s) => ({ split: s, dir: join(dir, s) }));
  const own = basename(dir);
  return [{ split: SPLITS.includes(own) ? own : null, dir }];
}

function parseAnnotation(jsonPath: string, text: string): Pick<Entry, 'text' | 'isSentence' | 'shapes' | 'size'> {
  let doc: unknown;
  try {
    // A UTF-8 byte order mark (some Windows editors write one) is not part of the JSON, as for COCO files.
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new ApiError('CORRUPT_FILE', `${jsonPath}: malformed JSON: ${jsonSyntaxError(err)}`, {
      file: jsonPath,
    });
  }
  const bad = (why: string): ApiError => new ApiError('INVALID_INPUT', `${jsonPath}: ${why}`, { file: jsonPath });
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad('expected a JSON object with "text" and "shapes"');
  const o = doc as Record<string, unknown>;
  const rawText = typeof o['text'] === 'string' ? [o['text']] : o['text'];
  if (!Array.isArray(rawText) || rawText.length === 0 || rawText.some((t) => typeof t !== 'string'))
    throw bad('"text" must be a non-empty list of query strings');
  if (!Array.isArray(o['shapes'])) throw bad('"shapes" must be a list of LabelMe shapes');
  const shapes = (o['shapes'] as unknown[]).map((s, i) => {
    const shape = s as Record<string, unknown> | null;
    if (typeof shape !== 'object' || shape === null || typeof shape['label'] !== 'string' || !Array.isArray(shape['points'])) {
      throw bad(`shape ${i}: expected {label, points}`);
    }
    return { label: shape['label'], points: shape['points'] as number[][] };
  });
  const isSentence = typeof o['is_sentence'] === 'boolean' ? o['is_sentence'] : null;
  const [w, h] = [o['imageWidth'], o['imageHeight']];
  const size = Number.isInteger(w) && Number.isInteger(h) ? { width: w as number, height: h as number } : null;
  return { text: rawText as string[], isSentence, shapes, size };
}

/**
 * An annotation file's text: UTF-8, or Windows-1252 when the bytes are not UTF-8 (LISA's
 * get_mask_from_json reads such files again with encoding="cp1252"; decoded as UTF-8 their accents
 * and quotes would become U+FFFD in the stored queries).
 */
function annotationText(bytes: Buffer): { text: string; cp1252: boolean } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), cp1252: false };
  } catch {
    return { text: decodeCp1252(bytes), cp1252: true };
  }
}

/**
 * Windows-1252 bytes 0x80-0x9F (the rest are Latin-1). Node 20's TextDecoder('windows-1252') decodes
 * them as Latin-1 controls (’ = 0x92 became U+0092), so the table is here. Bytes Windows-1252 leaves
 * undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) stay the control characters, as WHATWG decodes them.
 */
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

function decodeCp1252(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    out += b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80]! : String.fromCharCode(b);
  }
  return out;
}

async function listEntries(dir: string, skipped: SkippedFile[], notUtf8: string[]): Promise<Entry[]> {
  const out: Entry[] = [];
  for (const folder of await splitFolders(dir)) {
    const files = (await readdir(folder.dir)).sort();
    // Image files by stem; a.jpg and a.png share one, and an a.json beside them cannot say which it annotates.
    const images = new Map<string, string[]>();
    for (const f of files.filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()))) {
      const stem = basename(f, extname(f));
      images.set(stem, [...(images.get(stem) ?? []), f]);
    }
    const jsons = new Set(files.filter((f) => f.toLowerCase().endsWith('.json')).map((f) => basename(f, extname(f))));
    for (const [stem, found] of images)
      if (!jsons.has(stem)) for (const file of found) skipped.push({ file: join(folder.dir, file), reason: `no ${stem}.json beside it` });
    for (const stem of jsons) {
      const jsonPath = join(folder.dir, `${stem}.json`);
      const found = images.get(stem);
      const image = found?.[0];
      if (found === undefined || image === undefined)
        throw new ApiError('NOT_FOUND', `${jsonPath}: no image ${stem}.jpg beside it`, { file: jsonPath });
      if (found.length > 1)
        throw new ApiError(
          'INVALID_INPUT',
          `${jsonPath}: this annotation would belong to ${found.length} images with the stem "${stem}" (${found.join(', ')}); rename them so each annotation has one image`,
          { file: jsonPath, images: found },
        );
      const decoded = annotationText(await readImportFile(jsonPath));
      if (decoded.cp1252) notUtf8.push(`${stem}.json`);
      const parsed = parseAnnotation(jsonPath, decoded.text);
      out.push({ split: folder.split, imagePath: join(folder.dir, image), fileName: image, jsonPath, ...parsed });
    }
  }
  return out;
}

/**
 * Imports ReasonSeg (LISA): one sample per image, query = text[0] (what evaluation uses), every
 * query kept in samples.queries. The mask is rasterized as LISA does (masks.rasterizeReasonSeg):
 * target regions become class 1, `ignore` regions class 255.
 */
export async function importReasonSeg(params: ReasonSegImportParams, deps: StoreDeps, ctx: JobContext): Promise<ImportResult> {
  const dir = await requireDirectory(params.dir, 'ReasonSeg folder');
  const name = params.name ?? basename(dir);
  requireFreeName(deps, name);
  const skipped: SkippedFile[] = [];
  const notUtf8: string[] = [];
  const entries = await listEntries(dir, skipped, notUtf8);
  if (entries.length === 0)
    throw new ApiError('INVALID_INPUT', `${dir}: no ReasonSeg annotations (<name>.json beside <name>.jpg, in train/, val/ or test/)`);

  const probed = await probeAll(
    entries,
    (e) => e.imagePath,
    (e) => e.imagePath,
    ctx,
    skipped,
  );
  const images: StagedImage[] = [];
  for (const [i, { item, probe }] of probed.entries()) {
    ctx.signal.throwIfAborted();
    ctx.progress(i + 1, probed.length, 'rasterizing masks');
    // LISA reads images with cv2.imread, which applies EXIF orientation, and LabelMe annotates the
    // rotated image: the oriented grid, unless the JSON's imageWidth/imageHeight is the raw size only.
    const grid = chooseGrid(probe, item.size, 'oriented') ?? 'oriented';
    const size = gridSize(probe, grid);
    let labels: Uint8Array;
    try {
      labels = rasterizeReasonSeg(item.shapes, size.height, size.width);
    } catch (err) {
      throw new ApiError('INVALID_INPUT', `${item.jsonPath}: ${err instanceof Error ? err.message : String(err)}`, { file: item.jsonPath });
    }
    const regions = labelMapToRles(labels, size.height, size.width).filter((p) => p.classIdx !== 0);
    images.push({
      path: item.imagePath,
      fileName: item.fileName,
      probe,
      grid,
      split: item.split,
      externalId: basename(item.fileName, extname(item.fileName)),
      samples: [{ query: item.text[0] ?? null, queries: item.text, isSentence: item.isSentence, regions }],
    });
  }
  if (images.length === 0) throw new ApiError('INVALID_INPUT', `${dir}: none of the ${entries.length} images could be read`, { skipped });

  ctx.progress(0, images.length, 'writing');
  const datasetId = await writeStagedDataset(
    deps,
    {
      name,
      format: 'reasonseg',
      task: 'referring',
      sourcePath: dir,
      meta: { splits: [...new Set(images.map((i) => i.split))] },
      classes: [
        { index: 0, name: 'background', color: vocColor(0) },
        { index: 1, name: 'target', color: vocColor(1) },
      ],
      images,
    },
    ctx,
  );
  ctx.progress(images.length, images.length, 'done');
  return {
    datasetId,
    name,
    images: images.length,
    annotated: images.filter((i) => (i.samples[0]?.regions.length ?? 0) > 0).length,
    skipped,
    orientations: stagedOrientationNotes(images),
    notes:
      notUtf8.length === 0
        ? []
        : [
            `${notUtf8.length} annotation file(s) are not UTF-8 (${notUtf8.slice(0, 3).join(', ')}${notUtf8.length > 3 ? ', …' : ''}): read as Windows-1252, as LISA does`,
          ],
  };
}
