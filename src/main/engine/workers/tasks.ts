/**
 * Work on independent files that the pool (pool.ts) runs in worker threads: reading, PNG decoding,
 * encoding to RLE and counting, one image per task. Pure functions of their input (and the files
 * they name), so the same code runs inline when no worker can start.
 */
import { readFile } from 'node:fs/promises';
import { ApiError } from '../../../shared/api/errors';
import { labelMapToRles } from '../masks/labelMap';
import { readMaskPng } from '../masks/png';
import type { Rle } from '../masks/rle';
import { countLabelMaps } from '../metrics/pixelCounts';
import type { CountRow } from '../metrics/sampleCounts';
import { paintLabelMap } from '../masks/labelMap';

export interface PredictionPngTask {
  path: string;
  fileName: string;
  width: number;
  height: number;
  /** The dataset's class indices (empty: any value is accepted). */
  classes: number[];
  /** Ground truth to count against (semantic datasets), painted in order; null: do not count. */
  count: { numClasses: number; groundTruth: Array<{ classIdx: number; rle: Rle }> } | null;
}

export interface PredictionPngResult {
  regions: Array<{ classIdx: number; rle: Rle; area: number }>;
  /** metrics/sampleCounts.ts rows of this prediction against the ground truth; null when not counted. */
  rows: CountRow[] | null;
}

/**
 * One prediction PNG: size checked from the header against the image, decoded (palette index or
 * grey value; 0/255 binary = class 1), every value checked against the dataset's classes, encoded
 * to per-class RLE and, when asked, counted against the ground truth before the map is dropped.
 */
export async function predictionPng(task: PredictionPngTask): Promise<PredictionPngResult> {
  const { path } = task;
  const bytes = await readFile(path);
  const mask = readMaskPng(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path, (size) => {
    if (size.width !== task.width || size.height !== task.height) {
      throw new ApiError(
        'INVALID_INPUT',
        `${path}: prediction is ${size.width}x${size.height} but image ${task.fileName} is ${task.width}x${task.height}`,
        { file: path },
      );
    }
  });
  // 0/255 masks are binary predictions: 255 = foreground class 1.
  const labels = mask.kind === 'binary' ? mask.data.map((v) => (v === 255 ? 1 : 0)) : mask.data;
  const parts = labelMapToRles(labels, mask.height, mask.width).filter((p) => p.classIdx !== 0);
  const classes = new Set(task.classes);
  for (const p of parts) {
    // A prediction has no "ignore": 255 in an index PNG is refused here, as evaluation would (DESIGN §5).
    if ((classes.size > 0 && !classes.has(p.classIdx)) || p.classIdx === 255) {
      throw new ApiError(
        'INVALID_INPUT',
        `${path}: value ${p.classIdx} (${p.area} pixels) is not a class of the dataset (${[...classes].sort((a, b) => a - b).join(', ')})${p.classIdx === 255 ? '; predictions cannot mark pixels as ignore' : ''}`,
        { file: path },
      );
    }
  }
  let rows: CountRow[] | null = null;
  if (task.count !== null) {
    const { numClasses, groundTruth } = task.count;
    const sized = groundTruth.every((r) => r.rle.size[0] === mask.height && r.rle.size[1] === mask.width);
    if (sized) rows = countLabelMaps(paintLabelMap(groundTruth, mask.height, mask.width), labels, numClasses);
  }
  return { regions: parts.map((p) => ({ classIdx: p.classIdx, rle: p.rle, area: p.area })), rows };
}

export const tasks = { predictionPng } as const;
export type TaskName = keyof typeof tasks;
export type TaskInput<K extends TaskName> = Parameters<(typeof tasks)[K]>[0];
export type TaskOutput<K extends TaskName> = Awaited<ReturnType<(typeof tasks)[K]>>;
