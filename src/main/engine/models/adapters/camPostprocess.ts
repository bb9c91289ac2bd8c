/**
 * A `cam` run's post-processing of one image, from the raw per-scale CAMs to what the run stores:
 * ToCo's fused, per-class min-max CAM at the working size (448x448), mapped onto the image, its pseudo
 * label there, and the display map. Pure and free of the manifest schema, so the worker pool runs it
 * (workers/tasks.ts `camPostprocess`) while the engine's thread decodes, commits and feeds the GPU:
 * on a GPU this work, not inference, set a CAM run's pace (docs/gpu/). Same code inline or in a worker,
 * so the results are the same bits.
 */
import { camToPseudoLabel, camToPseudoLabelThreeBand } from '../../../../shared/pure/pseudoLabel';
import { fuseCamScalesNormalized, type CamAtScale } from '../../tokens/cam';
import { bilinearResize, resizeTaps } from '../../tokens/interpolate';
import { fuseCamForRunWasm, type FusedForRun } from '../../tokens/wasm/kernels';
import type { InputGeometry } from '../preprocess';
import { mapToImage } from './geometry';

/** Fused, normalized CAM [C,H,W] at the working size (ToCo's 448x448). */
export function fuseAtWorkingSize(
  perScale: readonly CamAtScale[],
  workingSize: readonly [number, number],
): { cam: Float32Array; channels: number } {
  const [H, W] = workingSize;
  const channels = perScale[0]?.channels ?? 0;
  return { cam: fuseCamScalesNormalized(perScale, H, W), channels };
}

/**
 * The working-size CAM at the image size, through the input geometry (padding dropped, a centre crop
 * put back, 0 outside it; null: one bilinear resize, runs stored before geometry was recorded).
 */
export function workingCamAtImageSize(
  working: { cam: Float32Array; channels: number },
  workingSize: readonly [number, number],
  geometry: InputGeometry | null,
  imageH: number,
  imageW: number,
): { cam: Float32Array; channels: number } {
  const [H, W] = workingSize;
  // torch (and bilinearResize) resize a one-channel map with another kernel than a multi-channel one
  // (1 ulp apart): one channel goes as two copies of it, so a selection of one channel is that channel
  // of the whole CAM's resize (selectCamChannels).
  const one = working.channels === 1;
  const planes = one ? new Float32Array(2 * working.cam.length) : working.cam;
  if (one) {
    planes.set(working.cam);
    planes.set(working.cam, working.cam.length);
  }
  const channels = one ? 2 : working.channels;
  const cam =
    geometry === null
      ? bilinearResize(planes, channels, H, W, imageH, imageW)
      : mapToImage(planes, channels, H, W, geometry, imageH, imageW, 0);
  return { cam: one ? cam.slice(0, imageH * imageW) : cam, channels: working.channels };
}

export interface CamPostprocessTask {
  perScale: CamAtScale[];
  workingSize: [number, number];
  /** Where the working-size tensor sits on the image; null for one plain resize. */
  geometry: InputGeometry | null;
  height: number;
  width: number;
  /** Per channel: whether its class is taken (ground-truth labels, cls_logits > 0, or all). */
  present: boolean[];
  /** The label each channel writes (model class indices). */
  classIds: number[];
  /** ToCo's background threshold. */
  threshold: number;
  /** ToCo's ignore_mid bands, or null for the two-band label. */
  band: { high: number; low: number; ignoreIndex: number } | null;
  /** The display map's size. */
  display: { height: number; width: number };
}

export interface CamPostprocessResult {
  /** `[height, width]` pseudo label (model class indices, `band.ignoreIndex` in the uncertain band). */
  labelMap: Uint8Array;
  /** `[channels, display.height, display.width]` display CAM. */
  display: Float32Array;
}

/** Fuse once; the pseudo label (image size) and the display map both derive from the working-size CAM. */
export function camPostprocess(t: CamPostprocessTask): CamPostprocessResult {
  const [H, W] = t.workingSize;
  const on = t.present.flatMap((p, c) => (p ? [c] : []));
  const planes = fusedPlanesWasm(t);
  if (planes !== null) return { labelMap: pseudoLabelAtImageSize(planes.kept, on, t), display: planes.display };
  const working = fuseAtWorkingSize(t.perScale, t.workingSize);
  const plane = H * W;
  const present = on.length === working.channels ? working.cam : new Float32Array(on.length * plane);
  if (present !== working.cam) on.forEach((c, k) => present.set(working.cam.subarray(c * plane, (c + 1) * plane), k * plane));
  const labelMap = pseudoLabelAtImageSize(present, on, t);
  const display = bilinearResize(working.cam, working.channels, H, W, t.display.height, t.display.width);
  return { labelMap, display };
}

/**
 * The display map and the present classes' working-size CAMs straight from the WebAssembly kernels
 * (tokens/wasm/kernels.ts fuseCamForRunWasm: the other classes' 448x448 planes never leave its
 * memory), or null where those kernels are off or bilinearResize would not take torch's generic
 * kernel for the display map (one class, a 1x1 map, no change of size, a 1x1 CAM at some scale):
 * the same bits either way.
 */
function fusedPlanesWasm(t: CamPostprocessTask): FusedForRun | null {
  const [H, W] = t.workingSize;
  const channels = t.perScale[0]?.channels ?? 0;
  const { height: dh, width: dw } = t.display;
  if (channels < 2 || H * W < 2 || (H === dh && W === dw) || t.perScale.some((s) => s.h * s.w < 2)) return null;
  const scales = t.perScale.map((s) => ({ ...s, ...resizeTaps(s.h, s.w, H, W) }));
  return fuseCamForRunWasm(scales, channels, H, W, resizeTaps(H, W, dh, dw), t.present);
}

/**
 * ToCo cam_to_label at the image size: background at or below the threshold; with three bands
 * (ToCo's ignore_mid) then the ignore index at or below high and background at or below low, in that
 * order. Only the present channels are taken to the image size (an image has 1-3 of VOC's 20): the
 * others score 0 in the label's argmax, and a score of 0 is background under any threshold in
 * [0, 1], so they never decide a pixel; each channel resizes to the same values alone as within
 * the whole CAM (tokens/interpolate.ts planeResizer), so the label is the one of the whole CAM.
 * `planes` holds the working-size CAMs of the classes `on` lists, in that order.
 */
function pseudoLabelAtImageSize(planes: Float32Array, on: readonly number[], t: CamPostprocessTask): Uint8Array {
  if (on.length === 0) return new Uint8Array(t.height * t.width);
  const [H, W] = t.workingSize;
  // An image of the working size with no geometry to undo takes the planes as they are (a resize
  // to the same size is a copy).
  const same = t.geometry === null && H === t.height && W === t.width;
  const full = same
    ? { cam: planes }
    : workingCamAtImageSize({ cam: planes, channels: on.length }, t.workingSize, t.geometry, t.height, t.width);
  const present = on.map(() => true);
  const classIds = on.map((c) => t.classIds[c]!);
  return t.band === null
    ? camToPseudoLabel(full.cam, on.length, t.height, t.width, { present, threshold: t.threshold, classIds })
    : camToPseudoLabelThreeBand(full.cam, on.length, t.height, t.width, {
        present,
        background: t.threshold,
        high: t.band.high,
        low: t.band.low,
        classIds,
        ignoreIndex: t.band.ignoreIndex,
      });
}
