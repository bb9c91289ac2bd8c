import { z } from 'zod';
import { COLORMAPS, type ColormapName } from '../../canvas/raster/colormaps';
import { DEFAULT_LAYERS, type LayerId, type LayerStates } from './useViewerLayers';

/**
 * What the viewer remembers of a dataset across reloads (localStorage, one key per dataset): the run
 * picked, the layers, hidden classes, colormap and CAM threshold. A reload used to put them back to
 * the defaults, and the run shown to the newest one. Read back through a schema: a value another
 * version wrote, or a hand edit, is dropped, never applied half.
 */
export interface ViewerMemory {
  runChoice: number | 'none' | null;
  layers: LayerStates;
  hidden: number[];
  colormap: ColormapName;
  threshold: number;
}

const Layer = z.object({ visible: z.boolean(), opacity: z.number().min(0).max(1) });
const Memory = z.object({
  runChoice: z.union([z.number().int().positive(), z.literal('none'), z.null()]),
  layers: z.record(z.string(), Layer),
  hidden: z.array(z.number().int().min(0).max(255)).max(256),
  colormap: z.enum(COLORMAPS as [ColormapName, ...ColormapName[]]),
  threshold: z.number().min(0).max(1),
});

const keyOf = (datasetId: number): string => `tessera.viewer.${datasetId}`;

export function readViewerMemory(datasetId: number): ViewerMemory | null {
  let text: string | null;
  try {
    text = window.localStorage.getItem(keyOf(datasetId));
  } catch {
    return null; // storage disabled: nothing remembered
  }
  if (text === null) return null;
  let parsed: z.infer<typeof Memory>;
  try {
    parsed = Memory.parse(JSON.parse(text));
  } catch {
    return null;
  }
  // Layers this version knows, each from memory when there, else its default.
  const layers = Object.fromEntries(
    (Object.keys(DEFAULT_LAYERS) as LayerId[]).map((id) => [id, parsed.layers[id] ?? DEFAULT_LAYERS[id]]),
  ) as LayerStates;
  return { ...parsed, layers };
}

export function writeViewerMemory(datasetId: number, memory: ViewerMemory): void {
  try {
    window.localStorage.setItem(keyOf(datasetId), JSON.stringify(memory));
  } catch {
    // storage disabled or full: the picks still carry over within this page
  }
}
