import { useMemo } from 'react';
import type { ClassInfo } from '../../../shared';
import type { BitmapLayer, BitmapPlacement, LayerState } from '../../canvas/Viewer';
import { labelMapCanvas, rgbaCanvas } from '../../canvas/offscreenCanvas';
import { colormapLut, type ColormapName } from '../../canvas/raster/colormaps';
import { heatmapToRgba } from '../../canvas/raster/heatmapToRgba';
import { hatchedDiffToRgba, outlineLabels } from '../../canvas/raster/overlayStyle';
import { tokenSetsToRgba } from '../../canvas/raster/tokenSets';
import { viewPlacement, type HeatmapView } from './heatmapView';

export type LayerId = 'image' | 'gt' | 'pred' | 'diff' | 'heatmap' | 'pseudo' | 'tokens';
export type LayerStates = Record<LayerId, LayerState>;

export const DEFAULT_LAYERS: LayerStates = {
  image: { visible: true, opacity: 1 },
  gt: { visible: true, opacity: 0.6 },
  pred: { visible: true, opacity: 0.6 },
  diff: { visible: false, opacity: 0.8 },
  heatmap: { visible: true, opacity: 0.6 },
  pseudo: { visible: false, opacity: 0.6 },
  tokens: { visible: true, opacity: 0.8 },
};

/** Class colours with the hidden classes left out (their pixels stay transparent). */
export function visibleClasses(classes: readonly ClassInfo[], hidden: ReadonlySet<number>): ClassInfo[] {
  return classes.filter((c) => !hidden.has(c.index));
}

/** Colours for labels that are not among the dataset's classes (a run predicting an unknown index). */
function withFallback(classes: readonly ClassInfo[], labels: Uint8Array | null): ClassInfo[] {
  return classes.length > 0 || labels === null ? [...classes] : [{ index: 1, name: 'foreground', color: [255, 255, 255] }];
}

export interface LayerInputs {
  width: number;
  height: number;
  classes: readonly ClassInfo[];
  hidden: ReadonlySet<number>;
  gt: Uint8Array | null;
  pred: Uint8Array | null;
  view: HeatmapView | null;
  colormap: ColormapName;
  states: LayerStates;
  /** Ground truth drawn as an outline (over a filled prediction) or filled; default fill. */
  gtStyle?: 'outline' | 'fill';
}

/**
 * Where the view's grid-sized bitmaps go: a model's map with geometry is stretched over its frame
 * and shown only over the image content (padding cut off, a centre crop put in place); undefined
 * when the map covers the whole image.
 */
export function gridPlacement(view: HeatmapView | null, width: number, height: number): BitmapPlacement | undefined {
  if (view === null || view.geometry === null) return undefined;
  const p = viewPlacement(view, { width, height });
  return { frame: p.frame, visible: p.dst };
}

function sizeMatches(labels: Uint8Array | null, w: number, h: number): labels is Uint8Array {
  return labels !== null && labels.length === w * h;
}

/**
 * The viewer's bitmap layers, bottom to top: ground truth, prediction, errors (prediction vs ground
 * truth), heatmap, CAM pseudo label, HiPrune token sets. Each bitmap is built once per input change
 * (never per frame or per opacity change).
 */
export function useViewerLayers(i: LayerInputs): BitmapLayer[] {
  const shown = useMemo(() => visibleClasses(i.classes, i.hidden), [i.classes, i.hidden]);
  const gtCanvas = useMemo(
    () =>
      sizeMatches(i.gt, i.width, i.height)
        ? labelMapCanvas(i.gtStyle === 'outline' ? outlineLabels(i.gt, i.width, i.height) : i.gt, i.width, i.height, shown)
        : null,
    [i.gt, i.width, i.height, shown, i.gtStyle],
  );
  const predCanvas = useMemo(
    () => (sizeMatches(i.pred, i.width, i.height) ? labelMapCanvas(i.pred, i.width, i.height, withFallback(shown, i.pred)) : null),
    [i.pred, i.width, i.height, shown],
  );
  const diffCanvas = useMemo(
    () =>
      sizeMatches(i.gt, i.width, i.height) && sizeMatches(i.pred, i.width, i.height)
        ? rgbaCanvas(hatchedDiffToRgba(i.gt, i.pred, i.width, i.height), i.width, i.height)
        : null,
    [i.gt, i.pred, i.width, i.height],
  );
  const view = i.view;
  const heatCanvas = useMemo(() => {
    if (view === null || view.plane === null) return null;
    return rgbaCanvas(heatmapToRgba(view.plane, colormapLut(i.colormap), { min: view.min, max: view.max }), view.w, view.h);
  }, [view, i.colormap]);
  const pseudoCanvas = useMemo(
    () => (view?.pseudoLabel == null ? null : labelMapCanvas(view.pseudoLabel, view.w, view.h, shown)),
    [view, shown],
  );
  const setsCanvas = useMemo(
    () => (view?.sets == null ? null : rgbaCanvas(tokenSetsToRgba(view.h, view.w, view.sets), view.w, view.h)),
    [view],
  );

  const place = useMemo(() => gridPlacement(view, i.width, i.height), [view, i.width, i.height]);

  const s = i.states;
  return useMemo(() => {
    const out: BitmapLayer[] = [];
    const add = (id: LayerId, bitmap: HTMLCanvasElement | null, smooth: boolean, at?: BitmapPlacement): void => {
      if (bitmap !== null && s[id].visible)
        out.push({ id, bitmap, opacity: s[id].opacity, smooth, ...(at === undefined ? {} : { place: at }) });
    };
    add('gt', gtCanvas, false);
    add('pred', predCanvas, false);
    add('diff', diffCanvas, false);
    // Grid-sized layers (heatmap, its pseudo label, token sets) share the heatmap's placement.
    add('heatmap', heatCanvas, true, place);
    add('pseudo', pseudoCanvas, false, place);
    add('tokens', setsCanvas, false, place);
    return out;
  }, [s, gtCanvas, predCanvas, diffCanvas, heatCanvas, pseudoCanvas, setsCanvas, place]);
}
