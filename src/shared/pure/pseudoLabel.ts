/**
 * CAM -> pseudo label, ToCo utils/camutils.py `cam_to_label`. The CAM has one channel per
 * foreground class (ToCo's classifier has `num_classes - 1` outputs); channel k becomes label
 * `classIds[k]` (default k + 1, ToCo's `_pseudo_label += 1`) and background is 0. Runtime-neutral:
 * the engine labels a run's CAMs with it and the viewer relabels at the threshold slider's value.
 */
import { assertInteger, assertTensor } from './shape';

/** ToCo's training defaults (scripts/dist_train_voc_seg_neg.py): `--high_thre`, `--low_thre`, `--bkg_thre`. */
export const TOCO_THREE_BAND = { high: 0.7, low: 0.25, background: 0.5 } as const;

export interface PseudoLabelOptions {
  /** One flag per channel; absent classes are masked (GT image labels, else `cls_logits > 0`). Default: all present. */
  present?: readonly boolean[];
  /** Background where the best present score is <= this (VOC 0.5, COCO 0.45). */
  threshold: number;
  /** Label of each channel; default channel index + 1. Each in [1, 254]. */
  classIds?: readonly number[];
}

export interface ThreeBandOptions {
  present: readonly boolean[];
  /** A score above this keeps its class (ToCo 0.7). */
  high?: number;
  /** A score at or below this is background (ToCo 0.25); between low and high is `ignoreIndex`. */
  low?: number;
  /** ToCo's `bkg_thre`, applied first (0.5); it only matters when it lies outside [low, high]. */
  background?: number;
  classIds?: readonly number[];
  ignoreIndex?: number;
}

/** Image-level presence from classifier logits, as ToCo predicts labels: `cls_pred = (cls > 0)`. */
export function presentClassesFromLogits(clsLogits: ArrayLike<number>): boolean[] {
  return Array.from(clsLogits, (logit) => logit > 0);
}

/**
 * `[h, w]` labels: the argmax over channels of `present ? cam : 0` (ToCo multiplies by the
 * class-label vector, so an absent class scores 0, and the first channel wins ties, as torch.max
 * does), background 0 where that maximum is <= threshold. The threshold is rounded to float32
 * before comparing, as torch casts the Python scalar to the CAM's dtype.
 */
export function camToPseudoLabel(cam: Float32Array, channels: number, h: number, w: number, opts: PseudoLabelOptions): Uint8Array {
  const present = opts.present ?? new Array<boolean>(channels).fill(true);
  const ids = channelLabels(channels, present, opts.classIds, 255);
  const { value, arg } = maskedArgmax(cam, channels, h, w, present);
  const threshold = Math.fround(opts.threshold);
  const label = new Uint8Array(h * w);
  for (let i = 0; i < label.length; i++) label[i] = value[i]! <= threshold ? 0 : ids[arg[i]!]!;
  return label;
}

/**
 * The three-band variant, ToCo `cam_to_label(..., ignore_mid=True)` in its exact order: label the
 * argmax; 0 where score <= background; `ignoreIndex` where score <= high; 0 where score <= low. So
 * with the defaults: > 0.7 keeps its class, (0.25, 0.7] is 255, <= 0.25 is background.
 */
export function camToPseudoLabelThreeBand(cam: Float32Array, channels: number, h: number, w: number, opts: ThreeBandOptions): Uint8Array {
  const ignoreIndex = opts.ignoreIndex ?? 255;
  assertInteger('ignoreIndex', ignoreIndex, 1);
  if (ignoreIndex > 255) throw new RangeError(`ignoreIndex must fit a byte, got ${ignoreIndex}`);
  const ids = channelLabels(channels, opts.present, opts.classIds, ignoreIndex);
  const { value, arg } = maskedArgmax(cam, channels, h, w, opts.present);
  const background = Math.fround(opts.background ?? TOCO_THREE_BAND.background);
  const high = Math.fround(opts.high ?? TOCO_THREE_BAND.high);
  const low = Math.fround(opts.low ?? TOCO_THREE_BAND.low);
  const label = new Uint8Array(h * w);
  for (let i = 0; i < label.length; i++) {
    const score = value[i]!;
    let next = score <= background ? 0 : ids[arg[i]!]!;
    if (score <= high) next = ignoreIndex;
    if (score <= low) next = 0;
    label[i] = next;
  }
  return label;
}

/** Per pixel: the highest masked score and its channel (first channel on ties). */
function maskedArgmax(
  cam: Float32Array,
  channels: number,
  h: number,
  w: number,
  present: readonly boolean[],
): { value: Float32Array; arg: Uint16Array } {
  assertTensor('cam', cam, [channels, h, w]);
  const size = h * w;
  const value = new Float32Array(size);
  const arg = new Uint16Array(size);
  for (let i = 0; i < size; i++) value[i] = present[0] === true ? cam[i]! : 0;
  for (let c = 1; c < channels; c++) {
    const plane = c * size;
    const on = present[c] === true;
    for (let i = 0; i < size; i++) {
      const score = on ? cam[plane + i]! : 0;
      if (score > value[i]!) {
        value[i] = score;
        arg[i] = c;
      }
    }
  }
  return { value, arg };
}

function channelLabels(
  channels: number,
  present: readonly boolean[],
  classIds: readonly number[] | undefined,
  ignoreIndex: number,
): number[] {
  if (present.length !== channels) {
    throw new RangeError(`present has ${present.length} flags for ${channels} CAM channels`);
  }
  const ids = classIds ?? Array.from({ length: channels }, (_, c) => c + 1);
  if (ids.length !== channels) throw new RangeError(`classIds has ${ids.length} ids for ${channels} CAM channels`);
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 1 || id > 254 || id === ignoreIndex) {
      throw new RangeError(`class id ${id} must be an integer in [1, 254] other than the ignore index`);
    }
  }
  return [...ids];
}
