import { coveredColumns, coveredRows, HeatmapGeometry } from '../../../../shared/domain/heatmapGeometry';
import type { InputGeometry } from '../preprocess';
import { mapToImage } from './geometry';
import { centreCropPadding } from '../../tokens';

/**
 * The geometry stored with a heatmap: the input tensor's geometry plus the map's own grid size, and
 * `covered`, the tensor pixels the grid spans from the top-left when that is not the whole tensor's
 * worth (a patch grid: grid x patch size; recorded whenever given).
 */
export function heatmapGeometry(
  input: InputGeometry,
  gridHeight: number,
  gridWidth: number,
  covered?: { height: number; width: number },
): HeatmapGeometry {
  return HeatmapGeometry.parse({
    tensorHeight: input.height,
    tensorWidth: input.width,
    contentHeight: input.contentHeight,
    contentWidth: input.contentWidth,
    cropTop: input.cropTop,
    cropLeft: input.cropLeft,
    gridHeight,
    gridWidth,
    ...(covered === undefined ? {} : { coveredHeight: covered.height, coveredWidth: covered.width }),
  });
}

/** The tensor pixels a stored map's grid spans, or undefined when it spans the whole tensor. */
export function coveredOf(g: HeatmapGeometry): { height: number; width: number } | undefined {
  const height = coveredRows(g);
  const width = coveredColumns(g);
  return height === g.tensorHeight && width === g.tensorWidth ? undefined : { height, width };
}

/** Back to preprocess's terms (tensor = height/width), for mapToImage. */
export function inputGeometryOf(g: HeatmapGeometry): InputGeometry {
  return {
    height: g.tensorHeight,
    width: g.tensorWidth,
    contentHeight: g.contentHeight,
    contentWidth: g.contentWidth,
    cropTop: g.cropTop,
    cropLeft: g.cropLeft,
  };
}

/**
 * A [C, h, w] heatmap at the image size: with geometry, mapToImage (bilinear, torch
 * align_corners=False, grid -> tensor size; the content window cut out of it, or put back into the
 * resized image for a centre crop, `opts.outside` where the tensor did not reach; bilinear content ->
 * image size; `opts.viaTensor`: both resizes even when nothing is padded or cropped); without geometry (imported maps) one bilinear resize of the whole map to the image.
 * A grid that covers only part of the tensor (`coveredHeight/Width`: a patch grid of a side that is
 * not a multiple of the patch) is resized onto that part; the rest of the tensor is NaN, no data,
 * and so are the image pixels it reaches (mapToImage). A map already at the image size without
 * geometry is returned as it is.
 */
export function heatmapAtImageSize(
  values: Float32Array,
  channels: number,
  h: number,
  w: number,
  g: HeatmapGeometry | null,
  imageH: number,
  imageW: number,
  opts: { outside?: number; viaTensor?: boolean } = {},
): Float32Array {
  if (g === null)
    return mapToImage(
      values,
      channels,
      h,
      w,
      { height: h, width: w, contentHeight: h, contentWidth: w, cropTop: 0, cropLeft: 0 },
      imageH,
      imageW,
    );
  if (g.gridHeight !== h || g.gridWidth !== w) throw new Error(`heatmap is ${h}x${w} but its geometry says ${g.gridHeight}x${g.gridWidth}`);
  return mapToImage(values, channels, h, w, inputGeometryOf(g), imageH, imageW, opts.outside ?? 0, coveredOf(g), opts.viaTensor ?? false);
}

/** The heatmap a seg-token run stores: READ's `<SEG>` similarity grid over CLIP's centre crop. */
export const SEG_SIMILARITY = 'seg_similarity';

/**
 * How a stored heatmap goes onto its image for export: a `<SEG>` similarity map as READ's
 * get_similarity_map does it (grid -> 336 -> padded -> image, always both resizes; its padding is the
 * map's minimum, as READ pads its min-maxed map with 0), so min-maxing the export gives READ's map;
 * any other map with NaN where the model saw nothing (beyond a centre crop): no value there is data.
 */
export function exportPlacement(name: string, values: Float32Array): { outside: number; viaTensor: boolean } {
  if (name !== SEG_SIMILARITY) return { outside: Number.NaN, viaTensor: false };
  let min = Infinity;
  for (const v of values) if (v < min) min = v;
  return { outside: min, viaTensor: true };
}

/**
 * READ's `<SEG>` similarity grid covers the centre crop of CLIP's preprocessing (shortest side to
 * `cropSize`, centre crop `cropSize` squared); READ's get_similarity_map undoes it by padding the
 * crop with `centreCropPadding` on each side (-1 when Python's float rounding lands one short) and
 * resizing the padded square to the image. Null when the image is too small for that.
 */
export function readCropGeometry(
  image: { height: number; width: number },
  cropSize: number,
  gridHeight: number,
  gridWidth: number,
): HeatmapGeometry | null {
  const pad = centreCropPadding(image, cropSize);
  const parsed = HeatmapGeometry.safeParse({
    tensorHeight: cropSize,
    tensorWidth: cropSize,
    contentHeight: cropSize + 2 * pad.top,
    contentWidth: cropSize + 2 * pad.left,
    cropTop: pad.top,
    cropLeft: pad.left,
    gridHeight,
    gridWidth,
  });
  return parsed.success ? parsed.data : null;
}

/** `{ geometry }` for a heatmap's meta, or nothing when there is none. */
export function geometryMeta(g: HeatmapGeometry | null): { geometry?: HeatmapGeometry } {
  return g === null ? {} : { geometry: g };
}
