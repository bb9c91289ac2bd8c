import { basename, extname, join } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import { vocColor, type ImportResult, type SkippedFile } from '../../../shared/domain';
import type { JobContext } from '../jobs/JobRunner';
import { readCocoInstances, type CocoAnnotation } from './cocoReader';
import { probeCocoImages, requireImageFiles } from './coco';
import { streamJsonArrays } from './jsonStream';
import {
  requireDirectory,
  requireFile,
  requireFreeName,
  stagedOrientationNotes,
  writeStagedDataset,
  type StagedImage,
  type StagedSample,
  type StoreDeps,
} from './staging';

export interface RefCocoImportParams {
  refs: string;
  instances: string;
  imagesDir: string;
  split?: string | undefined;
  name?: string | undefined;
}

/** One ref as the refer API (lichengunc/refer, used by LISA) stores it in refs(unc).p, converted to JSON. */
interface Ref {
  refId: number;
  annId: number;
  imageId: number;
  split: string | null;
  sentences: string[];
}

function parseRef(v: unknown, i: number, label: string): Ref {
  const bad = (why: string): ApiError => new ApiError('INVALID_INPUT', `${label}: ref entry ${i}: ${why}`, { file: label, entry: i });
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('not an object');
  const o = v as Record<string, unknown>;
  const int = (k: string): number => {
    const n = o[k];
    if (typeof n !== 'number' || !Number.isInteger(n))
      throw bad(`"${k}" is ${n === undefined ? 'missing' : JSON.stringify(n)}, expected an integer`);
    return n;
  };
  const sentences = o['sentences'];
  if (!Array.isArray(sentences) || sentences.length === 0) throw bad('"sentences" must be a non-empty list');
  const texts = sentences.map((s, j) => {
    const text = typeof s === 'string' ? s : typeof s === 'object' && s !== null ? (s as Record<string, unknown>)['sent'] : undefined;
    if (typeof text !== 'string') throw bad(`sentence ${j}: expected a string or {sent: string}`);
    return text;
  });
  return {
    refId: int('ref_id'),
    annId: int('ann_id'),
    imageId: int('image_id'),
    split: typeof o['split'] === 'string' ? o['split'] : null,
    sentences: texts,
  };
}

async function readRefs(file: string, split: string | undefined, ctx: JobContext): Promise<Ref[]> {
  const label = basename(file);
  const refs: Ref[] = [];
  const seen = new Set<number>();
  const splits = new Set<string>();
  const take = (v: unknown, i: number): void => {
    const ref = parseRef(v, i, label);
    if (seen.has(ref.refId)) throw new ApiError('INVALID_INPUT', `${label}: ref ${ref.refId}: duplicate ref_id`, { file: label });
    seen.add(ref.refId);
    if (ref.split !== null) splits.add(ref.split);
    if (split === undefined || ref.split === split) refs.push(ref);
  };
  const shape: { top: 'object' | 'array' | 'value' | null } = { top: null };
  const keys = await streamJsonArrays(file, {
    label,
    signal: ctx.signal,
    arrays: { '': take, refs: take },
    onProgress: (d, t) => ctx.progress(d, t, `reading ${label}`),
    onTop: (t) => {
      shape.top = t;
    },
  });
  if (seen.size === 0 && (shape.top === 'array' || keys.has('refs')))
    throw new ApiError('INVALID_INPUT', `${label}: the list of refs is empty`, { file: label });
  if (seen.size === 0 && !keys.has('refs')) {
    // What the file holds instead, by kind (never its text: a web client may not read the file itself).
    const found = shape.top === 'object' ? 'an object without a "refs" key' : 'a single JSON value (text, a number, ...), not a list';
    throw new ApiError('INVALID_INPUT', `${label}: expected a list of refs or {"refs": [...]}, found ${found}`, { file: label });
  }
  if (refs.length === 0) {
    const have = splits.size === 0 ? 'the refs have no split' : `splits: ${[...splits].sort().join(', ')}`;
    throw new ApiError('INVALID_INPUT', `${label}: no refs${split === undefined ? '' : ` in split "${split}"`} (${have})`, { file: label });
  }
  return refs;
}

/**
 * Referred instances drawn as polygons that overlap one another (probe AB): Tessera's ground truth is
 * their union (pycocotools, refer's getMask); LISA's val loader sums the per-polygon masks, and its
 * gIoU/cIoU then count the overlap as not the target (masks/rle.ts polygonsOverlapArea). Said at
 * import, with how many queries and pixels it concerns, so a score that differs from LISA's on these
 * queries is explained, not silent.
 */
function overlapNotes(refs: readonly Ref[], byAnn: ReadonlyMap<number, CocoAnnotation>): string[] {
  const overlapping = new Map<number, number>();
  let queries = 0;
  for (const ref of refs) {
    const pixels = byAnn.get(ref.annId)?.polygonOverlap ?? 0;
    if (pixels === 0) continue;
    overlapping.set(ref.annId, pixels);
    queries += ref.sentences.length;
  }
  if (overlapping.size === 0) return [];
  const pixels = [...overlapping.values()].reduce((a, b) => a + b, 0);
  const examples = [...overlapping.keys()].slice(0, 3).join(', ');
  return [
    `${overlapping.size} referred instance(s) (${queries} quer${queries === 1 ? 'y' : 'ies'}; ann ${examples}${overlapping.size > 3 ? ', …' : ''}) are drawn as polygons that overlap one another (${pixels} pixel(s) in all): their ground truth here is the union of the polygons, as pycocotools and refer's getMask draw it; LISA's val loader sums the polygons' masks, so its gIoU/cIoU count those pixels as not the target, and its scores on these queries differ from Tessera's`,
  ];
}

/**
 * Imports a RefCOCO-style dataset: refs (README "RefCOCO layout") point at instances of a COCO
 * instances JSON. One sample per sentence, query = the sentence; its ground truth is the referred
 * instance's mask as a class-1 region. Only the images and instances the refs use are read.
 */
export async function importRefCoco(params: RefCocoImportParams, deps: StoreDeps, ctx: JobContext): Promise<ImportResult> {
  const refsFile = await requireFile(params.refs, 'refs file');
  const instancesFile = await requireFile(params.instances, 'instances file');
  const imagesDir = await requireDirectory(params.imagesDir, 'image folder');
  const name = params.name ?? `${basename(refsFile, extname(refsFile))}${params.split === undefined ? '' : `-${params.split}`}`;
  requireFreeName(deps, name);

  const refsLabel = basename(refsFile);
  const refs = await readRefs(refsFile, params.split, ctx);
  const annIds = new Set(refs.map((r) => r.annId));
  // Image entries are small, so all are kept while reading: a ref whose image_id disagrees with its
  // instance's image must be reported as such, not as a missing instance.
  const instances = await readCocoInstances(instancesFile, {
    signal: ctx.signal,
    keepAnnotation: (id) => annIds.has(id),
    polygonOverlap: true,
    onProgress: (d, t) => ctx.progress(d, t, `reading ${basename(instancesFile)}`),
  });
  const byAnn = new Map<number, CocoAnnotation>(instances.annotations.map((a) => [a.id, a]));
  for (const ref of refs) {
    const ann = byAnn.get(ref.annId);
    if (ann === undefined)
      throw new ApiError(
        'INVALID_INPUT',
        `${refsLabel}: ref ${ref.refId}: ann_id ${ref.annId} is not among the instances in ${instances.label}`,
      );
    if (ann.imageId !== ref.imageId) {
      throw new ApiError(
        'INVALID_INPUT',
        `${refsLabel}: ref ${ref.refId}: image_id ${ref.imageId} differs from instance ${ref.annId}'s image ${ann.imageId}`,
      );
    }
  }
  const referred = new Set(refs.map((r) => r.imageId));
  const entries = instances.images.filter((e) => referred.has(e.id));
  await requireImageFiles(instances.label, entries, imagesDir, ctx);
  const skipped: SkippedFile[] = [];
  const probed = await probeCocoImages(instances.label, entries, imagesDir, ctx, skipped);

  const samplesOf = new Map<number, { split: string | null; samples: StagedSample[] }>();
  let sentences = 0;
  for (const ref of refs) {
    const ann = byAnn.get(ref.annId) as CocoAnnotation;
    const entry = samplesOf.get(ref.imageId) ?? { split: ref.split, samples: [] };
    for (const sent of ref.sentences) {
      entry.samples.push({
        query: sent,
        queries: [sent],
        regions: [{ classIdx: 1, rle: ann.rle, area: ann.area, bbox: ann.bbox, iscrowd: ann.iscrowd, externalId: String(ann.id) }],
      });
      sentences++;
    }
    samplesOf.set(ref.imageId, entry);
  }
  const images: StagedImage[] = probed.map(({ item, probe, grid }) => ({
    path: join(imagesDir, item.fileName),
    fileName: item.fileName,
    probe,
    grid,
    split: samplesOf.get(item.id)?.split ?? null,
    externalId: String(item.id),
    samples: samplesOf.get(item.id)?.samples ?? [],
  }));
  if (images.length === 0)
    throw new ApiError('INVALID_INPUT', `${instances.label}: none of the referred images could be read`, { skipped });

  ctx.progress(0, images.length, 'writing');
  const datasetId = await writeStagedDataset(
    deps,
    {
      name,
      format: 'refcoco',
      task: 'referring',
      sourcePath: refsFile,
      meta: { refs: refsFile, instances: instancesFile, imagesDir, split: params.split ?? null, sentences },
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
    annotated: images.length,
    skipped,
    orientations: stagedOrientationNotes(images),
    notes: overlapNotes(refs, byAnn),
  };
}
