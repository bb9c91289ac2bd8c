import type { ModelManifest } from '../../../../shared/domain';
import type { Adapter, ModelRuntime } from './types';
import { paramsOf } from './params';
import { f32, outputNamed } from './types';
import { imageToTensor } from '../preprocess';
import { assertFinite } from './geometry';
import { heatmapGeometry, inputGeometryOf } from './heatmapGeometry';
import { geometryFromMeta, type HeatmapGeometry } from '../../../../shared/domain/heatmapGeometry';
import { camPostprocess, fuseAtWorkingSize, workingCamAtImageSize, type CamPostprocessTask } from './camPostprocess';
import { postprocessPool } from '../../workers/pool';
import { bilinearResize, scaledInputSize, TOCO_CAM_SCALES, type CamAtScale } from '../../tokens';

/** The label of a three-band pseudo label's uncertain pixels (ToCo's `ignore_index`). */
export const CAM_IGNORE_INDEX = 255;

/** The display map's size: a quarter of ToCo's 448 working resolution keeps blobs small. */
const DISPLAY_DIVISOR = 4;

function flipHorizontal(data: Float32Array, channels: number, h: number, w: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < h; y++) {
      const row = c * h * w + y * w;
      for (let x = 0; x < w; x++) out[row + x] = data[row + w - 1 - x] as number;
    }
  }
  return out;
}

async function camAt(
  rt: ModelRuntime,
  tensor: Float32Array,
  h: number,
  w: number,
): Promise<{ cam: Float32Array; dims: number[]; cls: Float32Array | null }> {
  const [only] = await camBatch(rt, [tensor], h, w);
  return only as { cam: Float32Array; dims: number[]; cls: Float32Array | null };
}

/** One session.run over several same-size inputs stacked on the batch axis; results split per input. */
async function camBatch(
  rt: ModelRuntime,
  tensors: Float32Array[],
  h: number,
  w: number,
): Promise<Array<{ cam: Float32Array; dims: number[]; cls: Float32Array | null }>> {
  const m = rt.manifest;
  const n = tensors.length;
  const stacked = new Float32Array(n * 3 * h * w);
  tensors.forEach((t, i) => stacked.set(t, i * 3 * h * w));
  const out = await rt.run({ [m.input.tensor]: { type: 'float32', dims: [n, 3, h, w], data: stacked.buffer } });
  const camName = outputNamed(m, 'cam');
  const cam = f32(out[camName], camName);
  assertFinite(cam, camName);
  const dims = out[camName]?.dims ?? [];
  // A graph with a fixed batch of 1 behind a dynamic input axis would have its one CAM split in
  // halves, one taken as the image's and the other as the flip's.
  const refuseBatch = (name: string, shape: readonly number[]): never => {
    throw new Error(
      `model output ${name} has batch ${shape[0]} for ${n} inputs (the image and its flip; shape [${shape.join(',')}]): the output's batch axis must follow the input's`,
    );
  };
  if (dims[0] !== n) refuseBatch(camName, dims);
  const clsName = m.outputs['cls_logits'];
  const cls = clsName === undefined ? null : f32(out[clsName], clsName);
  const clsDims = clsName === undefined ? [n] : (out[clsName]?.dims ?? []);
  if (clsDims[0] !== n) refuseBatch(clsName as string, clsDims);
  if (cls !== null) assertFinite(cls, clsName as string);
  const per = cam.length / n;
  const perCls = cls === null ? 0 : cls.length / n;
  return tensors.map((_, i) => ({
    cam: cam.slice(i * per, (i + 1) * per),
    dims: [1, ...dims.slice(1)],
    cls: cls === null ? null : cls.slice(i * perCls, (i + 1) * perCls),
  }));
}

/** The raw per-scale CAMs, exactly as the model produced them: everything else derives from these. */
export interface RawCams {
  scales: number[];
  perScale: CamAtScale[];
  clsLogits: Float32Array | null;
  workingSize: [number, number];
  /** Where the working-size tensor sits on the image (grid = working size); null in runs stored before it was recorded. */
  geometry: HeatmapGeometry | null;
}

/**
 * ToCo inference (utils/camutils.py multi_scale_cam2): the image resized to the working size
 * (448x448), then per scale the image and its horizontal flip; fusion, ReLU, sum over scales and
 * per-class min-max happen in tokens/cam.ts.
 */
export async function computeRawCams(rt: ModelRuntime, rgb: Parameters<typeof imageToTensor>[0]): Promise<RawCams> {
  const m = rt.manifest;
  const p = paramsOf(m, 'cam');
  const scales = p.scales ?? [...TOCO_CAM_SCALES];
  const flip = p.flip;
  const base = imageToTensor(rgb, m.input);
  const [H, W] = [base.dims[2], base.dims[3]];
  const batch = await rt.batchable();
  const perScale: CamAtScale[] = [];
  let clsLogits: Float32Array | null = null;
  for (const s of scales) {
    const size = scaledInputSize(H, W, s);
    const scaled = s === 1 ? base.data : bilinearResize(base.data, 3, H, W, size.height, size.width);
    // ToCo runs the image and its flip as one batch (torch.cat([x, x.flip(-1)])); so do we when the
    // model's batch axis is dynamic, else two runs.
    const mirrored = flip ? flipHorizontal(scaled, 3, size.height, size.width) : null;
    const results =
      mirrored !== null && batch
        ? await camBatch(rt, [scaled, mirrored], size.height, size.width)
        : [
            await camAt(rt, scaled, size.height, size.width),
            ...(mirrored === null ? [] : [await camAt(rt, mirrored, size.height, size.width)]),
          ];
    const plain = results[0] as { cam: Float32Array; dims: number[]; cls: Float32Array | null };
    const [, c, h, w] = plain.dims as [number, number, number, number];
    if (s === 1 || clsLogits === null) clsLogits = plain.cls;
    perScale.push({ cam: plain.cam, flipped: results[1]?.cam ?? null, channels: c, h, w });
  }
  return { scales, perScale, clsLogits, workingSize: [H, W], geometry: heatmapGeometry(base.geometry, H, W) };
}

/**
 * The same CAMs with only the channels `channels` (indices into the model's channels, in that order).
 * Fusion, normalization and resizing work on each channel alone, so the fused CAM of the selection
 * equals those channels of the fused CAM of all (cam.test.ts checks it): CAM quality keeps only the
 * classes of each image's ground truth, 1-3 of ToCo's 20, and fuses only those (~10x less work).
 */
export function selectCamChannels(raw: RawCams, channels: readonly number[]): RawCams {
  const perScale = raw.perScale.map((s) => {
    const plane = s.h * s.w;
    const pick = (all: Float32Array): Float32Array => {
      const out = new Float32Array(channels.length * plane);
      channels.forEach((c, j) => {
        if (!Number.isInteger(c) || c < 0 || c >= s.channels) throw new RangeError(`CAM channel ${c} of ${s.channels}`);
        out.set(all.subarray(c * plane, (c + 1) * plane), j * plane);
      });
      return out;
    };
    return { cam: pick(s.cam), flipped: s.flipped === null ? null : pick(s.flipped), channels: channels.length, h: s.h, w: s.w };
  });
  return { ...raw, perScale };
}

/** Fused, normalized CAM [C,H,W] at the working size (ToCo's 448x448). */
export function fusedCamAtWorkingSize(raw: RawCams): { cam: Float32Array; channels: number } {
  return fuseAtWorkingSize(raw.perScale, raw.workingSize);
}

/**
 * Fused, normalized CAM [C,H,W] at the image size: what `export --format npy` writes (docs/design.md §4.4, §3.6).
 * Mapped through the input geometry (padding dropped, a centre crop put back, 0 outside it); for
 * a `resize` input that is one bilinear resize.
 */
export function fusedCamAtImageSize(
  raw: RawCams,
  imageH: number,
  imageW: number,
  working = fusedCamAtWorkingSize(raw),
): { cam: Float32Array; channels: number } {
  return workingCamAtImageSize(working, raw.workingSize, raw.geometry === null ? null : inputGeometryOf(raw.geometry), imageH, imageW);
}

export function encodeRawCams(raw: RawCams): { data: Uint8Array; shape: number[]; meta: Record<string, unknown> } {
  // A run flips every scale or none (params.flip).
  const flipped = raw.perScale.every((s) => s.flipped !== null);
  if (!flipped && raw.perScale.some((s) => s.flipped !== null))
    throw new Error('encodeRawCams: some scales have a flipped CAM and some not');
  const total = raw.perScale.reduce((n, s) => n + (flipped ? 2 : 1) * s.cam.length, 0);
  const all = new Float32Array(total);
  let at = 0;
  for (const s of raw.perScale) {
    all.set(s.cam, at);
    at += s.cam.length;
    if (s.flipped === null) continue;
    all.set(s.flipped, at);
    at += s.flipped.length;
  }
  return {
    data: new Uint8Array(all.buffer),
    shape: [total],
    meta: {
      scales: raw.scales,
      shapes: raw.perScale.map((s) => [s.channels, s.h, s.w]),
      workingSize: raw.workingSize,
      clsLogits: raw.clsLogits === null ? null : Array.from(raw.clsLogits),
      geometry: raw.geometry,
      flipped,
      layout: flipped
        ? 'per scale: the cam of the input, then the cam of the flipped input as the model returned it; each [C,h,w] float32'
        : 'per scale: the cam of the input (no flipped input: params.flip false); each [C,h,w] float32',
    },
  };
}

export function decodeRawCams(data: Uint8Array, meta: Record<string, unknown>): RawCams {
  const values = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  const shapes = meta['shapes'] as Array<[number, number, number]>;
  // Runs stored before adapter version 4 have no `flipped` field and always a pair per scale (with
  // params.flip false the second was the first mirrored, and their fusion took the max of the two).
  const flipped = meta['flipped'] !== false;
  const perScale: CamAtScale[] = [];
  let at = 0;
  for (const [c, h, w] of shapes) {
    const n = c * h * w;
    perScale.push({ cam: values.slice(at, at + n), flipped: flipped ? values.slice(at + n, at + 2 * n) : null, channels: c, h, w });
    at += (flipped ? 2 : 1) * n;
  }
  const cls = meta['clsLogits'];
  return {
    scales: meta['scales'] as number[],
    perScale,
    clsLogits: Array.isArray(cls) ? Float32Array.from(cls as number[]) : null,
    workingSize: meta['workingSize'] as [number, number],
    geometry: geometryFromMeta(meta),
  };
}

/**
 * How a `cam` run turns CAMs into its prediction, for the run's provenance (docs/design.md §4.4):
 * ToCo's `cam_to_label` with the background threshold, plus its `ignore_mid` bands when the
 * manifest sets `three_band`. `ignoreIndex` tells evaluation that predicted 255 is "no label"
 * (metrics/predictionIgnore.ts), not a class.
 */
export function camPseudoLabelRule(manifest: ModelManifest): Record<string, unknown> {
  const p = paramsOf(manifest, 'cam');
  const band = p.three_band;
  return band === undefined
    ? { rule: 'toco-cam_to_label', bgThreshold: p.bg_threshold }
    : {
        rule: 'toco-cam_to_label-ignore_mid',
        bgThreshold: p.bg_threshold,
        high: band.high,
        low: band.low,
        ignoreIndex: CAM_IGNORE_INDEX,
      };
}

/** `cam` (ToCo): raw CAMs stored exactly; a display CAM; the pseudo label as the run's prediction. */
export const camAdapter: Adapter = {
  requiredInputs: () => [],
  poolPostprocess: true,
  async predict(rt, sample, ctx) {
    const m = rt.manifest;
    const raw = await computeRawCams(rt, sample.rgb);
    const channels = raw.perScale[0]?.channels ?? 0;
    const p = paramsOf(m, 'cam');
    const bgIndex = m.classes?.background ?? 0;
    // Channel k is foreground class k+1 in model indices when the manifest has a background class.
    const modelClassOf = (k: number): number =>
      p.cam_channels === 'all' || m.classes?.background === null ? k : k + (bgIndex === 0 ? 1 : 0);
    let present: boolean[];
    let presence: string;
    if (sample.groundTruth !== null) {
      const inGt = new Set(sample.groundTruth);
      present = Array.from({ length: channels }, (_, k) => inGt.has(ctx.modelToDataset(modelClassOf(k))));
      presence = 'ground-truth image labels';
    } else if (raw.clsLogits !== null) {
      present = Array.from(raw.clsLogits, (v) => v > 0);
      presence = 'cls_logits > 0';
    } else {
      present = new Array<boolean>(channels).fill(true);
      presence = 'all classes (no labels, no cls_logits)';
    }
    const threshold = p.bg_threshold;
    const classIds = Array.from({ length: channels }, (_, k) => modelClassOf(k));
    const band = p.three_band;
    const [H, W] = raw.workingSize;
    const dh = Math.max(1, Math.round(H / DISPLAY_DIVISOR));
    const dw = Math.max(1, Math.round(W / DISPLAY_DIVISOR));
    // Fusion, the pseudo label and the display map (camPostprocess.ts): in the worker pool on a GPU run.
    const task: CamPostprocessTask = {
      perScale: raw.perScale,
      workingSize: raw.workingSize,
      geometry: raw.geometry === null ? null : inputGeometryOf(raw.geometry),
      height: sample.height,
      width: sample.width,
      present,
      classIds,
      threshold,
      band: band === undefined ? null : { high: band.high, low: band.low, ignoreIndex: CAM_IGNORE_INDEX },
      display: { height: dh, width: dw },
    };
    const { labelMap, display } = ctx.postprocess === 'pool' ? await postprocessPool().run('camPostprocess', task) : camPostprocess(task);
    const rawBlob = encodeRawCams(raw);
    return {
      labelMap,
      masks: [],
      heatmaps: [
        { name: 'cam_raw', shape: rawBlob.shape, dtype: 'float32', data: rawBlob.data, meta: rawBlob.meta },
        {
          name: 'cam',
          shape: [channels, dh, dw],
          dtype: 'float32',
          data: new Uint8Array(display.buffer),
          meta: {
            classIds: classIds.map((c) => ctx.modelToDataset(c)),
            present,
            presence,
            threshold,
            ...(band === undefined ? {} : { threeBand: { high: band.high, low: band.low, ignoreIndex: CAM_IGNORE_INDEX } }),
            workingSize: raw.workingSize,
            ...(raw.geometry === null ? {} : { geometry: { ...raw.geometry, gridHeight: dh, gridWidth: dw } }),
          },
        },
      ],
    };
  },
};
