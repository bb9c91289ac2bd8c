import { mkdir } from 'node:fs/promises';
import { writeExportFile } from './exportStaging';
import { basename, extname, join } from 'node:path';
import { geometryFromMeta, type HeatmapGeometry } from '../../../shared/domain/heatmapGeometry';
import type { JobContext } from '../jobs/JobRunner';
import type { Heatmap } from '../store/repos/predictions';
import { writeNpyFloat32 } from '../tensors/npy';
import { datasetImages } from '../store/repos/datasetReads';
import { hasSeveralQueries, sampleFileStem } from './stems';
import type { StoreDeps } from './staging';
import type { ExportCounts } from './exportVoc';
import { decodeRawCams, fusedCamAtImageSize, fusedCamAtWorkingSize } from '../models/adapters/cam';
import { exportPlacement, heatmapAtImageSize } from '../models/adapters/heatmapGeometry';
import { halfToFloat } from '../../../shared/pure/float16';

/** The map a per-image file holds: the CAM first, else a generic heatmap, else the first by name. */
const PREFERRED = ['cam', 'heatmap'];

/** The index written next to raw maps: what each file is and how to put it on its image. */
export const RAW_INDEX_FILE = 'heatmaps.json';

interface RawIndexEntry {
  file: string;
  image: string;
  /** On a dataset with several queries per image: which of the image's queries (import order). */
  query?: number;
  /** [height, width] of the image. */
  imageSize: [number, number];
  heatmap: string;
  shape: number[];
  /** Null: the map covers the whole image (imported maps). */
  geometry: HeatmapGeometry | null;
}

function asFloat32(h: Heatmap): Float32Array {
  const bytes = h.data;
  if (h.dtype === 'float32') return new Float32Array(bytes.slice().buffer);
  if (h.dtype === 'uint8') return Float32Array.from(bytes);
  const halves = new Uint16Array(bytes.slice().buffer);
  return Float32Array.from(halves, halfToFloat);
}

/**
 * [C, h, w] of a map that lies on the image ([h, w] or [C, h, w], on its geometry's grid), or null
 * for maps that are not images of the grid (patch tokens [N, D]).
 */
function spatialShape(shape: readonly number[], g: HeatmapGeometry | null): [number, number, number] | null {
  if (shape.length !== 2 && shape.length !== 3) return null;
  const [c, h, w] = (shape.length === 2 ? [1, ...shape] : shape) as [number, number, number];
  if (g !== null && (g.gridHeight !== h || g.gridWidth !== w)) return null;
  return [c, h, w];
}

/**
 * A run's stored heatmaps as float32 C-order .npy files: <image stem>.npy holds the image's CAM
 * ([C,H,W]) or heatmap ([H,W]); any other named maps go to <image stem>.<name>.npy. On a dataset with
 * several queries per image every sample's maps are written, as <image stem>.q<k>[.<name>].npy (stems.ts). By default every
 * map lying on the image is written at the image size, mapped through its geometry (README,
 * "Heatmap geometry"); maps that are not images (patch tokens [N,D]) are written as stored. `raw`
 * writes every map as stored, at model resolution, plus heatmaps.json with each file's geometry.
 */
export async function exportNpy(
  deps: StoreDeps,
  datasetId: number,
  runId: number,
  outDir: string,
  ctx: JobContext,
  opts: { raw?: boolean } = {},
): Promise<ExportCounts> {
  const raw = opts.raw === true;
  await mkdir(outDir, { recursive: true });
  const images = datasetImages(deps.db, datasetId);
  const index: RawIndexEntry[] = [];
  let files = 0;
  let withMaps = 0;
  const perQuery = hasSeveralQueries(images);
  for (const [i, image] of images.entries()) {
    ctx.signal.throwIfAborted();
    ctx.progress(i, images.length, 'writing .npy');
    const imageStem = basename(image.fileName, extname(image.fileName));
    let wrote = false;
    // Every sample: a seg-token run on RefCOCO keeps one similarity map per sentence.
    for (const [k, sampleId] of image.sampleIds.entries()) {
      const names = deps.repos.predictions.heatmapNames(runId, sampleId);
      if (names.length === 0) continue;
      const stem = sampleFileStem(imageStem, k, perQuery);
      const write = async (file: string, name: string, shape: number[], values: Float32Array, g: HeatmapGeometry | null) => {
        await writeExportFile(join(outDir, file), writeNpyFloat32(shape, values));
        files++;
        if (raw)
          index.push({
            file,
            image: image.fileName,
            ...(perQuery ? { query: k } : {}),
            imageSize: [image.height, image.width],
            heatmap: name,
            shape,
            geometry: g,
          });
      };
      wrote = true;
      if (names.includes('cam_raw')) {
        // A ToCo CAM run: <stem>.npy is the fused, min-max normalized CAM [C,H,W] at the image size,
        // recomputed from the exact per-scale model outputs (docs/design.md §4.4), not the small display map;
        // raw: the same CAM at the working size the model saw (ToCo's 448x448).
        const blob = deps.repos.predictions.heatmap(runId, sampleId, 'cam_raw') as Heatmap;
        const cams = decodeRawCams(blob.data, blob.meta);
        if (raw) {
          const working = fusedCamAtWorkingSize(cams);
          await write(`${stem}.npy`, 'cam', [working.channels, ...cams.workingSize], working.cam, cams.geometry);
        } else {
          const fused = fusedCamAtImageSize(cams, image.height, image.width);
          await write(`${stem}.npy`, 'cam', [fused.channels, image.height, image.width], fused.cam, null);
        }
        continue;
      }
      const main = PREFERRED.find((n) => names.includes(n)) ?? names[0];
      for (const name of names) {
        const h = deps.repos.predictions.heatmap(runId, sampleId, name) as Heatmap;
        const file = name === main ? `${stem}.npy` : `${stem}.${name}.npy`;
        const g = geometryFromMeta(h.meta);
        const values = asFloat32(h);
        const spatial = raw ? null : spatialShape(h.shape, g);
        if (spatial === null) {
          await write(file, name, h.shape, values, g);
          continue;
        }
        const [c, mh, mw] = spatial;
        const mapped = heatmapAtImageSize(values, c, mh, mw, g, image.height, image.width, exportPlacement(name, values));
        await write(file, name, h.shape.length === 2 ? [image.height, image.width] : [c, image.height, image.width], mapped, null);
      }
    }
    if (wrote) withMaps++;
  }
  if (raw) {
    await writeExportFile(
      join(outDir, RAW_INDEX_FILE),
      `${JSON.stringify({ mode: 'raw', note: 'model-resolution maps; geometry places each on its image (README: Heatmap geometry)', files: index }, null, 2)}\n`,
    );
    files++;
  }
  ctx.progress(images.length, images.length, 'done');
  return { files, images: withMaps };
}
