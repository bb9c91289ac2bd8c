import { useCallback, useEffect, useState } from 'react';
import type { ColormapName } from '../../canvas/raster/colormaps';
import type { HeatmapSettings } from './heatmapView';
import { DEFAULT_LAYERS, type LayerStates } from './useViewerLayers';
import { readViewerMemory, writeViewerMemory } from './viewerMemory';

const NO_CLASSES = new Set<number>();

/**
 * What the viewer keeps from one image to the next (previous/next remounts the page): the run picked,
 * layers, hidden classes, colormap, CAM threshold and which panel sections are open.
 */
const kept: {
  datasetId: number | null;
  runChoice: number | 'none' | null;
  layers: LayerStates;
  hidden: Set<number>;
  colormap: ColormapName;
  threshold: number;
  open: Record<string, boolean>;
  /** A dataset entered with nothing remembered (viewerMemory.ts), and its picks as carried over, until changed there. */
  carried: number | null;
  carriedPicks: string | null;
} = {
  datasetId: null,
  runChoice: null,
  layers: DEFAULT_LAYERS,
  hidden: NO_CLASSES,
  colormap: 'jet',
  threshold: 0.5,
  open: {},
  carried: null,
  carriedPicks: null,
};

export type ZoomKind = 'fit' | 'actual' | 'in' | 'out';

/** Whether a folding panel section is open, kept across images. */
export function useSectionOpen(id: string, defaultOpen: boolean): [boolean, (open: boolean) => void] {
  const [open, setOpen] = useState(kept.open[id] ?? defaultOpen);
  const set = (now: boolean): void => {
    kept.open[id] = now;
    setOpen(now);
  };
  return [open, set];
}

/**
 * The viewer page's own state in one place: the picks that carry over to the next image (run,
 * layers, hidden classes, colormap, CAM threshold; classes and run only within one dataset) and the
 * per-page ones (heatmap chosen, zoom command, hover point, shortcut help).
 */
export function useViewerState(datasetId: number | undefined) {
  const sameDataset = datasetId === undefined || kept.datasetId === null || kept.datasetId === datasetId;
  const [runChoice, setRunChoice] = useState<number | 'none' | null>(() => kept.runChoice);
  const [heatmapKey, setHeatmapKey] = useState<string | null>(null);
  const [settings, setSettings] = useState<HeatmapSettings>({ channel: 0, patch: null, threshold: kept.threshold });
  const [colormap, setColormap] = useState<ColormapName>(kept.colormap);
  const [layers, setLayers] = useState<LayerStates>(kept.layers);
  const [hidden, setHidden] = useState<Set<number>>(() => (sameDataset ? kept.hidden : NO_CLASSES));
  const [command, setCommand] = useState<{ kind: ZoomKind; seq: number }>({ kind: 'fit', seq: 0 });
  const [hover, setHover] = useState<{ x: number; y: number } | null>(null);
  const [help, setHelp] = useState(false);
  // The first image of a dataset this page shows (a reload, a link, another dataset): the picks
  // remembered for the dataset (viewerMemory.ts), applied once.
  const [restored, setRestored] = useState<number | null>(() => (kept.datasetId !== null ? kept.datasetId : null));
  useEffect(() => {
    if (datasetId === undefined || restored === datasetId) return;
    setRestored(datasetId);
    if (kept.datasetId === datasetId) return;
    const memory = readViewerMemory(datasetId);
    // Nothing remembered here: what carried over from another dataset is shown, but kept for this one
    // only once it is changed here (a reload would show the defaults, not the other dataset's picks).
    if (memory === null) {
      kept.carried = datasetId;
      kept.carriedPicks = null;
      return;
    }
    setRunChoice(memory.runChoice);
    setLayers(memory.layers);
    setHidden(new Set(memory.hidden));
    setColormap(memory.colormap);
    setSettings((s) => ({ ...s, threshold: memory.threshold }));
  }, [datasetId, restored]);
  useEffect(() => {
    if (datasetId === undefined || restored !== datasetId) return;
    const picks = { runChoice, layers, hidden: [...hidden], colormap, threshold: settings.threshold };
    const text = JSON.stringify(picks);
    // Carried over from another dataset and not changed here yet (on this image or an earlier one of it): not kept.
    if (kept.carried === datasetId && (kept.carriedPicks === null || kept.carriedPicks === text)) {
      kept.carriedPicks = text;
      Object.assign(kept, { datasetId, runChoice, layers, hidden, colormap, threshold: settings.threshold });
      return;
    }
    kept.carried = null;
    kept.carriedPicks = null;
    Object.assign(kept, { datasetId, runChoice, layers, hidden, colormap, threshold: settings.threshold });
    writeViewerMemory(datasetId, picks);
  }, [datasetId, restored, runChoice, layers, hidden, colormap, settings.threshold]);
  /** Asks the canvas for a zoom step (a new sequence number, so the same step twice still counts). */
  const zoom = useCallback((kind: ZoomKind): void => setCommand((c) => ({ kind, seq: c.seq + 1 })), []);
  return {
    sameDataset,
    runChoice,
    setRunChoice,
    heatmapKey,
    setHeatmapKey,
    settings,
    setSettings,
    colormap,
    setColormap,
    layers,
    setLayers,
    hidden,
    setHidden,
    command,
    zoom,
    hover,
    setHover,
    help,
    setHelp,
  };
}
