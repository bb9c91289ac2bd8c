import { closeSync, readdirSync, readSync } from 'node:fs';
import { openImportFileSync, readImportFileSync } from '../api/readScope';
import { basename, extname, join } from 'node:path';
import { samplesByFileStem } from './stems';
import { ApiError } from '../../../shared/api/errors';
import type { SkippedFile } from '../../../shared/domain';
import type { Heatmap } from '../store/repos/predictions';
import { parseNpy, parseNpyHeader, parseNpz, toFloat32, type NpyArray, type NpyHeader } from '../tensors/npy';
import type { DatasetImage } from '../store/repos/datasetReads';

/**
 * `.npy` heatmaps/CAMs and ToCo/IRN CAM dicts, per image (<image stem>.npy / .npz; <image stem>.q<k>.npy
 * for the k-th query of an image with several, stems.ts). Heatmaps are
 * big, so they are not staged in memory: planHeatmaps reads and checks every file first (and
 * drops the data), then loadHeatmap reads each again inside the write transaction; a file that
 * changed in between fails that transaction, which rolls back.
 */
export interface HeatmapPlanItem {
  image: DatasetImage;
  sampleId: number;
  file: string;
  /** The dataset's class indices (background included); empty for an unlabelled dataset. */
  classes: ReadonlySet<number>;
}

/** Channels allowed in a heatmap of a dataset without classes. */
export const MAX_HEATMAP_CHANNELS = 256;
/** Values (all channels) allowed in one heatmap: 2^28, 1 GiB as float32. */
export const MAX_HEATMAP_VALUES = 1 << 28;

export type HeatmapFormat = 'npy' | 'toco-cam';

/** [stem, file] of the files with this extension (any case), in name order; one stem may come twice (a.npy, a.NPY). */
function byStem(dir: string, ext: string): Array<[string, string]> {
  return Array.from(
    readdirSync(dir)
      .filter((f) => extname(f).toLowerCase() === ext)
      .sort()
      .map((f): [string, string] => [basename(f, extname(f)), f]),
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
  datasetName: string,
  skipped: SkippedFile[],
  classIndices: readonly number[] = [],
): HeatmapPlanItem[] {
  const classes = new Set(classIndices);
  const ext = format === 'npy' ? '.npy' : '.npz';
  const files = byStem(dir, ext);
  if (files.length === 0 && format === 'toco-cam' && byStem(dir, '.npy').length > 0)
    throw new ApiError('UNSUPPORTED_FORMAT', `${dir}: ${PICKLE_HINT}`);
  const bySampleStem = samplesByFileStem(images, datasetName, ext);
  const plan: HeatmapPlanItem[] = [];
  const fileOf = new Map<number, string>();
  for (const [stem, file] of files) {
    const found = bySampleStem.lookup(stem, join(dir, file));
    if (found === undefined || 'why' in found) {
      skipped.push({ file, reason: found?.why ?? 'no image of the dataset has this name' });
      continue;
    }
    const { image, sampleId } = found;
    // Names differing only in the extension's case (a.npy, a.NPY), or a.npy beside a.q0.npy: which one is meant cannot be told.
    const other = fileOf.get(sampleId);
    if (other !== undefined) throw invalid(join(dir, file), `${other} and ${file} are both predictions for image ${image.fileName}`);
    fileOf.set(sampleId, file);
    const item = { image, sampleId, file: join(dir, file), classes };
    loadHeatmap(format, item); // validates now; the data is read again at write time
    plan.push(item);
  }
  return plan;
}

function fileBytes(path: string): Uint8Array {
  const b = readImportFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function asHeatmap(name: string, a: NpyArray, meta: Record<string, unknown>): Heatmap {
  if (a.dtype === 'uint8') return { name, shape: a.shape, dtype: 'uint8', data: a.data as Uint8Array, meta };
  const f = toFloat32(a);
  return { name, shape: a.shape, dtype: 'float32', data: new Uint8Array(f.buffer, f.byteOffset, f.byteLength), meta };
}

function invalid(file: string, why: string): ApiError {
  return new ApiError('INVALID_INPUT', `${file}: ${why}`, { file });
}

/** The most channels (CAM classes) a heatmap of this dataset may have. */
function channelLimit(item: HeatmapPlanItem): number {
  return item.classes.size > 0 ? item.classes.size : MAX_HEATMAP_CHANNELS;
}

/**
 * An integer [H,W] at the image's size whose values are all classes of the dataset is a class map
 * (`logits.argmax(0)` saved as .npy), not a heatmap: stored as one it would never be scored.
 */
function refuseClassMap(item: HeatmapPlanItem, a: NpyArray): void {
  if (a.dtype === 'float32' || a.dtype === 'float64' || a.shape.length !== 2 || item.classes.size === 0) return;
  if (a.shape[0] !== item.image.height || a.shape[1] !== item.image.width) return;
  const data = a.data;
  for (let k = 0; k < data.length; k++) if (!item.classes.has(data[k] as number)) return;
  throw invalid(
    item.file,
    `holds class indices (${a.dtype} [H,W], every value a class of the dataset): a class map, not a heatmap; save it as a grey PNG (PIL Image.fromarray(a.astype(np.uint8))) and import --format png to score it`,
  );
}

/** Shape checks made from the header alone, before the data is read or inflated. */
function checkHeatmapShape(file: string, header: NpyHeader, item: HeatmapPlanItem, what: string): void {
  const { shape } = header;
  if (shape.some((n) => n === 0)) throw invalid(file, `${what} has shape (${shape.join(', ')}): it holds no values`);
  // [H,W,C] at the image's size (numpy's and PIL's channel-last order): read as [C,h,w] its axes would be mixed up.
  const { width, height } = item.image;
  if (shape.length === 3 && shape[0] === height && shape[1] === width && (shape[2] as number) < height)
    throw invalid(
      file,
      `${what} has shape (${shape.join(', ')}): channel-last [H,W,C] at the image's size (${height}x${width}); heatmaps are [C,H,W] or [H,W]: save np.transpose(a, (2, 0, 1))${shape[2] === 1 ? ' or a[..., 0]' : ''}`,
    );
  if (shape.length === 3 && (shape[0] as number) > channelLimit(item)) {
    const limit = item.classes.size > 0 ? `the dataset has ${item.classes.size} classes` : `at most ${MAX_HEATMAP_CHANNELS} are allowed`;
    throw invalid(file, `${what} has ${shape[0]} channels (shape (${shape.join(', ')})); ${limit}`);
  }
  const values = shape.reduce((a, b) => a * b, 1);
  if (values > MAX_HEATMAP_VALUES)
    throw invalid(file, `${what} has ${values} values (shape (${shape.join(', ')})), more than the ${MAX_HEATMAP_VALUES} allowed`);
}

/**
 * NaN and ±Inf cannot be scored or drawn: refuse the file, naming the first such value and where
 * it is. Heatmaps are stored as float32, so a float64 value beyond its range (1e300), which would
 * be stored as ±Inf, is refused the same way.
 */
function checkFinite(file: string, a: NpyArray, what: string): void {
  if (a.dtype === 'uint8' || a.dtype === 'int32') return;
  const data = a.data;
  // Math.fround(v) is what Float32Array stores for v: ±Inf past the float32 range, NaN for NaN.
  const storable = data instanceof Float32Array ? Number.isFinite : (x: number): boolean => Number.isFinite(Math.fround(x));
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (storable(v)) continue;
    const index = position(a.shape, i);
    let count = 0;
    for (let j = i; j < data.length; j++) if (!storable(data[j] as number)) count++;
    if (Number.isFinite(v)) {
      const all = count === data.length ? ' (every value is)' : ` (${count} of ${data.length} values are beyond float32 or not finite)`;
      throw invalid(
        file,
        `${what} holds ${String(v)} at [${index.join(', ')}]${all}; heatmaps are stored as float32 and this is beyond its range (±${FLOAT32_MAX})`,
      );
    }
    const all = count === data.length ? ' (every value is)' : ` (${count} of ${data.length} values are not finite)`;
    throw invalid(file, `${what} holds ${String(v)} at [${index.join(', ')}]${all}; heatmaps must be finite numbers`);
  }
}

/**
 * Integers float32 cannot hold exactly (past 2^24, e.g. 16777217, or 2^62 + 1) would be stored
 * changed: refuse the file, naming the first such value and what it would become. Float64 values
 * are scores and are rounded to the nearest float32 as documented (checkFinite bounds their range).
 */
function checkExactIntegers(file: string, a: NpyArray, what: string): void {
  if (a.dtype !== 'int32' && a.dtype !== 'int64') return;
  const data = a.data;
  const wide = a.int64;
  // What toFloat32 stores for value i, as an exact decimal; null when that is the value itself.
  const changed = (i: number): string | null => {
    const n = data[i] as number;
    if (Math.abs(n) <= 2 ** 24) return null; // every integer up to 2^24 is a float32
    const stored = Math.fround(n);
    if (wide === undefined) return stored === n ? null : BigInt(stored).toString();
    return BigInt(stored) === wide[i] ? null : BigInt(stored).toString();
  };
  for (let i = 0; i < data.length; i++) {
    const stored = changed(i);
    if (stored === null) continue;
    let count = 0;
    for (let j = i; j < data.length; j++) if (changed(j) !== null) count++;
    const value = wide === undefined ? String(data[i]) : (wide[i] as bigint).toString();
    const all = count === data.length ? ' (every value is)' : ` (${count} of ${data.length} values are integers float32 cannot hold)`;
    throw invalid(
      file,
      `${what} holds ${value} at [${position(a.shape, i).join(', ')}]${all}; heatmaps are stored as float32, which cannot hold this ${a.dtype} value exactly (it would be ${stored}): save the array as float32 (a.astype(np.float32)) to accept the rounding`,
    );
  }
}

/** The [d0, d1, ...] index of flat C-order position `i` in an array of `shape`. */
function position(shape: readonly number[], i: number): number[] {
  const index: number[] = [];
  let rest = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d] as number;
    index.unshift(rest % n);
    rest = Math.floor(rest / n);
  }
  return index;
}

/** The largest finite float32, 3.4028234663852886e+38. */
const FLOAT32_MAX = (2 - 2 ** -23) * 2 ** 127;

/** The first bytes of a file, enough for a .npy header. */
function fileHead(path: string, length: number): Uint8Array {
  const fd = openImportFileSync(path);
  try {
    const buf = new Uint8Array(length);
    const n = readSync(fd, buf, 0, length, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Reads and checks one file: [C,h,w] (`cam`) or [h,w] (`heatmap`); a CAM dict's high_res must be [K,H,W] at image size. */
export function loadHeatmap(format: HeatmapFormat, item: HeatmapPlanItem): Heatmap {
  if (format === 'npy') {
    // The header is checked before the file is read whole.
    const head = fileHead(item.file, 65536);
    let header: NpyHeader;
    try {
      header = parseNpyHeader(head, item.file);
    } catch (err) {
      if (head.length < 65536) throw err;
      header = parseNpyHeader(fileBytes(item.file), item.file); // a header longer than 64 KiB
    }
    if (header.shape.length !== 2 && header.shape.length !== 3) {
      throw invalid(item.file, `shape (${header.shape.join(', ')}) is neither [C,h,w] nor [h,w]`);
    }
    checkHeatmapShape(item.file, header, item, 'the array');
    const a = parseNpy(fileBytes(item.file), item.file);
    checkFinite(item.file, a, 'the array');
    checkExactIntegers(item.file, a, 'the array');
    refuseClassMap(item, a);
    return asHeatmap(a.shape.length === 3 ? 'cam' : 'heatmap', a, { source: basename(item.file) });
  }
  const bytes = fileBytes(item.file);
  // Bounded by the image and the dataset's classes: a CAM dict holds at most one float64 map per
  // class at image size, plus its keys (and a little room for headers and other small arrays).
  const maps = channelLimit(item);
  const maxBytes = maps * item.image.width * item.image.height * 8 + maps * 8 + (1 << 20);
  const arrays = parseNpz(bytes, item.file, {
    maxBytes,
    checkHeader: (name, header) => {
      if (name === 'high_res') checkHeatmapShape(`${item.file}/high_res.npy`, header, item, 'high_res');
      if (name === 'keys' && header.shape.length === 1 && (header.shape[0] as number) > maps)
        throw invalid(item.file, `keys has ${header.shape[0]} entries; the dataset has ${item.classes.size} classes`);
    },
  });
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
  // Keys are foreground class ids: key k is class k + 1 of the dataset.
  for (const key of keyList) {
    // Class indices stop at 254 (255 is ignore): key 253 is the last a dataset can have, classes or not.
    if (Number.isInteger(key) && key > 253)
      throw invalid(item.file, `key ${String(key)} is beyond the class indices a dataset can hold (keys 0..253 are classes 1..254)`);
    if (!Number.isInteger(key) || key < 0 || (item.classes.size > 0 && !item.classes.has(key + 1))) {
      const known = [...item.classes]
        .filter((c) => c > 0 && c !== 255)
        .sort((a, b) => a - b)
        .map((c) => c - 1);
      const range = item.classes.size > 0 ? ` (its foreground classes are keys ${describeRange(known)})` : '';
      throw invalid(item.file, `key ${String(key)} is not a class of the dataset${range}; keys are class indices without background`);
    }
  }
  checkFinite(item.file, highRes, 'high_res');
  checkExactIntegers(item.file, highRes, 'high_res');
  // IRN/ToCo keys are foreground class ids without background (IRN eval pads with keys + 1).
  return asHeatmap('cam', highRes, { source: basename(item.file), keys: keyList, classIndices: keyList.map((x) => x + 1) });
}

/** 0..19, or a list when the ids are not contiguous. */
function describeRange(ids: number[]): string {
  if (ids.length === 0) return 'none';
  const first = ids[0] as number;
  const last = ids[ids.length - 1] as number;
  return last - first + 1 === ids.length ? `${first}..${last}` : ids.join(', ');
}
