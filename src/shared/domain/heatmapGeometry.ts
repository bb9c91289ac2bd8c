import { z } from 'zod';

const Side = z.number().int().positive();

/**
 * Where a heatmap made by a model run sits on its image (stored as `meta.geometry`). The model saw a
 * `tensor` (H, W); the image, resized to `content` (H, W), sits in it at (-cropTop, -cropLeft):
 * tensor pixel (y, x) is content pixel (y + cropTop, x + cropLeft). Padding (`longest-side-pad`)
 * leaves tensor pixels outside the content (offsets 0, content smaller than the tensor); a centre
 * crop (`shortest-side-center-crop`) leaves content outside the tensor (positive offsets); READ's
 * crop undo can give -1. The heatmap itself is a `grid` (h, w) over the whole tensor, often coarser
 * (14x14 patch tokens of a 224 input, a probability map at 1/4), or over its top-left `covered`
 * (H, W) pixels when given: a stride-p patch embedding makes floor(side / p) patches, so a 250-wide
 * tensor with p = 16 has 15 columns covering pixels 0-239 and pixels 240-249 are in no patch (no
 * data there, like padding). The content maps onto the whole image. A heatmap without geometry (an
 * imported map) covers the whole image.
 */
export const HeatmapGeometry = z
  .object({
    tensorHeight: Side,
    tensorWidth: Side,
    contentHeight: Side,
    contentWidth: Side,
    cropTop: z.number().int(),
    cropLeft: z.number().int(),
    gridHeight: Side,
    gridWidth: Side,
    /** Tensor rows the grid covers from the top (absent: all of them). */
    coveredHeight: Side.optional(),
    /** Tensor columns the grid covers from the left (absent: all of them). */
    coveredWidth: Side.optional(),
  })
  .strict()
  .superRefine((g, ctx) => {
    if ((g.coveredHeight ?? 0) > g.tensorHeight || (g.coveredWidth ?? 0) > g.tensorWidth)
      ctx.addIssue({ code: 'custom', message: 'the grid covers more than the tensor' });
    const rows = Math.min(coveredRows(g), g.contentHeight - g.cropTop) - Math.max(0, -g.cropTop);
    const cols = Math.min(coveredColumns(g), g.contentWidth - g.cropLeft) - Math.max(0, -g.cropLeft);
    if (rows < 1 || cols < 1) ctx.addIssue({ code: 'custom', message: 'the tensor and the image content do not overlap' });
  });
export type HeatmapGeometry = z.infer<typeof HeatmapGeometry>;

/** Tensor rows / columns the grid covers: `covered*`, else the whole tensor. */
export function coveredRows(g: Pick<HeatmapGeometry, 'tensorHeight' | 'coveredHeight'>): number {
  return g.coveredHeight ?? g.tensorHeight;
}
export function coveredColumns(g: Pick<HeatmapGeometry, 'tensorWidth' | 'coveredWidth'>): number {
  return g.coveredWidth ?? g.tensorWidth;
}

/** `meta.geometry` of a stored heatmap: null when absent (imported maps); throws on a malformed one. */
export function geometryFromMeta(meta: Record<string, unknown>): HeatmapGeometry | null {
  const g = meta['geometry'];
  if (g === undefined || g === null) return null;
  const parsed = HeatmapGeometry.safeParse(g);
  if (!parsed.success) throw new Error(`heatmap geometry is malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** How an [h, w] heatmap is drawn on its image. */
export interface HeatmapPlacement {
  /** The valid part of the map (the image content), in grid cells (fractional). */
  src: Rect;
  /** Where `src` lands on the image, in image pixels (the whole image unless a centre crop cut it). */
  dst: Rect;
  /** Where the whole map (padding included; the tensor's uncovered band excluded) would land, in image pixels: stretch the map over this, show only `dst`. */
  frame: Rect;
}

/**
 * The drawing of an [h, w] map over a W x H image: crop the map to the content window
 * (content / tensor * grid, in grid units) and stretch it onto the image rectangle the content
 * covers. Without geometry the whole map covers the whole image. E.g. a 32x32 map of a 640x320
 * image under longest-side-pad 32 (content 16x32): src rows 0-16 of 32, dst the whole image, and
 * the frame 640x640 (the padded half falls below the image). A grid covering only part of the
 * tensor (`covered`) is stretched over that part: a 15-column patch grid of a 250-wide `fixed`
 * input lands on image columns 0-240, and columns 240-250 show nothing.
 */
export function heatmapPlacement(
  g: HeatmapGeometry | null,
  map: { h: number; w: number },
  image: { width: number; height: number },
): HeatmapPlacement {
  if (g === null) {
    const whole = { x: 0, y: 0, width: image.width, height: image.height };
    return { src: { x: 0, y: 0, width: map.w, height: map.h }, dst: whole, frame: whole };
  }
  // `covered`: the tensor pixels the grid spans (from 0); the map's cells are covered / grid wide.
  const axis = (covered: number, content: number, crop: number, grid: number, imageSide: number) => {
    const t0 = Math.max(0, -crop);
    const t1 = Math.min(covered, content - crop);
    const k = imageSide / content;
    return {
      src: [(t0 * grid) / covered, ((t1 - t0) * grid) / covered] as const,
      dst: [(t0 + crop) * k, (t1 - t0) * k] as const,
      frame: [crop * k, covered * k] as const,
    };
  };
  const y = axis(coveredRows(g), g.contentHeight, g.cropTop, map.h, image.height);
  const x = axis(coveredColumns(g), g.contentWidth, g.cropLeft, map.w, image.width);
  return {
    src: { x: x.src[0], y: y.src[0], width: x.src[1], height: y.src[1] },
    dst: { x: x.dst[0], y: y.dst[0], width: x.dst[1], height: y.dst[1] },
    frame: { x: x.frame[0], y: y.frame[0], width: x.frame[1], height: y.frame[1] },
  };
}

/**
 * The grid cell under image pixel (x, y) (its centre), or null where the map has no value (outside
 * `dst`, e.g. beyond a centre crop).
 */
export function heatmapCellAt(
  x: number,
  y: number,
  p: HeatmapPlacement,
  map: { h: number; w: number },
): { row: number; col: number; index: number } | null {
  const cx = x + 0.5;
  const cy = y + 0.5;
  if (cx < p.dst.x || cy < p.dst.y || cx >= p.dst.x + p.dst.width || cy >= p.dst.y + p.dst.height) return null;
  const col = Math.min(map.w - 1, Math.max(0, Math.floor(((cx - p.frame.x) * map.w) / p.frame.width)));
  const row = Math.min(map.h - 1, Math.max(0, Math.floor(((cy - p.frame.y) * map.h) / p.frame.height)));
  return { row, col, index: row * map.w + col };
}
