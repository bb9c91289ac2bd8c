import { readdirSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { perQueryNaming, samplesByFileStem } from './stems';
import { ApiError } from '../../../shared/api/errors';
import type { PredictionFormat, PredictionsImportResult } from '../../../shared/api/methods/datasets';
import type { SkippedFile } from '../../../shared/domain';
import type { JobContext } from '../jobs/JobRunner';
import { fingerprint } from '../metrics/evaluationSet';
import { metricRowsStore } from '../store/repos/metricRows';
import type { CountRow } from '../metrics/sampleCounts';
import type { PredictionRegion } from '../store/repos/predictions';
import type { CurrentRegion } from '../store/repos/annotations';
import { mapInPool, sharedPool } from '../workers/pool';
import { predictionPngRegions, predictionPngRows, type PredictionPngTask } from '../workers/tasks';
import { segmentationToRle } from './cocoReader';
import { streamJsonArrays } from './jsonStream';
import { loadHeatmap, planHeatmaps, type HeatmapPlanItem } from './predictionHeatmaps';
import { datasetClasses, datasetImages, datasetReducesZeroLabel, requireDataset, type DatasetImage } from '../store/repos/datasetReads';
import { removeHiddenRun, StreamedSlices, writeInSlices } from './slicedWrite';
import { revReaders } from '../store/repos/evaluation';
import { groundTruthRunsStore, type KeptRuns } from '../store/repos/groundTruthRuns';
import { hasTable } from '../store/schemaTables';
import type { StoreDeps } from './staging';

export interface PredictionsImportParams {
  datasetId: number;
  run: string;
  format: PredictionFormat;
  path: string;
  /** coco-results: results scoring below this are left out. */
  minScore?: number | undefined;
  /** png: grey values above this are the target / class 1 (probability maps; referring or two-class datasets). */
  maskThreshold?: number | undefined;
  /** png: files written as class + 1 (mmseg's format_only on a reduce_zero_label dataset). */
  reduceZeroLabel?: boolean | undefined;
}

/** How a PNG import reads values (checked against the dataset before any file is read). */
interface PngReading {
  threshold?: number | undefined;
  reduceZeroLabel?: boolean | undefined;
  outOfRangeHint?: string | undefined;
}

function pngReading(
  params: PredictionsImportParams,
  dataset: { name: string; task: string },
  classes: number[],
  reduced: boolean,
): PngReading {
  const { maskThreshold: t, reduceZeroLabel } = params;
  if (t === undefined && reduceZeroLabel !== true)
    return reduced
      ? {
          outOfRangeHint:
            "; the dataset's masks were imported with --reduce-zero-label: files written as class + 1 (mmseg's format_only) need --reduce-zero-label",
        }
      : {};
  const flag = t !== undefined ? '--mask-threshold' : '--reduce-zero-label';
  if (params.format !== 'png') throw new ApiError('INVALID_INPUT', `${flag} applies to --format png only`);
  if (t !== undefined && reduceZeroLabel === true)
    throw new ApiError('INVALID_INPUT', '--mask-threshold and --reduce-zero-label read files in two different ways: choose one');
  if (t !== undefined && !(Number.isInteger(t) && t >= 0 && t <= 254))
    throw new ApiError('INVALID_INPUT', `--mask-threshold must be a whole number from 0 to 254 (value > it is the target), not ${t}`);
  if (t !== undefined && dataset.task !== 'referring' && !(classes.length === 2 && classes.every((c) => c === 0 || c === 1)))
    throw new ApiError(
      'INVALID_INPUT',
      `--mask-threshold reads binary masks: dataset "${dataset.name}" has ${classes.length} classes (it applies to referring datasets and datasets of two classes)`,
    );
  if (reduceZeroLabel === true && dataset.task !== 'semantic')
    throw new ApiError('INVALID_INPUT', `--reduce-zero-label reads class indices: dataset "${dataset.name}" is ${dataset.task}`);
  return t !== undefined ? { threshold: t } : { reduceZeroLabel: true };
}

type Staged = Map<number, Array<Omit<PredictionRegion, 'runId' | 'sampleId'>>>;

/** COCO results name images: they land on the image's only sample; several samples (queries) per image are ambiguous. */
function sampleOf(datasetName: string) {
  return (image: DatasetImage): number => {
    const [first, second] = image.sampleIds;
    if (first === undefined) throw new ApiError('INVALID_INPUT', `image ${image.fileName} of dataset "${datasetName}" has no sample`);
    if (second !== undefined) {
      throw new ApiError(
        'INVALID_INPUT',
        `dataset "${datasetName}" has several queries per image (${image.fileName} has ${image.sampleIds.length}); COCO results name images, so they cannot say which query they answer: import one PNG per query instead (--format png, ${perQueryNaming(basename(image.fileName, extname(image.fileName)), image.sampleIds.length, '.png')})`,
      );
    }
    return first;
  };
}

/** A prediction file and the sample it answers. */
interface MatchedFile {
  file: string;
  image: DatasetImage;
  sampleId: number;
}

/**
 * PNG predictions named like the dataset's images (by stem; `<stem>.q<k>.png` for the k-th query of
 * an image with several), in file name order; the rest are skipped with their reason.
 */
async function matchPngs(dir: string, images: DatasetImage[], datasetName: string, skipped: SkippedFile[]): Promise<MatchedFile[]> {
  const byStem = samplesByFileStem(images, datasetName, '.png');
  const files = (await readdir(dir)).filter((f) => f.toLowerCase().endsWith('.png')).sort();
  const matched: MatchedFile[] = [];
  const fileOf = new Map<number, string>();
  for (const f of files) {
    const found = byStem.lookup(basename(f, extname(f)), join(dir, f));
    if (found === undefined || 'why' in found) {
      skipped.push({ file: f, reason: found?.why ?? 'no image of the dataset has this name' });
      continue;
    }
    const other = fileOf.get(found.sampleId);
    if (other !== undefined)
      throw new ApiError(
        'INVALID_INPUT',
        `${join(dir, f)}: ${other} and ${f} are both predictions for image ${found.image.fileName}${found.image.sampleIds.length > 1 ? ` (query ${found.image.sampleIds.indexOf(found.sampleId)})` : ''}`,
        { file: join(dir, f) },
      );
    fileOf.set(found.sampleId, f);
    matched.push({ file: f, image: found.image, sampleId: found.sampleId });
  }
  return matched;
}

/** One PNG prediction, decoded and encoded (and counted) by the pool, as it is written. */
interface PngItem {
  sampleId: number;
  /** Whether the file holds class 0 (PNG files only). */
  zero?: boolean;
  regions: Array<Omit<PredictionRegion, 'runId' | 'sampleId'>>;
  /** Its counts against the ground truth it was read with (that ground truth's counter value then); null: not counted. */
  counted: { rows: CountRow[]; gtRev: number | null } | null;
  /** That ground truth merged into one run sequence, packed, when the count made it (to keep for the next import). */
  groundTruthRuns?: KeptRuns | null;
  /** Whether it was counted against a kept sequence that could not be read (cut, or another size): not counted, dropped. */
  keptUnread?: boolean;
}

/**
 * Decodes, checks and encodes the PNGs in the worker pool (one task per file, in file order) and,
 * on a semantic dataset, counts each against its image's ground truth while the map is decoded, so
 * the run's metric rows are written with its predictions and `eval` afterwards has nothing to do.
 * Each result goes to `write` as it arrives (in order): the run's slices are written while the
 * pool reads the next files.
 */
async function readPngs(
  dir: string,
  matched: MatchedFile[],
  classes: number[],
  foreground: boolean,
  reading: PngReading,
  counting: {
    revs: ReturnType<typeof revReaders>;
    repos: StoreDeps['repos'];
    kept: ReturnType<typeof groundTruthRunsStore> | null;
    numClasses: number;
  } | null,
  write: (item: PngItem) => Promise<void>,
  ctx: JobContext,
): Promise<void> {
  const gtRevs = new Map<number, number | null>();
  const sentKept = new Set<number>();
  // Ground truth to count against, read for the next GT_CHUNK files at a time (one query each for
  // counters, kept run sequences and regions instead of three per file), as the pool asks for inputs
  // in file order. A sample whose ground truth was merged by an earlier count (and is unchanged since)
  // goes as that sequence; the others go as their regions.
  const GT_CHUNK = 128;
  let chunkEnd = 0;
  let chunk = new Map<number, CurrentRegion[]>();
  let chunkKept = new Map<number, KeptRuns>();
  let chunkRevs = new Map<number, number>();
  const groundTruthAt = (index: number, sampleId: number): { regions: CurrentRegion[]; kept: KeptRuns | null; rev: number | null } => {
    if (index >= chunkEnd && counting !== null) {
      const ids = matched
        .slice(index, index + GT_CHUNK)
        .flatMap(({ image }) => (image.sampleIds.length === 1 ? [image.sampleIds[0]!] : []));
      chunkRevs = counting.revs.groundTruths(ids);
      chunkKept = counting.kept?.current(ids) ?? new Map();
      chunk = counting.repos.annotations.currentForSamples(ids.filter((id) => !chunkKept.has(id)));
      chunkEnd = index + GT_CHUNK;
    }
    return { regions: chunk.get(sampleId) ?? [], kept: chunkKept.get(sampleId) ?? null, rev: chunkRevs.get(sampleId) ?? null };
  };
  await mapInPool(
    sharedPool(),
    matched,
    'predictionPng',
    ({ file, image }, index) => {
      let count: PredictionPngTask['count'] = null;
      if (counting !== null && image.sampleIds.length === 1) {
        const sampleId = image.sampleIds[0]!;
        const { regions: groundTruth, kept, rev } = groundTruthAt(index, sampleId);
        gtRevs.set(sampleId, rev);
        // Only samples evaluation scores (semantic ones with ground truth) are counted.
        if (kept !== null) {
          count = { numClasses: counting.numClasses, groundTruthRuns: kept };
          sentKept.add(sampleId);
        } else if (groundTruth.length > 0)
          count = { numClasses: counting.numClasses, groundTruth: groundTruth.map((r) => ({ classIdx: r.classIdx, rle: r.rle })) };
      }
      return {
        path: join(dir, file),
        fileName: image.fileName,
        width: image.width,
        height: image.height,
        classes,
        foreground,
        count,
        ...reading,
      };
    },
    (result, { image, sampleId }) =>
      write({
        sampleId,
        zero: result.zero,
        regions: predictionPngRegions(result, image.height, image.width),
        counted: result.rows === null ? null : { rows: predictionPngRows(result.rows), gtRev: gtRevs.get(sampleId) ?? null },
        groundTruthRuns:
          result.groundTruthRuns === null ? null : { height: image.height, width: image.width, runs: result.groundTruthRuns },
        keptUnread: result.rows === null && sentKept.has(sampleId),
      }),
    ctx.signal,
    // Deeper queues than the default: the workers keep going while a slice is written (~3-5 ms of
    // the engine's thread; 32 tasks are ~8 ms of a worker's, 8 were too few to cover it).
    32,
  );
}

async function stageCocoResults(
  file: string,
  images: DatasetImage[],
  classOf: Map<number, number>,
  pick: (i: DatasetImage) => number,
  minScore: number | undefined,
  ctx: JobContext,
): Promise<{ staged: Staged; scores: ResultScores }> {
  const label = basename(file);
  const scores: ResultScores = { kept: 0, below: 0, belowHalf: 0, unscored: 0 };
  const byId = new Map(images.filter((i) => i.externalId !== null).map((i) => [i.externalId as string, i]));
  const staged: Staged = new Map();
  const instance = new Map<string, number>();
  await streamJsonArrays(file, {
    label,
    signal: ctx.signal,
    onProgress: (d, t) => ctx.progress(d, t, `reading ${label}`),
    arrays: {
      '': (v, i) => {
        const fail = (why: string): never => {
          throw new ApiError('INVALID_INPUT', `${label}: result ${i}: ${why}`, { file: label, item: i });
        };
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail('not an object');
        const o = v as Record<string, unknown>;
        // As strict as the instances reader: "1" or [1] is not the image id 1.
        const imageId = o['image_id'];
        if (typeof imageId !== 'number' || !Number.isInteger(imageId))
          return fail(
            `"image_id" is ${imageId === undefined ? 'missing' : JSON.stringify(imageId)}, expected an integer${
              imageId === undefined && 'file_name' in o
                ? " (a result per file name, as detectron2's sem_seg_predictions.json or SAM's masks: import those as PNG label maps)"
                : ''
            }`,
          );
        const image = byId.get(String(imageId));
        if (image === undefined)
          return fail(
            `image_id ${JSON.stringify(o['image_id'])} is not an image of the dataset (COCO results match images by their COCO id)`,
          );
        const classIdx = classOf.get(o['category_id'] as number);
        if (classIdx === undefined)
          return fail(
            `category_id ${JSON.stringify(o['category_id'])} is not a category of the dataset (its COCO ids: ${cocoIds(classOf)}; a toolbox's contiguous 0- or 1-based ids need its mapping back to the dataset's ids)`,
          );
        if (o['segmentation'] === undefined) return fail('no segmentation (bbox-only results cannot be painted as masks)');
        const score = o['score'];
        if (score !== undefined && (typeof score !== 'number' || !Number.isFinite(score))) return fail('score is not a number');
        let seg;
        try {
          seg = segmentationToRle(o['segmentation'], {
            id: Number(image.externalId),
            fileName: image.fileName,
            width: image.width,
            height: image.height,
          });
        } catch (err) {
          return fail(err instanceof Error ? err.message : String(err));
        }
        if (minScore !== undefined && (typeof score !== 'number' || score < minScore)) {
          scores.below++;
          return;
        }
        scores.kept++;
        if (typeof score === 'number' && score < 0.5) scores.belowHalf++;
        if (score === undefined) scores.unscored++;
        const sampleId = pick(image);
        const key = `${sampleId}/${classIdx}`;
        const n = instance.get(key) ?? 0;
        instance.set(key, n + 1);
        const list = staged.get(sampleId) ?? [];
        list.push({ classIdx, instance: n, rle: seg.rle, area: seg.area, score: (score as number | undefined) ?? null });
        staged.set(sampleId, list);
      },
    },
  });
  return { staged, scores };
}

/**
 * Images on the oriented grid whose EXIF orientation keeps their size (2-4: mirrored or turned 180°).
 * Their predictions are read on that grid (as cv2.imread shows the image); masks made on the stored
 * pixels (PIL, or a Tessera VOC export, which writes the stored grid) would lie mirrored or turned
 * without any size to tell. Named, so a researcher can check.
 */
/** A dataset's COCO category ids for a message: all of a few, the first ten of many. */
function cocoIds(classOf: Map<number, number>): string {
  const ids = [...classOf.keys()].sort((a, b) => a - b);
  return ids.length > 12 ? `${ids.slice(0, 10).join(', ')}, … (${ids.length})` : ids.join(', ');
}

/** What a folder held when none of its files matched: a few names and why, and the names expected. */
function noMatchDetail(format: PredictionFormat, path: string, skipped: SkippedFile[], images: DatasetImage[]): string {
  if (format === 'coco-results') return '';
  const ext = format === 'png' ? '.png' : format === 'npy' ? '.npy' : '.npz';
  const example =
    images[0] === undefined
      ? ''
      : ` (expected <image stem>${ext}, e.g. ${basename(images[0].fileName, extname(images[0].fileName))}${ext})`;
  const seen = skipped.slice(0, 3).map((s) => `${s.file}: ${s.reason}`);
  if (seen.length > 0) return `${example}; found ${skipped.length} other file(s): ${seen.join('; ')}${skipped.length > 3 ? '; …' : ''}`;
  let others: string[] = [];
  try {
    others = readdirSync(path).filter((f) => !f.startsWith('.'));
  } catch {
    // Listed once already: an error here only loses the detail.
  }
  return `${example}; it holds no ${ext} file${others.length > 0 ? ` (found ${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''})` : ''}`;
}

function turnedGridNotes(images: DatasetImage[]): string[] {
  const turned = images.filter((i) => i.grid === 'oriented' && i.exifOrientation >= 2 && i.exifOrientation <= 4).map((i) => i.fileName);
  if (turned.length === 0) return [];
  return [
    `${turned.length} image(s) are on the oriented grid with an EXIF orientation that keeps their size (${turned.slice(0, 3).join(', ')}${turned.length > 3 ? ', …' : ''}): their predictions are read as cv2.imread shows the image; masks made on the stored pixels (PIL, a VOC export) would lie mirrored or turned 180°`,
  ];
}

/**
 * The splits a folder of PNGs covers, when every image without a file is in another split (a val
 * folder imported into a dataset of train, val and test): LISA and mmseg score one split, and a
 * researcher scores this run with `--subset` on that split, where the whole dataset would score the
 * other splits as all background. Undefined when an image of a covered split lacks a file, or any
 * image has no split.
 */
function splitCoverage(
  matched: readonly MatchedFile[],
  missing: readonly DatasetImage[],
): { covered: string[]; without: string[] } | undefined {
  const covered = new Set<string>();
  for (const m of matched) {
    if (m.image.split === null) return undefined;
    covered.add(m.image.split);
  }
  const without = new Set<string>();
  for (const i of missing) {
    if (i.split === null || covered.has(i.split)) return undefined;
    without.add(i.split);
  }
  if (covered.size === 0) return undefined;
  return { covered: [...covered].sort(), without: [...without].sort() };
}

/** An image some of whose samples have no prediction file; with several queries, the queries without one (`a.jpg (q1, q2)`). */
function missingName(image: DatasetImage, predicted: ReadonlySet<number>): string {
  if (image.sampleIds.length < 2 || !image.sampleIds.some((s) => predicted.has(s))) return image.fileName;
  const without = image.sampleIds.flatMap((s, k) => (predicted.has(s) ? [] : [`q${k}`]));
  return `${image.fileName} (${without.join(', ')})`;
}

/** How many COCO results were kept, left out by --min-score, and kept below 0.5. */
interface ResultScores {
  kept: number;
  below: number;
  belowHalf: number;
  /** Kept results without a score. */
  unscored: number;
}

/**
 * What a coco-results import says about scores: overlapping results are painted lowest score first,
 * so the most confident is on top (store/repos/predictions.ts forSample), and every kept result is
 * painted, however low its score: detector dumps keep results down to 0.05, which cover background.
 */
function scoreNotes(scores: ResultScores, minScore: number | undefined): string[] {
  const notes: string[] = [];
  if (minScore !== undefined) notes.push(`${scores.below} result(s) scoring below ${minScore} (or without a score) left out`);
  if (scores.belowHalf > 0)
    notes.push(
      `${scores.belowHalf} of ${scores.kept} result(s) score below 0.5; every result is painted (highest score on top)${minScore === undefined ? ': pass --min-score 0.5 to keep only the confident ones' : ''}`,
    );
  // Without scores there is no confidence to order overlaps by: say which order paints them.
  if (scores.unscored > 0)
    notes.push(
      `${scores.unscored} of ${scores.kept} result(s) have no score: painted under the scored ones, by class index and then in file order within a class (where they overlap, a higher class index covers a lower one, whatever the file's order)`,
    );
  return notes;
}

/**
 * Imports predictions made elsewhere as a run (source 'import', status 'complete'): PNG label maps,
 * COCO results JSON, .npy heatmaps or ToCo/IRN CAM dicts (.npz). Everything is read and checked
 * first; the run is then written in slices, hidden until the last one (datasets/slicedWrite.ts).
 */
export async function importPredictions(
  params: PredictionsImportParams,
  deps: StoreDeps,
  ctx: JobContext,
): Promise<PredictionsImportResult> {
  const dataset = requireDataset(deps.db, params.datasetId);
  if (deps.repos.runs.nameTaken(dataset.id, params.run)) {
    throw new ApiError('CONFLICT', `run "${params.run}" already exists on dataset "${dataset.name}"; choose another name`, {
      run: params.run,
    });
  }
  const path = resolve(params.path);
  const info = await stat(path).catch(() => null);
  if (info === null) throw new ApiError('NOT_FOUND', `predictions not found: ${path}`);
  const wantFile = params.format === 'coco-results';
  if (wantFile !== info.isFile())
    throw new ApiError(
      'INVALID_INPUT',
      `${path}: --format ${params.format} expects ${wantFile ? 'a results JSON file' : 'a folder of per-image files'}`,
    );

  const images = datasetImages(deps.db, dataset.id);
  const classes = datasetClasses(deps.db, dataset.id);
  const reduced = datasetReducesZeroLabel(deps.db, dataset.id);
  const reading = pngReading(
    params,
    dataset,
    classes.map((c) => c.index),
    reduced,
  );
  const pick = sampleOf(dataset.name);
  const skipped: SkippedFile[] = [];
  const format = params.format;
  let staged: Staged = new Map();
  let notes: string[] = [];
  let leftOut = 0;
  let matchedPngs: MatchedFile[] = [];
  let heatmaps: HeatmapPlanItem[] = [];
  if (format === 'png') {
    matchedPngs = await matchPngs(path, images, dataset.name, skipped);
    notes = turnedGridNotes(matchedPngs.map((m) => m.image));
  } else if (format === 'coco-results') {
    // Results name images: a dataset with several queries per image is refused before its file is read.
    const several = images.find((i) => i.sampleIds.length > 1);
    if (several !== undefined) pick(several);
    const classOf = new Map(classes.filter((c) => c.externalId !== null).map((c) => [c.externalId as number, c.index]));
    const read = await stageCocoResults(path, images, classOf, pick, params.minScore, ctx);
    staged = read.staged;
    leftOut = read.scores.below;
    notes = scoreNotes(read.scores, params.minScore);
    // A results file lists detections: an image without any is predicted all background. A file for a
    // part of the dataset (a val subset, an interrupted inference) looks the same: say how many.
    const without = images.filter((i) => !i.sampleIds.some((s) => staged.has(s)));
    if (staged.size > 0 && without.length > 0)
      notes.push(
        `${without.length} of ${images.length} images have no result${params.minScore === undefined ? '' : ` at or above --min-score ${params.minScore}`} (${without
          .slice(0, 3)
          .map((i) => i.fileName)
          .join(', ')}${without.length > 3 ? ', …' : ''}): they are scored as predicted all background`,
      );
  } else
    heatmaps = planHeatmaps(
      format,
      path,
      images,
      dataset.name,
      skipped,
      classes.map((c) => c.index),
    );
  if (staged.size === 0 && leftOut > 0)
    throw new ApiError(
      'INVALID_INPUT',
      `${path}: all ${leftOut} results score below --min-score ${params.minScore} (or have no score): nothing to import`,
    );
  if (staged.size === 0 && heatmaps.length === 0 && matchedPngs.length === 0)
    throw new ApiError(
      'INVALID_INPUT',
      `${path}: no predictions match any image of dataset "${dataset.name}"${noMatchDetail(format, path, skipped, images)}`,
      { skipped },
    );

  ctx.signal.throwIfAborted();
  // The run row first, hidden until its last slice is written (datasets/slicedWrite.ts): PNGs are
  // written as the pool reads them, the other formats once read and checked whole. A failure on the
  // way (a bad file, a cancel, a fault) removes the hidden rows again.
  // A folder of PNGs is one file per sample (per image, or per query): a sample without one is scored
  // as all background (the run is complete), which a folder of predictions for a part of the dataset
  // (val only) would not mean. Images with such a sample are counted in the run's params (eval warns)
  // and in the result (the import warns).
  const predicted = new Set(matchedPngs.map((m) => m.sampleId));
  const imageOfSample = new Map(images.flatMap((i) => i.sampleIds.map((s) => [s, i.id] as const)));
  const missing = format === 'png' ? images.filter((i) => i.sampleIds.length === 0 || i.sampleIds.some((s) => !predicted.has(s))) : [];
  const splits = missing.length === 0 ? undefined : splitCoverage(matchedPngs, missing);
  const runId = deps.db.transaction(() =>
    deps.repos.runs.create({
      datasetId: dataset.id,
      name: params.run,
      source: 'import',
      status: 'complete',
      params: {
        format,
        path,
        ...(missing.length === 0 ? {} : { imagesWithoutFile: missing.length }),
        ...(splits === undefined ? {} : { filesCoverSplits: splits.covered, splitsWithoutFile: splits.without }),
      },
      hiddenBy: ctx.jobId,
    }),
  )();
  const total = matchedPngs.length + staged.size + heatmaps.length;
  let regions = 0;
  let scored = 0;
  let anyZero = false;
  const sampled = new Set<number>();
  try {
    const metrics = metricRowsStore(deps.db);
    const revs = revReaders(deps.db);
    const kept = hasTable(deps.db, 'ground_truth_runs') ? groundTruthRunsStore(deps.db) : null;
    const writeRegions = ({ sampleId, regions: list, counted, zero, groundTruthRuns, keptUnread }: PngItem): void => {
      if (zero === true) anyZero = true;
      // The run is new: its rows are plain inserts.
      deps.repos.predictions.insertIntoHiddenRun(runId, sampleId, list);
      regions += list.length;
      sampled.add(sampleId);
      // Counts computed from the decoded maps, fingerprinted with the ground truth they were counted
      // against: if that changed meanwhile, evaluation sees a different fingerprint and recounts.
      if (counted !== null) {
        const rev = fingerprint(counted.gtRev, revs.prediction(runId, sampleId));
        metrics.insertSample(runId, sampleId, rev, counted.rows, 'semantic');
        scored++;
        // Kept with the counter of the ground truth it was merged from: stale already if that moved meanwhile.
        if (groundTruthRuns != null && counted.gtRev !== null && kept !== null) kept.keep(sampleId, counted.gtRev, groundTruthRuns);
      }
      // Evaluation counts that sample from its regions; the next import merges them again.
      if (keptUnread === true) kept?.drop(sampleId);
    };
    if (format === 'png') {
      const counting =
        dataset.task === 'semantic' && classes.length > 0
          ? { revs, repos: deps.repos, kept, numClasses: Math.max(...classes.map((c) => c.index)) + 1 }
          : null;
      ctx.progress(0, total, 'importing prediction PNGs');
      const slices = new StreamedSlices(deps.db, writeRegions, ctx.signal, (done) =>
        ctx.progress(done, total, 'importing prediction PNGs'),
      );
      await readPngs(
        path,
        matchedPngs,
        classes.map((c) => c.index),
        dataset.task === 'referring',
        reading,
        counting,
        (item) => slices.add(item),
        ctx,
      );
      await slices.end();
    } else {
      ctx.progress(0, total, 'writing');
      const progress = (done: number): void => ctx.progress(done, total, 'writing');
      await writeInSlices(
        deps.db,
        [...staged],
        ([sampleId, list]) => writeRegions({ sampleId, regions: list, counted: null }),
        ctx.signal,
        progress,
      );
      if (format === 'npy' || format === 'toco-cam')
        await writeInSlices(
          deps.db,
          heatmaps,
          (item) => {
            deps.repos.predictions.saveHeatmap(runId, item.sampleId, loadHeatmap(format, item));
            sampled.add(item.sampleId);
          },
          ctx.signal,
          (done) => progress(staged.size + done),
        );
    }
    deps.db.transaction(() => {
      deps.repos.runs.setStatus(runId, 'complete', { provenance: { source: 'import', format, path } });
      deps.repos.runs.reveal(runId);
    })();
  } catch (err) {
    // Hidden rows a failed clean-up leaves are removed on the next open (their job is no longer running).
    await removeHiddenRun(deps.db, deps.repos, runId).catch(() => undefined);
    throw err;
  }
  ctx.progress(total, total, 'done');
  // mmseg's format_only writes class + 1 on reduce_zero_label datasets: such files never hold 0, and
  // read as class indices every class is off by one (refused only when the top class occurs).
  if (reduced && format === 'png' && reading.threshold === undefined && reading.reduceZeroLabel !== true && !anyZero)
    notes.push(
      `none of the ${matchedPngs.length} files holds 0 (class 0 "${classes.find((c) => c.index === 0)?.name ?? '0'}"), and the dataset's masks were imported with --reduce-zero-label: files written as class + 1 (mmseg's format_only) are off by one class; import them again with --reduce-zero-label`,
    );
  return {
    runId,
    name: params.run,
    datasetId: dataset.id,
    images: new Set([...sampled].map((s) => imageOfSample.get(s))).size,
    regions,
    heatmaps: heatmaps.length,
    scored,
    skipped,
    ...(notes.length === 0 ? {} : { notes }),
    ...(missing.length === 0
      ? {}
      : {
          withoutFile: {
            images: missing.length,
            of: images.length,
            examples: missing.slice(0, 5).map((i) => missingName(i, predicted)),
            ...(splits === undefined ? {} : { splits }),
          },
        }),
  };
}
