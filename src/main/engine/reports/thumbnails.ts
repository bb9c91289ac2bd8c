/**
 * Small inline PNGs (data: URIs) for the report grid: the image, its ground truth, each run's
 * prediction and a CAM when a run stored a heatmap for the sample. Made with sharp, so an HTML report
 * is one self-contained file.
 */
import { readRegisteredImage } from '../images/imageFile';
import { loadSharp } from '../lazyPackages';
import type { ClassInfo, Rgb } from '../../../shared/domain';
import { halfToFloat } from '../../../shared/pure/float16';
import { appliedOrientation, applyOrientation } from '../images/orientation';
import { paintLabelMap } from '../masks/labelMap';
import type { Repos } from '../store/store';
import type { Heatmap } from '../store/repos/predictions';
import { geometryFromMeta } from '../../../shared/domain/heatmapGeometry';
import { heatmapAtImageSize } from '../models/adapters/heatmapGeometry';

export const THUMB_WIDTH = 160;
const IGNORE_COLOR: Rgb = [224, 224, 192];

export interface Thumbnails {
  image: string | null;
  groundTruth: string;
  runs: string[];
  /** First heatmap found among the runs, with the run and map it came from. */
  cam: { uri: string; label: string } | null;
}

async function pngUri(raw: Uint8Array, width: number, height: number, thumbWidth: number, smooth: boolean): Promise<string> {
  const png = await loadSharp()(raw, { raw: { width, height, channels: 3 } })
    .resize({
      width: thumbWidth,
      height: Math.max(1, Math.round((height * thumbWidth) / width)),
      fit: 'fill',
      kernel: smooth ? 'cubic' : 'nearest',
    })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

export function colorizeLabels(labels: Uint8Array, classes: readonly ClassInfo[]): Uint8Array {
  const palette = new Uint8Array(256 * 3);
  for (const c of classes) palette.set(c.color, c.index * 3);
  palette.set(IGNORE_COLOR, 255 * 3);
  const rgb = new Uint8Array(labels.length * 3);
  for (let i = 0; i < labels.length; i++) {
    const p = labels[i]! * 3;
    rgb[i * 3] = palette[p]!;
    rgb[i * 3 + 1] = palette[p + 1]!;
    rgb[i * 3 + 2] = palette[p + 2]!;
  }
  return rgb;
}

export function heatmapValues(h: Heatmap): Float32Array {
  const bytes = h.data;
  if (h.dtype === 'uint8') return Float32Array.from(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (h.dtype === 'float32') return Float32Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
  return Float32Array.from({ length: bytes.byteLength / 2 }, (_, i) => halfToFloat(view.getUint16(i * 2, true)));
}

/**
 * Max over channels of a [..., C, h, w] or [h, w] map, min-max scaled, through a jet-like ramp. A
 * model's map with geometry is first mapped onto the image at `size` (padding dropped, a centre crop
 * put in place, black outside it), so the thumbnail lines up with the image's.
 */
export function heatmapRgb(
  h: Heatmap,
  size?: { width: number; height: number },
): { rgb: Uint8Array; width: number; height: number } | null {
  const dims = h.shape;
  const height = dims[dims.length - 2];
  const width = dims[dims.length - 1];
  if (height === undefined || width === undefined || height < 1 || width < 1) return null;
  const values = heatmapValues(h);
  const cells = height * width;
  const channels = Math.floor(values.length / cells);
  if (channels < 1) return null;
  const perCell = new Float32Array(cells).fill(-Infinity);
  for (let c = 0; c < channels; c++) for (let i = 0; i < cells; i++) perCell[i] = Math.max(perCell[i]!, values[c * cells + i]!);
  const g = geometryFromMeta(h.meta);
  const placed = g !== null && size !== undefined && g.gridHeight === height && g.gridWidth === width;
  const max = placed ? heatmapAtImageSize(perCell, 1, height, width, g, size.height, size.width, { outside: NaN }) : perCell;
  const pixels = max.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of max) if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const span = hi > lo ? hi - lo : 1;
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    if (placed && !Number.isFinite(max[i]!)) continue; // no map there (beyond a centre crop): black
    const t = Number.isFinite(max[i]!) ? (max[i]! - lo) / span : 0;
    const ramp = (x: number): number => Math.round(255 * Math.max(0, Math.min(1, 1.5 - Math.abs(4 * t - x))));
    rgb.set([ramp(3), ramp(2), ramp(1)], i * 3);
  }
  return placed ? { rgb, width: size.width, height: size.height } : { rgb, width, height };
}

export async function sampleThumbnails(
  repos: Repos,
  sample: { sampleId: number; imageId: number },
  runs: ReadonlyArray<{ id: number; name: string }>,
  classes: readonly ClassInfo[],
): Promise<Thumbnails> {
  const image = repos.images.get(sample.imageId);
  if (image === undefined) throw new Error(`image ${sample.imageId} vanished while the report was written`);
  const { width, height } = image;
  // Only the bytes imported: the masks beside it belong to them (a changed or moved file leaves a blank cell).
  const photo = await readRegisteredImage(image)
    .then(async (bytes) => {
      // The image's pixel grid (chosen at import), like its masks below, and its own values (no ICC conversion).
      const png = await applyOrientation(loadSharp()(bytes, { ignoreIcc: true }), appliedOrientation(image.grid, image.exif_orientation))
        .resize({ width: THUMB_WIDTH })
        .png()
        .toBuffer();
      return `data:image/png;base64,${png.toString('base64')}`;
    })
    .catch(() => null); // a moved image file leaves a blank cell, not a failed report
  const label = async (regions: Array<{ classIdx: number; rle: { size: [number, number]; counts: string } }>): Promise<string> =>
    pngUri(colorizeLabels(paintLabelMap(regions, height, width), classes), width, height, THUMB_WIDTH, false);
  const groundTruth = await label(repos.annotations.currentForSample(sample.sampleId));
  const predictions: string[] = [];
  for (const run of runs) predictions.push(await label(repos.predictions.forSample(run.id, sample.sampleId)));
  let cam: Thumbnails['cam'] = null;
  for (const run of runs) {
    const name = repos.predictions.heatmapNames(run.id, sample.sampleId)[0];
    const heatmap = name === undefined ? undefined : repos.predictions.heatmap(run.id, sample.sampleId, name);
    const thumbHeight = Math.max(1, Math.round((height * THUMB_WIDTH) / width));
    const map = heatmap === undefined ? null : heatmapRgb(heatmap, { width: THUMB_WIDTH, height: thumbHeight });
    if (map === null) continue;
    const png = await loadSharp()(map.rgb, { raw: { width: map.width, height: map.height, channels: 3 } })
      .resize({ width: THUMB_WIDTH, height: thumbHeight, fit: 'fill', kernel: 'cubic' })
      .png()
      .toBuffer();
    cam = { uri: `data:image/png;base64,${png.toString('base64')}`, label: `${run.name}: ${name}` };
    break;
  }
  return { image: photo, groundTruth, runs: predictions, cam };
}
