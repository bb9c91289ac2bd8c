/**
 * One sample's per-class counts (the rows of metric_rows) from its ground-truth and prediction
 * regions. Label maps are painted in COCO's column-major order: runs become contiguous `fill`s, and a
 * confusion matrix does not care about pixel order, so this is the transpose of the row-major map
 * with the same counts. Counting then visits intervals between run boundaries, not pixels
 * (bench/eval.ts: the whole 1,449-map evaluation about 5x faster than decode + per-pixel loop).
 */
import { ApiError } from '../../../shared/api/apiError';
import type { Rle } from '../masks/rle';
import { runsOf } from '../masks/runs';
import { IGNORE_INDEX } from './confusion';
import type { EvaluationSample, EvaluationTask } from './evaluationSet';

export interface CountRow {
  classIdx: number;
  tp: number;
  fp: number;
  fn: number;
  gtPixels: number;
}

export interface Region {
  classIdx: number;
  rle: Rle;
}

export interface SampleInputs {
  task: EvaluationTask;
  numClasses: number;
  sample: EvaluationSample;
  groundTruth: readonly Region[];
  prediction: readonly Region[];
  /**
   * Predicted 255 is "no label" and its pixels are not counted (a three-band CAM run:
   * predictionIgnore.ts); otherwise it is an error like any class outside [0, C).
   */
  predictionIgnore?: boolean;
  /** For messages: `dataset "voc"` and `run "toco"`. */
  datasetLabel: string;
  runLabel: string;
}

/** Reusable buffers: one evaluation paints thousands of maps of the same size. */
export class LabelMapScratch {
  private gt = new Uint8Array(0);
  private pred = new Uint8Array(0);
  /** Run boundaries (pixel positions in column-major order) of both maps. */
  bounds = new Uint32Array(1024);
  boundCount = 0;
  private matrix = new Float64Array(0);

  buffers(pixels: number): { gt: Uint8Array; pred: Uint8Array } {
    if (this.gt.length !== pixels) {
      this.gt = new Uint8Array(pixels);
      this.pred = new Uint8Array(pixels);
    }
    this.boundCount = 0;
    return { gt: this.gt, pred: this.pred };
  }

  /** A zeroed dim x dim confusion matrix (rows GT, columns prediction). */
  confusion(dim: number): Float64Array {
    if (this.matrix.length !== dim * dim) this.matrix = new Float64Array(dim * dim);
    else this.matrix.fill(0);
    return this.matrix;
  }

  addBound(position: number): void {
    if (this.boundCount === this.bounds.length) {
      const grown = new Uint32Array(this.bounds.length * 2);
      grown.set(this.bounds);
      this.bounds = grown;
    }
    this.bounds[this.boundCount++] = position;
  }
}

/**
 * Semantic: one row per class with TP+FP+FN > 0, and always class 0, so every scored sample has a
 * row (an all-ignore image keeps one row of zeros). Referring: one row, class 1, with tp = I,
 * fp + fn = U − I, gt_pixels = GT foreground (GT 255 dropped from both masks, as LISA).
 *
 * Counting walks intervals, not pixels: between two consecutive run boundaries of any region of
 * either map, no region starts or ends, so both painted maps are constant there and the interval
 * adds its length to one confusion cell. A 500x375 map pair has a few thousand boundaries instead
 * of 187,500 pixels. Class ids are checked per region, before painting, so no pixel can be out of
 * range (the same strictness as confusion.ts accumulateConfusion).
 */
export function countSample(input: SampleInputs, scratch: LabelMapScratch): CountRow[] {
  const { sample, task, numClasses } = input;
  const pixels = sample.height * sample.width;
  const { gt, pred } = scratch.buffers(pixels);
  const predictionRange = task === 'semantic' ? numClasses : 2;
  paintColumnMajor(gt, input.groundTruth, scratch, (region, i) => checkGroundTruth(region, i, input));
  paintColumnMajor(pred, input.prediction, scratch, (region) => checkPrediction(region, predictionRange, input));
  // GT is < numClasses or 255 and predictions < predictionRange, or 255 where predictionIgnore allows
  // it (checked per region above): a pixel either side marks 255 is not counted.
  const dim = Math.max(numClasses, predictionRange);
  const matrix = scratch.confusion(dim);
  forEachInterval(scratch, pixels, (start, length) => {
    const g = gt[start]!;
    const p = pred[start]!;
    if (g === IGNORE_INDEX || p === IGNORE_INDEX) return;
    const cell = g * dim + p;
    matrix[cell] = matrix[cell]! + length;
  });
  return task === 'semantic' ? semanticRows(matrix, dim, numClasses) : [referringRow(matrix, dim)];
}

/** Calls `visit(start, length)` for each maximal interval without a boundary inside, covering [0, pixels). */
function forEachInterval(scratch: LabelMapScratch, pixels: number, visit: (start: number, length: number) => void): void {
  scratch.addBound(0);
  scratch.addBound(pixels);
  const bounds = scratch.bounds.subarray(0, scratch.boundCount).sort();
  let start = 0;
  for (let k = 0; k < bounds.length; k++) {
    const b = bounds[k]!;
    if (b <= start) continue;
    visit(start, Math.min(b, pixels) - start);
    start = b;
    if (start >= pixels) return;
  }
}

/** The dim-wide confusion (rows GT, columns prediction) -> per-class rows. */
export function semanticRows(matrix: Float64Array, dim: number, numClasses: number): CountRow[] {
  const rows: CountRow[] = [];
  for (let c = 0; c < numClasses; c++) {
    let gtPixels = 0;
    let predPixels = 0;
    for (let k = 0; k < numClasses; k++) {
      gtPixels += matrix[c * dim + k]!;
      predPixels += matrix[k * dim + c]!;
    }
    const tp = matrix[c * dim + c]!;
    const fn = gtPixels - tp;
    const fp = predPixels - tp;
    if (c === 0 || tp + fp + fn > 0) rows.push({ classIdx: c, tp, fp, fn, gtPixels });
  }
  return rows;
}

/** Same foreground rule as referring.ts `referringPair` (GT: not 0 and not 255; prediction: not 0). */
function referringRow(matrix: Float64Array, dim: number): CountRow {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let g = 0; g < dim; g++) {
    for (let p = 0; p < dim; p++) {
      const n = matrix[g * dim + p]!;
      if (n === 0) continue;
      if (g !== 0 && p !== 0) tp += n;
      else if (g !== 0) fn += n;
      else if (p !== 0) fp += n;
    }
  }
  return { classIdx: 1, tp, fp, fn, gtPixels: tp + fn };
}

/** Regions in order, later over earlier (as masks/labelMap.ts paintLabelMap), background 0; records run boundaries. */
function paintColumnMajor(
  out: Uint8Array,
  regions: readonly Region[],
  scratch: LabelMapScratch,
  check: (region: Region, index: number) => void,
): void {
  out.fill(0);
  regions.forEach((region, index) => {
    check(region, index);
    const runs = runsOf(region.rle);
    let pos = 0;
    for (let j = 0; j < runs.length; j++) {
      const n = runs[j]!;
      if ((j & 1) === 1 && n > 0) {
        out.fill(region.classIdx, pos, pos + n);
        scratch.addBound(pos);
        scratch.addBound(pos + n);
      }
      pos += n;
    }
  });
}

function checkSize(region: Region, sample: EvaluationSample, what: string): void {
  const [height, width] = region.rle.size;
  if (height !== sample.height || width !== sample.width) {
    throw new ApiError(
      'INVALID_INPUT',
      `${what}: RLE size ${height}x${width} (height x width) differs from the image's ${sample.height}x${sample.width}`,
    );
  }
}

function checkGroundTruth(region: Region, index: number, input: SampleInputs): void {
  const where = `${input.datasetLabel}: ${describeSample(input.sample)}: ground-truth region ${index + 1}`;
  checkSize(region, input.sample, where);
  const c = region.classIdx;
  if (c === IGNORE_INDEX || c < input.numClasses) return;
  throw new ApiError(
    'INVALID_INPUT',
    `${where} has class ${c}, outside the dataset's classes [0, ${input.numClasses}) and not ignore (255)`,
    {
      imageId: input.sample.imageId,
      classIdx: c,
    },
  );
}

function checkPrediction(region: Region, range: number, input: SampleInputs): void {
  const where = `${input.runLabel}: ${describeSample(input.sample)}`;
  checkSize(region, input.sample, `${where}: prediction of class ${region.classIdx}`);
  if (region.classIdx < range) return;
  if (region.classIdx === IGNORE_INDEX && input.predictionIgnore === true && input.task === 'semantic') return;
  const classes = input.task === 'semantic' ? `the dataset's classes [0, ${range})` : 'a referring mask (0 or 1)';
  throw new ApiError('INVALID_INPUT', `${where}: prediction class ${region.classIdx} is outside ${classes}`, {
    imageId: input.sample.imageId,
    classIdx: region.classIdx,
  });
}

export function describeSample(sample: Pick<EvaluationSample, 'fileName' | 'query'>): string {
  return sample.query === null ? `image ${sample.fileName}` : `image ${sample.fileName} query ${JSON.stringify(sample.query)}`;
}
