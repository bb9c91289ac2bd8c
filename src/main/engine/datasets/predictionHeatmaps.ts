import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import type { SkippedFile } from '../../../shared/domain';
import type { Heatmap } from '../store/repos/predictions';
import { parseNpy, parseNpz, toFloat32, type NpyArray } from '../tensors/npy';
import type { DatasetImage } from './readback';

/**
 * `.npy` heatmaps/CAMs and ToCo/IRN CAM dicts, per image (<image stem>.npy / .npz). Heatmaps are
 * big, so they are not staged in memory: planHeatmaps reads and checks every file first (and
 * drops the data), then loadHeatmap reads each again inside the write transaction; a file that
 * changed in between fails that transaction, which rolls back.
 */
export interface HeatmapPlanItem {
  image: DatasetImage;
  sampleId: number;
  file: string;
}

export type HeatmapFormat = 'npy' | 'toco-cam';

function byStem(dir: string, ext: string): Map<string, string> {
  return new Map(
    readdirSync(dir)
      .filter((f) => extname(f).toLowerCase() === ext)
      .sort()
      .map((f) => [basename(f, extname(f)), f]),
  );
}

/** ToCo/IRN save `np.save(path, {"keys": ..., "high_res": ...})`: a pickled dict only Python can read. */
const PICKLE_HINT =
  'ToCo/IRN CAM dicts saved with np.save are pickled Python objects, which cannot be read without Python; re-save each as .npz: ' +
  "np.savez(stem + '.npz', keys=d['keys'], high_res=d['high_res'])";

export function planHeatmaps(
  format: HeatmapFormat,
  dir: string,
  images: DatasetImage[],
  sampleOf: (image: DatasetImage) => number,
  skipped: SkippedFile[],
): HeatmapPlanItem[] {
  const ext = format === 'npy' ? '.npy' : '.npz';
  const files = byStem(dir, ext);
  if (files.size === 0 && format === 'toco-cam' && byStem(dir, '.npy').size > 0)
    throw new ApiError('UNSUPPORTED_FORMAT', `${dir}: ${PICKLE_HINT}`);
  const byImageStem = new Map(images.map((i) => [basename(i.fileName, extname(i.fileName)), i]));
  const plan: HeatmapPlanItem[] = [];
  for (const [stem, file] of files) {
    const image = byImageStem.get(stem);
    if (image === undefined) {
      skipped.push({ file, reason: 'no image of the dataset has this name' });
      continue;
    }
    const item = { image, sampleId: sampleOf(image), file: join(dir, file) };
    loadHeatmap(format, item); // validates now; the data is read again at write time
    plan.push(item);
  }
  return plan;
}

function fileBytes(path: string): Uint8Array {
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function asHeatmap(name: string, a: NpyArray, meta: Record<string, unknown>): Heatmap {
  if (a.dtype === 'uint8') return { name, shape: a.shape, dtype: 'uint8', data: a.data as Uint8Array, meta };
  const f = toFloat32(a);
  return { name, shape: a.shape, dtype: 'float32', data: new Uint8Array(f.buffer, f.byteOffset, f.byteLength), meta };
}

/** Reads and checks one file: [C,h,w] (`cam`) or [h,w] (`heatmap`); a CAM dict's high_res must be [K,H,W] at image size. */
export function loadHeatmap(format: HeatmapFormat, item: HeatmapPlanItem): Heatmap {
  const bytes = fileBytes(item.file);
  if (format === 'npy') {
    const a = parseNpy(bytes, item.file);
    if (a.shape.length !== 2 && a.shape.length !== 3) {
      throw new ApiError('INVALID_INPUT', `${item.file}: shape (${a.shape.join(', ')}) is neither [C,h,w] nor [h,w]`, { file: item.file });
    }
    return asHeatmap(a.shape.length === 3 ? 'cam' : 'heatmap', a, { source: basename(item.file) });
  }
  const arrays = parseNpz(bytes, item.file);
  const keys = arrays.get('keys');
  const highRes = arrays.get('high_res');
  if (keys === undefined || highRes === undefined) {
    throw new ApiError(
      'INVALID_INPUT',
      `${item.file}: a CAM dict needs arrays "keys" and "high_res" (found: ${[...arrays.keys()].join(', ') || 'none'})`,
      { file: item.file },
    );
  }
  const k = keys.shape.length === 1 ? (keys.shape[0] as number) : -1;
  const [kk, h, w] = highRes.shape;
  if (k < 0 || highRes.shape.length !== 3 || kk !== k) {
    throw new ApiError(
      'INVALID_INPUT',
      `${item.file}: high_res has shape (${highRes.shape.join(', ')}) for ${k} keys; expected [K,H,W] with K = len(keys)`,
      { file: item.file },
    );
  }
  if (h !== item.image.height || w !== item.image.width) {
    throw new ApiError(
      'INVALID_INPUT',
      `${item.file}: high_res is ${w}x${h} but image ${item.image.fileName} is ${item.image.width}x${item.image.height}`,
      { file: item.file },
    );
  }
  const keyList = Array.from(keys.data as ArrayLike<number>);
  // IRN/ToCo keys are foreground class ids without background (IRN eval pads with keys + 1).
  return asHeatmap('cam', highRes, { source: basename(item.file), keys: keyList, classIndices: keyList.map((x) => x + 1) });
}
