import { createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ApiError } from '../../../shared/api/errors';
import { CamMeta } from '../../../shared/domain/heatmapMeta';
import type { EngineDeps } from '../deps';
import { paintLabelMap } from '../masks/labelMap';
import type { Heatmap } from '../store/repos/predictions';
import { decodeRawCams, fusedCamAtImageSize, selectCamChannels } from '../models/adapters/cam';
import { resolveSubset } from '../tags/subset';
import type { Db } from '../store/db';
import { scoreInputVersions, type ScoreInputVersions } from '../store/scoreInputs';
import { createCamSweep, defaultCamThresholds, type CamSweepResult } from './camSweep';

export interface CamQuality extends CamSweepResult {
  dataset: string;
  run: string;
  images: number;
  definition: 'toco-cam-sweep';
  /** Annotated images of the dataset (or subset) without a CAM the sweep can use: not in its mIoU. */
  leftOut: { images: number; examples: string[]; reasons: string[] };
}

/**
 * CAM quality of a ToCo CAM run (docs/design.md §5.4): the fused, normalized CAM of each image at its size,
 * keeping the channels of the classes its ground truth contains (ToCo scores CAMs with GT image
 * labels), pseudo labels at each background threshold 0.00-0.95, mIoU over classes present in GT.
 * A run imported from ToCo/IRN CAM dicts (`import predictions --format toco-cam`) has no raw CAMs:
 * its stored `high_res` [K,H,W] with its own keys is scored exactly as ToCo's tools/eval_cam.py does
 * (a background channel of value t padded in front, argmax, keys + 1; the keys are the ones ToCo
 * saved, i.e. the image's GT labels at inference).
 * One image at a time, so memory does not grow with the dataset, and the event loop is given back
 * every few milliseconds: a sweep fuses every image's CAMs (~5 ms a 256×192 image, seconds for a
 * dataset) and `tessera serve` answers other requests meanwhile. The result is kept while the run's
 * score inputs stand (store/scoreInputs.ts: its heatmaps, the ground truth, the classes) and, for a
 * subset, while the subset holds the same samples: the Benchmarks page asks for it on every visit.
 */
export async function camQuality(deps: EngineDeps, datasetId: number, runId: number, subset?: string): Promise<CamQuality> {
  const dataset = deps.repos.datasets.header(datasetId);
  const run = deps.repos.runs.get(runId);
  if (dataset === undefined) throw new ApiError('NOT_FOUND', `dataset ${datasetId} not found`);
  if (run === undefined || run.datasetId !== datasetId)
    throw new ApiError('NOT_FOUND', `run ${runId} is not a run of dataset "${dataset.name}"`);
  if (dataset.task !== 'semantic')
    throw new ApiError('INVALID_INPUT', `CAM quality needs a semantic dataset; "${dataset.name}" is ${dataset.task}`);
  const sampleIds = resolveSubset(deps, datasetId, subset).sampleIds;
  const kept = keptSweeps(deps.db);
  const key = JSON.stringify([datasetId, runId, subset ?? null, subset === undefined ? null : idsDigest(sampleIds)]);
  const version = kept.versions === null || deps.db.inTransaction ? null : kept.versions.run(runId);
  const hit = kept.entries.get(key);
  if (version !== null && hit?.version === version) return hit.value;
  const value = await sweepSamples(deps, { id: datasetId, name: dataset.name }, { id: runId, name: run.name }, sampleIds, subset);
  // Kept only when no write a score depends on landed while it was computed.
  if (version !== null && !deps.db.inTransaction && kept.versions?.run(runId) === version) {
    kept.entries.delete(key);
    if (kept.entries.size >= KEPT_SWEEPS) kept.entries.delete(kept.entries.keys().next().value as string);
    kept.entries.set(key, { version, value });
  }
  return value;
}

/** Sweeps kept per store: a handful of (run, subset) pairs, each a few hundred bytes. */
const KEPT_SWEEPS = 32;
const keptByDb = new WeakMap<Db, { versions: ScoreInputVersions | null; entries: Map<string, { version: string; value: CamQuality }> }>();

function keptSweeps(db: Db): { versions: ScoreInputVersions | null; entries: Map<string, { version: string; value: CamQuality }> } {
  let kept = keptByDb.get(db);
  if (kept === undefined) {
    kept = { versions: scoreInputVersions(db), entries: new Map() };
    keptByDb.set(db, kept);
  }
  return kept;
}

/** Tags are not score inputs (nothing versions them): a subset's sweep is keyed by the samples it holds. */
function idsDigest(ids: readonly number[]): string {
  return createHash('sha1').update(Int32Array.from(ids)).digest('hex');
}

/** Time on the event loop between two yields of a sweep. */
const SLICE_MS = 8;

async function sweepSamples(
  deps: EngineDeps,
  dataset: { id: number; name: string },
  run: { id: number; name: string },
  sampleIds: readonly number[],
  subset: string | undefined,
): Promise<CamQuality> {
  const runId = run.id;
  const numClasses = Math.max(0, ...deps.repos.datasets.classes(dataset.id).map((c) => c.index)) + 1;
  const sweep = createCamSweep(numClasses, defaultCamThresholds());
  let images = 0;
  // Why the first stored CAM that could not be swept could not be (said when none could).
  let unusable: string | null = null;
  // Annotated images the sweep leaves out (no CAM stored, or one it cannot use): said with the result.
  const left = { images: 0, examples: [] as string[], reasons: new Set<string>() };
  const leave = (sampleId: number, reason: string): void => {
    left.images++;
    if (left.examples.length < 3) left.examples.push(deps.repos.images.fileNameOfSample(sampleId) ?? `sample ${sampleId}`);
    if (left.reasons.size < 3) left.reasons.add(reason);
  };
  let since = performance.now();
  for (const sampleId of sampleIds) {
    if (performance.now() - since > SLICE_MS) {
      await nextTurn();
      since = performance.now();
    }
    const regions = deps.repos.annotations.currentForSample(sampleId);
    if (regions.length === 0) continue;
    const display = deps.repos.predictions.heatmap(runId, sampleId, 'cam');
    if (display === undefined) {
      leave(sampleId, 'no CAM stored');
      continue;
    }
    const raw = deps.repos.predictions.heatmap(runId, sampleId, 'cam_raw');
    const image = deps.repos.images.sizeOfSample(sampleId)!;
    const gt = paintLabelMap(regions, image.height, image.width);
    if (raw === undefined) {
      const imported = importedCamItem(display, image.height, image.width, numClasses, gt);
      if ('why' in imported) {
        unusable ??= imported.why;
        leave(sampleId, imported.why);
        continue;
      }
      sweep.add({ ...imported, gt, height: image.height, width: image.width });
      images++;
      continue;
    }
    const present = new Set(gt);
    const classIds = CamMeta.parse(display.meta).classIds ?? [];
    const keep = classIds.map((c, k) => [c, k] as const).filter(([c]) => c > 0 && c < 255 && present.has(c));
    // Only the kept channels are fused and resized (each channel on its own: the same values). No
    // channel kept (no class of the GT among the model's): background everywhere, nothing to fuse.
    const cam =
      keep.length === 0
        ? new Float32Array(0)
        : fusedCamAtImageSize(
            selectCamChannels(
              decodeRawCams(raw.data, raw.meta),
              keep.map(([, k]) => k),
            ),
            image.height,
            image.width,
          ).cam;
    sweep.add({ cam, keys: keep.map(([c]) => c), gt, height: image.height, width: image.width });
    images++;
  }
  if (images === 0)
    throw new ApiError(
      'INVALID_INPUT',
      unusable !== null
        ? `run "${run.name}": ${unusable}`
        : `run "${run.name}" has no CAMs on annotated images of "${dataset.name}"${subset === undefined ? '' : ` tagged "${subset}"`} (is it a cam-kind run?)`,
    );
  return {
    dataset: dataset.name,
    run: run.name,
    images,
    definition: 'toco-cam-sweep',
    ...sweep.result(),
    leftOut: { images: left.images, examples: left.examples, reasons: [...left.reasons] },
  };
}

/**
 * An imported CAM as a sweep item, or why it cannot be one.
 * - A ToCo/IRN CAM dict (`import predictions --format toco-cam`: `cam` [K,H,W] float32 at image size,
 *   `meta.classIndices` = keys + 1): channels and keys as saved.
 * - A `[C,H,W]` .npy (`--format npy`) at the image's size with one channel per foreground class
 *   (C = numClasses - 1, channel k = class k + 1, as ToCo's CAMs and `export --format npy` of a CAM
 *   run are laid out): the channels of the classes the ground truth contains, as ToCo scores CAMs
 *   with the GT image labels.
 */
export function importedCamItem(
  map: Heatmap,
  height: number,
  width: number,
  numClasses: number,
  gt: Uint8Array,
): { cam: Float32Array; keys: number[] } | { why: string } {
  const { classIndices } = CamMeta.parse(map.meta);
  const shape = `[${map.shape.join(',')}]`;
  if (map.shape.length !== 3) return { why: `its CAMs are ${shape}, not [C,H,W]` };
  if (map.dtype !== 'float32')
    return {
      why: `its CAMs are ${map.dtype} ${shape}: the sweep compares float32 scores with thresholds 0.00-0.95; import them as float32 in [0, 1] (for 0-255 maps, cam.astype(np.float32) / 255)`,
    };
  const [k, h, w] = map.shape as [number, number, number];
  if (h !== height || w !== width)
    return {
      why: `its CAMs are ${shape} and the image is ${height}x${width}: the sweep scores CAMs at the image's size, as ToCo's high_res`,
    };
  const bytes = map.data;
  // Stored blobs are not always 4-byte aligned: copy when they are not.
  const all =
    bytes.byteOffset % 4 === 0
      ? new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
      : new Float32Array(bytes.slice().buffer);
  if (classIndices !== undefined) {
    if (k !== classIndices.length) return { why: `a CAM dict of ${k} channels holds ${classIndices.length} keys` };
    return { cam: all, keys: [...classIndices] };
  }
  if (k !== numClasses - 1)
    return {
      why: `its .npy CAMs have ${k} channels and no class ids: a [C,H,W] .npy is swept when C is the dataset's ${numClasses - 1} foreground classes (channel k = class k+1); for CAMs of some classes only, import ToCo/IRN dicts with --format toco-cam (keys = class ids)`,
    };
  const present = new Set(gt);
  const keys: number[] = [];
  for (let c = 1; c <= k; c++) if (present.has(c)) keys.push(c);
  const plane = h * w;
  const cam = new Float32Array(keys.length * plane);
  keys.forEach((c, j) => cam.set(all.subarray((c - 1) * plane, c * plane), j * plane));
  return { cam, keys };
}
