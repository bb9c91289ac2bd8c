import { mkdir, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { JobContext } from '../jobs/JobRunner';
import type { Heatmap } from '../store/repos/predictions';
import { writeNpyFloat32 } from '../tensors/npy';
import { datasetImages } from './readback';
import type { StoreDeps } from './staging';
import type { ExportCounts } from './exportVoc';
import { decodeRawCams, fusedCamAtImageSize } from '../models/adapters/cam';
import { halfToFloat } from '../tensors/float16';

/** The map a per-image file holds: the CAM first, else a generic heatmap, else the first by name. */
const PREFERRED = ['cam', 'heatmap'];

function asFloat32(h: Heatmap): Float32Array {
  const bytes = h.data;
  if (h.dtype === 'float32') return new Float32Array(bytes.slice().buffer);
  if (h.dtype === 'uint8') return Float32Array.from(bytes);
  const halves = new Uint16Array(bytes.slice().buffer);
  return Float32Array.from(halves, halfToFloat);
}

/**
 * A run's stored heatmaps as float32 C-order .npy files: <image stem>.npy holds the image's CAM
 * ([C,H,W]) or heatmap ([h,w]) with its stored shape; any other named maps go to
 * <image stem>.<name>.npy.
 */
export async function exportNpy(deps: StoreDeps, datasetId: number, runId: number, outDir: string, ctx: JobContext): Promise<ExportCounts> {
  await mkdir(outDir, { recursive: true });
  const images = datasetImages(deps.db, datasetId);
  let files = 0;
  let withMaps = 0;
  for (const [i, image] of images.entries()) {
    ctx.signal.throwIfAborted();
    ctx.progress(i, images.length, 'writing .npy');
    const sampleId = image.sampleIds[0];
    if (sampleId === undefined) continue;
    const names = deps.repos.predictions.heatmapNames(runId, sampleId);
    if (names.length === 0) continue;
    const stem = basename(image.fileName, extname(image.fileName));
    if (names.includes('cam_raw')) {
      // A ToCo CAM run: <stem>.npy is the fused, min-max normalized CAM [C,H,W] at the image size,
      // recomputed from the exact per-scale model outputs (DESIGN §4), not the small display map.
      const raw = deps.repos.predictions.heatmap(runId, sampleId, 'cam_raw') as Heatmap;
      const fused = fusedCamAtImageSize(decodeRawCams(raw.data, raw.meta), image.height, image.width);
      await writeFile(join(outDir, `${stem}.npy`), writeNpyFloat32([fused.channels, image.height, image.width], fused.cam));
      files++;
      withMaps++;
      continue;
    }
    const main = PREFERRED.find((n) => names.includes(n)) ?? names[0];
    for (const name of names) {
      const h = deps.repos.predictions.heatmap(runId, sampleId, name) as Heatmap;
      const file = name === main ? `${stem}.npy` : `${stem}.${name}.npy`;
      await writeFile(join(outDir, file), writeNpyFloat32(h.shape, asFloat32(h)));
      files++;
    }
    withMaps++;
  }
  ctx.progress(images.length, images.length, 'done');
  return { files, images: withMaps };
}
