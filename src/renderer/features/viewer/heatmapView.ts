import { camToPseudoLabel, camToPseudoLabelThreeBand } from '../../../shared/pure/pseudoLabel';
import { queryPatchSimilarity } from '../../../shared/pure/patchSimilarity';
import { channel, valueRange } from '../../canvas/raster/heatmapData';
import type { TokenSets } from '../../canvas/raster/tokenSets';
import { heatmapPlacement, type HeatmapGeometry, type HeatmapPlacement } from '../../../shared/domain/heatmapGeometry';
import type { NamedHeatmapMeta, SasPoint } from '../../../shared/domain/heatmapMeta';

/** What the viewer needs to know about a stored heatmap (a heatmaps.list row, its meta parsed by name, minus the blob). */
export type HeatmapMeta = NamedHeatmapMeta & {
  shape: readonly number[];
  query: string | null;
  /** Where a model's map sits on the image; null or absent: the map covers the whole image. */
  geometry?: HeatmapGeometry | null;
};

export interface HeatmapSettings {
  /** Channel of a [C,h,w] map (CAM class). */
  channel: number;
  /** Clicked patch (0-based, prefix tokens excluded) for `patch_tokens`. */
  patch: number | null;
  /** CAM background threshold. */
  threshold: number;
}

export type { SasPoint };

/** One heatmap turned into what is drawn: a plane of values, its colour range, and its token overlays. */
export interface HeatmapView {
  kind: 'cam' | 'patch' | 'seg' | 'importance' | 'plain';
  /** The [h, w] values shown, or null (a patch map before any click). */
  plane: Float32Array | null;
  h: number;
  w: number;
  min: number;
  max: number;
  channels: number;
  /** Class index of each channel (CAM: meta.classIds, or an imported dict's classIndices; default channel + 1). */
  classIds: number[];
  /** Token grid over the image (patch maps, importance) or null. */
  grid: { rows: number; cols: number } | null;
  points: SasPoint[];
  query: string | null;
  sets: TokenSets | null;
  /** CAM pseudo label at [h, w] for the current threshold. */
  pseudoLabel: Uint8Array | null;
  /** The map's geometry when it is on this [h, w] grid, else null (whole image). */
  geometry: HeatmapGeometry | null;
}

/** Where the view's [h, w] grid (heatmap, pseudo label, token sets, grid lines) lands on the image. */
export function viewPlacement(view: HeatmapView, image: { width: number; height: number }): HeatmapPlacement {
  return heatmapPlacement(view.geometry, { h: view.h, w: view.w }, image);
}

function geometryOn(info: HeatmapMeta, h: number, w: number): HeatmapGeometry | null {
  const g = info.geometry ?? null;
  return g !== null && g.gridHeight === h && g.gridWidth === w ? g : null;
}

/** [C,h,w] or [h,w] -> channels, h, w. */
function planeShape(shape: readonly number[]): { channels: number; h: number; w: number } {
  if (shape.length >= 3)
    return { channels: shape[shape.length - 3] ?? 1, h: shape[shape.length - 2] ?? 1, w: shape[shape.length - 1] ?? 1 };
  return { channels: 1, h: shape[0] ?? 1, w: shape[1] ?? 1 };
}

/** CAMs are min-max normalized to [0, 1] (ToCo); show them on that scale so the threshold reads the same as the colours. */
function unitOrDataRange(values: Float32Array): { min: number; max: number } {
  const r = valueRange(values);
  return r.min >= 0 && r.max <= 1 ? { min: 0, max: 1 } : r;
}

/**
 * Interprets a heatmap by its name (meta typed by NamedHeatmapMeta, src/shared/domain/heatmapMeta.ts):
 * `cam` [C,h,w] per-class maps + pseudo label at the threshold; `patch_tokens` [N,D] -> cosine map of
 * the clicked patch over the {gridH, gridW} grid (N beyond gridH*gridW are prefix tokens, e.g. CLS,
 * at the front); `seg_similarity` [h,w] + SasP points; `token_importance` [h,w] + HiPrune sets;
 * anything else is shown as a plain map.
 */
export function heatmapView(info: HeatmapMeta, values: Float32Array, s: HeatmapSettings): HeatmapView {
  const base = {
    points: [] as SasPoint[],
    query: info.query,
    sets: null,
    pseudoLabel: null,
    grid: null,
    classIds: [] as number[],
    geometry: null as HeatmapGeometry | null,
  };
  if (info.name === 'patch_tokens' && info.shape.length === 2) {
    const [n = 0, d = 0] = info.shape;
    const rows = info.meta.gridH ?? Math.round(Math.sqrt(n));
    const cols = info.meta.gridW ?? rows;
    const prefix = Math.max(0, n - rows * cols);
    let plane: Float32Array | null = null;
    if (s.patch !== null && s.patch < rows * cols)
      plane = queryPatchSimilarity(values, n, d, prefix + s.patch, 'cosine').slice(prefix, prefix + rows * cols);
    const geometry = geometryOn(info, rows, cols);
    return { ...base, kind: 'patch', plane, h: rows, w: cols, min: -1, max: 1, channels: 1, grid: { rows, cols }, geometry };
  }
  const { channels, h, w } = planeShape(info.shape);
  base.geometry = geometryOn(info, h, w);
  const c = Math.min(Math.max(0, s.channel), channels - 1);
  const plane = channels > 1 ? channel(values, h, w, c) : values.subarray(0, h * w);
  if (info.name === 'cam') {
    // Model runs name each channel's class (classIds); an imported ToCo/IRN dict holds only the
    // classes its `keys` list (classIndices = keys + 1), so channel k is not class k + 1 there.
    const given = info.meta.classIds ?? info.meta.classIndices;
    const classIds = given !== undefined && given.length === channels ? given : Array.from({ length: channels }, (_, k) => k + 1);
    // The run's own rule at the chosen threshold: its class presence (ground-truth labels or
    // cls_logits > 0; an absent class never wins) and, for a three-band run, ToCo's ignore_mid bands.
    const present = info.meta.present !== undefined && info.meta.present.length === channels ? info.meta.present : undefined;
    const cams = values.subarray(0, channels * h * w);
    const band = info.meta.threeBand;
    const pseudoLabel =
      band === undefined
        ? camToPseudoLabel(cams, channels, h, w, { threshold: s.threshold, classIds, present })
        : camToPseudoLabelThreeBand(cams, channels, h, w, {
            present: present ?? new Array<boolean>(channels).fill(true),
            background: s.threshold,
            high: band.high,
            low: band.low,
            classIds,
            ignoreIndex: band.ignoreIndex,
          });
    return { ...base, kind: 'cam', plane, h, w, ...unitOrDataRange(values), channels, classIds, pseudoLabel };
  }
  const range = valueRange(plane);
  if (info.name === 'seg_similarity') {
    return { ...base, kind: 'seg', plane, h, w, ...range, channels, points: info.meta.points, query: info.meta.query ?? info.query };
  }
  if (info.name === 'token_importance') {
    const { anchors, buffers, registers } = info.meta;
    return {
      ...base,
      kind: 'importance',
      plane,
      h,
      w,
      ...range,
      channels,
      sets: { anchors, buffers, registers },
      grid: { rows: h, cols: w },
    };
  }
  return { ...base, kind: 'plain', plane, h, w, ...range, channels };
}
