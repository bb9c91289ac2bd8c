/**
 * Work on independent files that the pool (pool.ts) runs in worker threads: reading, PNG decoding,
 * encoding to RLE and counting, one image per task. Pure functions of their input (and the files
 * they name), so the same code runs inline when no worker can start.
 */
import { readImportFileSync } from '../api/readScope';
import { ApiError } from '../../../shared/api/apiError';
import { labelMapToRles } from '../masks/labelMap';
import { greyLevels, readMaskPng, type DecodedMask } from '../masks/png';
import { readJpegMaskGrey } from '../masks/jpegMask';
import type { Rle } from '../masks/rle';
import { countLabelMaps, countRunSequences, partsToRunSequence, RunSequenceBuilder, type RunSequence } from '../metrics/pixelCounts';
import { packRunSequence, unpackRunSequence } from '../metrics/runSequencePack';
import { runsOf } from '../masks/runs';
import type { CountRow } from '../metrics/sampleCounts';
import { paintLabelMap } from '../masks/labelMap';
import type { ClassRle } from '../masks/labelMap';
import { probeImage, type ProbeOutcome } from '../images/probe';
import { allowedSizes, chooseGrid } from '../images/orientation';
import type { PixelGrid } from '../../../shared/domain';
import type { ErrorCode } from '../../../shared/api/apiError';
import { planEdit as planEditPixels, sameBytes, type Box, type RegionChange, type RegionPixels } from '../annotations/regionEdit';
import { checkPaintedLabels, deflateLabels, patchLabels, type LabelRule, type PatchInput } from '../annotations/patchBytes';
import { compareBootstrap } from '../metrics/compareBootstrap';
import { camPostprocess as camPostprocessSync, type CamPostprocessTask } from '../models/adapters/camPostprocess';

export interface PredictionPngTask {
  path: string;
  fileName: string;
  width: number;
  height: number;
  /** The dataset's class indices (empty: any value is accepted). */
  classes: number[];
  /**
   * A referring dataset's prediction: any non-zero value is the foreground, class 1 (LISA's
   * validate(); LISA and READ save their masks as 0/100 or 0/255).
   */
  foreground?: boolean;
  /** Grey values above this are the target / class 1 (a probability map on a referring or two-class dataset). */
  threshold?: number | undefined;
  /** mmseg's format_only files of a reduce_zero_label dataset: value v is class v - 1 (0 never occurs). */
  reduceZeroLabel?: boolean | undefined;
  /** Said after the refusal of a value that is not a class (what the dataset's files are likely written as). */
  outOfRangeHint?: string | undefined;
  /**
   * Ground truth to count against (semantic datasets): its regions, painted in order, or the run
   * sequence they merge into as kept from an earlier count (metrics/runSequencePack.ts, with the
   * size it covers); null: do not count.
   */
  count:
    | { numClasses: number; groundTruth: Array<{ classIdx: number; rle: Rle }> }
    | { numClasses: number; groundTruthRuns: { height: number; width: number; runs: Uint8Array } }
    | null;
}

/**
 * As columns: typed arrays and a list of strings cross the thread boundary several times cheaper
 * than ~20 region objects and ~20 row objects per file (measured: ~25 us less on the engine's
 * thread per file). predictionPngRegions / predictionPngRows turn them back into objects.
 */
export interface PredictionPngResult {
  /** Per region (one per class present but 0): its class, its pixel count, its COCO counts string (size = the image's). */
  classes: Uint8Array;
  areas: Float64Array;
  counts: string[];
  /** metrics/sampleCounts.ts rows of this prediction against the ground truth, five numbers each (class, tp, fp, fn, gt pixels); null when not counted. */
  rows: Float64Array | null;
  /** Whether some pixel is class 0 (background, or a reduce_zero_label dataset's first class). */
  zero: boolean;
  /**
   * The ground truth's regions merged into one run sequence, packed (metrics/runSequencePack.ts),
   * where this task counted from regions that do not overlap: kept, the next import's count skips the merge.
   */
  groundTruthRuns: Uint8Array | null;
}

/** The distinct values of a decoded mask, ascending. */
function valuesOf(data: Uint8Array): number[] {
  const seen = new Uint8Array(256);
  for (let k = 0; k < data.length; k++) seen[data[k]!] = 1;
  const out: number[] = [];
  for (let v = 0; v < 256; v++) if (seen[v] === 1) out.push(v);
  return out;
}

const shownValues = (values: number[]): string =>
  values.length > 6 ? `${values.slice(0, 5).join(', ')}, …, ${values.at(-1)}` : values.join(', ');

/**
 * A prediction PNG's values as labels: at a threshold (grey only), shifted by reduce_zero_label's +1,
 * any non-zero value (a referring mask of two values), 0/255 binary (a dataset of two classes), or as they are.
 */
function predictionLabels(task: PredictionPngTask, mask: DecodedMask): Uint8Array {
  const { path } = task;
  if (task.threshold !== undefined) {
    if (mask.kind === 'palette')
      throw new ApiError('INVALID_INPUT', `${path}: a palette PNG holds class indices; --mask-threshold reads grey PNGs`, { file: path });
    const t = task.threshold;
    return greyLevels(mask).map((v) => (v > t ? 1 : 0));
  }
  if (task.reduceZeroLabel === true) {
    let zeros = 0;
    for (let k = 0; k < mask.data.length; k++) if (mask.data[k] === 0) zeros++;
    if (zeros > 0)
      throw new ApiError(
        'INVALID_INPUT',
        `${path}: value 0 (${zeros} pixels): --reduce-zero-label reads files written as class + 1 (mmseg's format_only), which never hold 0; import class indices (mmseg's raw output) without it`,
        { file: path },
      );
    return mask.data.map((v) => (v === 255 ? 255 : v - 1));
  }
  if (task.foreground === true) {
    // LISA and READ save two values (0/100, 0/255); more is a probability map or a mask once saved as JPEG.
    const values = valuesOf(mask.data);
    if (values.length > 2)
      throw new ApiError(
        'INVALID_INPUT',
        `${path}: holds ${values.length} values (${shownValues(values)}), not a mask of two (0 and the target, as LISA's 0/100 or 0/255): a probability map, or a mask once saved as JPEG? --mask-threshold T reads value > T as the target (127 on a 0-255 probability map)`,
        { file: path },
      );
    return mask.data.map((v) => (v === 0 ? 0 : 1));
  }
  return mask.kind === 'binary' && task.classes.every((c) => c === 0 || c === 1) ? mask.data.map((v) => (v === 255 ? 1 : 0)) : mask.data;
}

export function predictionPngRegions(
  r: PredictionPngResult,
  height: number,
  width: number,
): Array<{ classIdx: number; rle: Rle; area: number }> {
  return r.counts.map((counts, k) => ({ classIdx: r.classes[k]!, rle: { size: [height, width], counts }, area: r.areas[k]! }));
}

export function predictionPngRows(rows: Float64Array): CountRow[] {
  const out: CountRow[] = [];
  for (let k = 0; k < rows.length; k += 5)
    out.push({ classIdx: rows[k]!, tp: rows[k + 1]!, fp: rows[k + 2]!, fn: rows[k + 3]!, gtPixels: rows[k + 4]! });
  return out;
}

/** Run sequences reused from one map to the next (a task runs to the end before the next starts). */
const PRED_RUNS = new RunSequenceBuilder();
const GT_RUNS = new RunSequenceBuilder();

/**
 * One prediction PNG: size checked from the header against the image, decoded (palette index or
 * grey value; 0/255 binary = class 1), every value checked against the dataset's classes, encoded
 * to per-class RLE and, when asked, counted against the ground truth before the map is dropped.
 */
export async function predictionPng(task: PredictionPngTask): Promise<PredictionPngResult> {
  const { path } = task;
  // Synchronous, as folderImage reads: one open/read/close instead of four thread-pool round trips.
  const bytes = readImportFileSync(path);
  const mask = readMaskPng(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path, (size) => {
    if (size.width !== task.width || size.height !== task.height) {
      throw new ApiError(
        'INVALID_INPUT',
        `${path}: prediction is ${size.width}x${size.height} but image ${task.fileName} is ${task.width}x${task.height}${
          size.width === task.height && size.height === task.width && task.width !== task.height
            ? ' (the image turned by 90°: an image with an EXIF orientation is on the grid its import chose, listed by `tessera import`; predict on that grid, e.g. raw pixels as PIL reads them)'
            : ''
        }`,
        { file: path },
      );
    }
  });
  // 0/255 masks are binary predictions on a dataset of two classes (or none yet): 255 = foreground class 1;
  // on a referring dataset any non-zero value is. On a dataset of more classes 255 is a value like any
  // other (refused below: a prediction has no ignore), whichever other values the file holds.
  const labels = predictionLabels(task, mask);
  const predRuns = task.count !== null ? PRED_RUNS.reset() : null;
  const all = labelMapToRles(labels, mask.height, mask.width, predRuns === null ? undefined : (v, end) => predRuns.push(v, end));
  const parts = all.filter((p) => p.classIdx !== 0);
  const classes = new Set(task.classes);
  for (const p of parts) {
    // A prediction has no "ignore": 255 in an index PNG is refused here, as evaluation would (docs/design.md §5.1).
    if ((classes.size > 0 && !classes.has(p.classIdx)) || p.classIdx === 255) {
      const soft = task.classes.length === 2 && mask.kind === 'grey' && task.threshold === undefined ? valuesOf(mask.data) : [];
      const shifted = task.reduceZeroLabel === true ? ` (file value ${p.classIdx + 1} read as class ${p.classIdx})` : '';
      throw new ApiError(
        'INVALID_INPUT',
        `${path}: value ${p.classIdx}${shifted} (${p.area} pixels) is not a class of the dataset (${classList([...classes])})${
          p.classIdx === 255
            ? `; predictions cannot mark pixels as ignore${mask.kind === 'binary' ? ' (a file of 0 and 255 is a binary mask only on a dataset of two classes)' : ''}`
            : ''
        }${
          soft.length > 2
            ? `; the file holds ${soft.length} values (${shownValues(soft)}): a probability map? --mask-threshold 127 reads value > 127 as class 1`
            : (task.outOfRangeHint ?? '')
        }`,
        { file: path },
      );
    }
  }
  let rows: CountRow[] | null = null;
  let groundTruthRuns: Uint8Array | null = null;
  if (task.count !== null && 'groundTruthRuns' in task.count) {
    // Kept from an earlier count: a sequence that is not this map's size (or not a sequence) is not counted here.
    const kept = task.count.groundTruthRuns;
    const gtRuns =
      kept.height === mask.height && kept.width === mask.width ? unpackRunSequence(kept.runs, mask.height * mask.width, GT_RUNS) : null;
    if (gtRuns !== null) rows = countRunSequences(gtRuns, predRuns!, task.count.numClasses);
  } else if (task.count !== null) {
    const { numClasses, groundTruth } = task.count;
    const sized = groundTruth.every((r) => r.rle.size[0] === mask.height && r.rle.size[1] === mask.width);
    if (sized) {
      const gtRuns = groundTruthRunSequence(groundTruth, mask.height, mask.width);
      if (gtRuns !== null) {
        rows = countRunSequences(gtRuns, predRuns!, numClasses);
        groundTruthRuns = packRunSequence(gtRuns);
      } else rows = countLabelMaps(paintLabelMap([...groundTruth], mask.height, mask.width), labels, numClasses);
    }
  }
  let packed: Float64Array | null = null;
  if (rows !== null) {
    packed = new Float64Array(rows.length * 5);
    rows.forEach((r, k) => packed!.set([r.classIdx, r.tp, r.fp, r.fn, r.gtPixels], k * 5));
  }
  return {
    classes: Uint8Array.from(parts, (p) => p.classIdx),
    areas: Float64Array.from(parts, (p) => p.area),
    counts: parts.map((p) => p.rle.counts),
    rows: packed,
    zero: all.some((p) => p.classIdx === 0),
    groundTruthRuns,
  };
}

/** Class indices as a reader wants them: "0..149" for a run of consecutive ones, else listed. */
export function classList(indices: number[]): string {
  const sorted = indices.sort((a, b) => a - b);
  const n = sorted.length;
  if (n > 2 && sorted[n - 1]! - sorted[0]! === n - 1) return `${sorted[0]}..${sorted[n - 1]}`;
  return sorted.join(', ');
}

/**
 * The ground truth's regions as one run sequence, to count a prediction against in run space (no
 * pixel touched); null where regions overlap: the caller counts on the painted label map ("later
 * region wins") instead, with the same rows.
 */
function groundTruthRunSequence(
  groundTruth: ReadonlyArray<{ classIdx: number; rle: Rle }>,
  height: number,
  width: number,
): RunSequence | null {
  // Built by push, not map(): optimized map() makes holey arrays where the interpreter's are packed,
  // and partsToRunSequence's optimized code was thrown away and rebuilt on that change of map.
  const parts: Array<{ classIdx: number; runs: Uint32Array }> = [];
  for (const r of groundTruth) parts.push({ classIdx: r.classIdx, runs: runsOf(r.rle) });
  return partsToRunSequence(parts, height * width, 0, GT_RUNS);
}

export interface FolderImageTask {
  /** The image file, and its name in messages. */
  path: string;
  file: string;
  /** The mask PNG to read with it (<stem>.png in the mask folder); null: none. */
  maskPath: string | null;
  /** How mask values become labels (datasets/folder.ts FolderMaskReading); absent: as they are. */
  reading?: FolderMaskReading | undefined;
}

/**
 * How a folder import reads its masks' values: as they are (class indices, 255 = ignore); binary at a
 * threshold (grey value > threshold = the object, class 1; for soft, anti-aliased masks); or with
 * mmseg's `reduce_zero_label` (ADE20K and the like: 0 = unlabelled becomes 255 = ignore, v becomes v - 1).
 */
export type FolderMaskReading = { threshold: number } | { reduceZeroLabel: true };

/**
 * Pixels of a grey mask holding values strictly between 0 and 255, and how many of those sit inside a
 * region (the pixel right of and below it hold the same value): class-index masks are regions, a soft
 * (anti-aliased, resized, JPEG-saved) binary mask's in-between values are thin bands along its edges.
 */
export interface BetweenValues {
  pixels: number;
  inside: number;
}

function betweenValues(data: Uint8Array, width: number, height: number): BetweenValues {
  let pixels = 0;
  let inside = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const v = data[row + x]!;
      if (v === 0 || v === 255) continue;
      pixels++;
      if ((x + 1 === width || data[row + x + 1] === v) && (y + 1 === height || data[row + width + x] === v)) inside++;
    }
  }
  return { pixels, inside };
}

/** A mask's values read as `reading` asks (a new array; the decoded one is left as it is). */
function readValues(data: Uint8Array, kind: 'palette' | 'grey' | 'binary', reading: FolderMaskReading, maskPath: string): Uint8Array {
  if ('threshold' in reading) {
    if (kind === 'palette')
      throw new ApiError('INVALID_INPUT', `${maskPath}: a palette mask holds class indices; --mask-threshold reads grey masks only`, {
        file: maskPath,
      });
    const t = reading.threshold;
    return data.map((v) => (v > t ? 1 : 0));
  }
  return data.map((v) => (v === 0 || v === 255 ? 255 : v - 1));
}

export type FolderMaskOutcome =
  | {
      ok: true;
      kind: 'palette' | 'grey' | 'binary';
      grid: PixelGrid;
      /** Every value present (0 and 255 included). */
      values: number[];
      /**
       * The regions to store, as JSON of ClassRle[] (one string per image keeps the importer's
       * memory small until its one write): every value but 0, or the 0 region alone in an
       * all-background mask (it keeps the image annotated, so evaluation scores false positives on it).
       */
      regions: string;
      /** A grey mask read as it is: its in-between values (to tell a soft binary mask from class indices); else null. */
      between: BetweenValues | null;
      /** A 2- or 4-bit greyscale PNG (values scaled to 0..255 as the PNG standard says); else null. */
      scaledFromBits: 2 | 4 | null;
    }
  | { ok: false; error: { code: ErrorCode; message: string; details?: Record<string, unknown> | undefined } };

export interface FolderImageResult {
  probe: ProbeOutcome;
  /** null: no mask was asked for, the image is unreadable, or no mask file could be read. */
  mask: FolderMaskOutcome | null;
}

/**
 * One image of a folder import: hashed and probed, then its mask (if any) read, its size checked
 * against the image from the PNG header (which picks the grid: raw unless only the EXIF-oriented
 * size fits), decoded and encoded to one RLE per value present, raw values (a binary set's
 * 255 -> 1 is a relabelling the importer does at the end). Only RLEs come back: no pixels are kept.
 * A mask error comes back as a value so the importer reports errors in file order.
 */
export async function folderImage(task: FolderImageTask): Promise<FolderImageResult> {
  // Small files read synchronously: in a pool worker this blocks nothing else, and it is one
  // open/read/close instead of four thread-pool round trips per file (fs/promises readFile).
  const probe = await probeImage(readImportFileSync(task.path));
  if (!probe.ok || task.maskPath === null) return { probe, mask: null };
  const maskPath = task.maskPath;
  let bytes: Buffer;
  try {
    bytes = readImportFileSync(maskPath);
  } catch (err) {
    // No mask file: an image without a mask. One that may not or cannot be read (a link leading out of
    // a web client's folders, a FIFO, a directory) is that image's mask error.
    if (!(err instanceof ApiError) || err.code === 'NOT_FOUND') return { probe, mask: null };
    return { probe, mask: { ok: false, error: { code: err.code, message: err.message, details: err.details } } };
  }
  const image = probe.image;
  const chosen: { grid: PixelGrid | null } = { grid: null };
  try {
    let mask: DecodedMask;
    const checkSize = (size: { width: number; height: number }): void => {
      // The mask's size picks the grid: raw (as PIL loads the image) unless it has the EXIF-rotated size.
      chosen.grid = chooseGrid(image, size, 'raw');
      if (chosen.grid === null)
        throw new ApiError(
          'INVALID_INPUT',
          `${maskPath}: mask is ${size.width}x${size.height} but its image ${task.file} is ${allowedSizes(image)}`,
          {
            file: maskPath,
            image: task.file,
          },
        );
    };
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    try {
      if (/\.jpe?g$/i.test(maskPath)) {
        // datasets/folder.ts passes JPEG masks only with a threshold.
        if (task.reading === undefined || !('threshold' in task.reading))
          throw new ApiError('INVALID_INPUT', `${maskPath}: a JPEG mask is read only with --mask-threshold T`, { file: maskPath });
        mask = { kind: 'grey', ...(await readJpegMaskGrey(view, maskPath, checkSize)) };
      } else mask = readMaskPng(view, maskPath, checkSize);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'INVALID_INPUT') throw err;
      const message = err instanceof Error ? err.message : String(err);
      // The decoder's messages name the file already: name it once.
      throw new ApiError('CORRUPT_FILE', message.startsWith(maskPath) ? message : `${maskPath}: ${message}`, { file: maskPath });
    }
    const reading = task.reading;
    const labels =
      reading === undefined ? mask.data : readValues('threshold' in reading ? greyLevels(mask) : mask.data, mask.kind, reading, maskPath);
    const parts: ClassRle[] = labelMapToRles(labels, mask.height, mask.width);
    const kept = parts.length > 1 ? parts.filter((p) => p.classIdx !== 0) : parts;
    return {
      probe,
      mask: {
        ok: true,
        kind: mask.kind,
        grid: chosen.grid ?? 'raw',
        values: parts.map((p) => p.classIdx),
        regions: JSON.stringify(kept),
        between: reading === undefined && mask.kind === 'grey' ? betweenValues(mask.data, mask.width, mask.height) : null,
        scaledFromBits: mask.scaledFromBits ?? null,
      },
    };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return { probe, mask: { ok: false, error: { code: err.code, message: err.message, details: err.details } } };
  }
}

/**
 * An annotation edit, undo or redo of a large box (annotations/labelMapEdits.ts planInPool): the
 * patch decoded (a client's wire bytes, or a history row's deflated ones) and its labels checked
 * against `rule`, then checked against the stored pixels, its region changes and, for a new edit
 * (`record`), the deflated patch its history row keeps.
 */
async function planEdit(task: {
  regions: RegionPixels[];
  height: number;
  width: number;
  box: Box;
  before: PatchInput;
  after: PatchInput;
  fileName: string;
  rule: LabelRule | null;
  record: boolean;
}): Promise<{ noop: boolean; stale: boolean; changes: RegionChange[]; history: { before: Uint8Array; after: Uint8Array } | null }> {
  const n = task.box.w * task.box.h;
  const before = patchLabels(task.before, n, `${task.fileName}: patch.before`);
  const after = patchLabels(task.after, n, `${task.fileName}: patch.after`);
  if (task.rule !== null) checkPaintedLabels(before, after, task.rule, task.fileName);
  if (sameBytes(before, after)) return Promise.resolve({ noop: true, stale: false, changes: [], history: null });
  const plan = planEditPixels({ regions: task.regions, height: task.height, width: task.width, box: task.box, before, after });
  const history = task.record && !plan.stale ? { before: deflateLabels(before), after: deflateLabels(after) } : null;
  return Promise.resolve({ noop: false, ...plan, history });
}

/** A `cam` run's post-processing of one image (fusion, pseudo label, display map): models/adapters/camPostprocess.ts. */
async function camPostprocess(task: CamPostprocessTask): Promise<ReturnType<typeof camPostprocessSync>> {
  return camPostprocessSync(task);
}

export const tasks = { predictionPng, folderImage, planEdit, compareBootstrap, camPostprocess } as const;
export type TaskName = keyof typeof tasks;
export type TaskInput<K extends TaskName> = Parameters<(typeof tasks)[K]>[0];
export type TaskOutput<K extends TaskName> = Awaited<ReturnType<(typeof tasks)[K]>>;
