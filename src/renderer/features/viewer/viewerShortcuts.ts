import type { LayerId } from './useViewerLayers';
import { NAV_SHORTCUTS } from './ImageNav';

/** What a key press asks the viewer to do. */
export type ViewerAction =
  | { kind: 'nav'; step: -1 | 1 }
  | { kind: 'zoom'; to: 'fit' | 'actual' | 'in' | 'out' }
  | { kind: 'layer'; layer: LayerId }
  | { kind: 'annotate' }
  | { kind: 'gallery' }
  | { kind: 'help' };

export interface KeyPress {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

const LAYER_KEYS: Record<string, LayerId> = { i: 'image', g: 'gt', p: 'pred', d: 'diff', h: 'heatmap', c: 'pseudo', t: 'tokens' };

/** Viewer keyboard shortcuts -> actions; VIEWER_SHORTCUTS (the ? overlay) describes the same keys. */
export function viewerAction(e: KeyPress): ViewerAction | null {
  if (e.ctrlKey === true || e.metaKey === true || e.altKey === true) return null;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (key === 'ArrowLeft' || key === 'k') return { kind: 'nav', step: -1 };
  if (key === 'ArrowRight' || key === 'j') return { kind: 'nav', step: 1 };
  if (key === 'f') return { kind: 'zoom', to: 'fit' };
  if (key === '1') return { kind: 'zoom', to: 'actual' };
  if (key === '+' || key === '=') return { kind: 'zoom', to: 'in' };
  if (key === '-' || key === '_') return { kind: 'zoom', to: 'out' };
  const layer = LAYER_KEYS[key];
  if (layer !== undefined) return { kind: 'layer', layer };
  if (key === 'a') return { kind: 'annotate' };
  if (key === 'Escape') return { kind: 'gallery' };
  if (e.key === '?') return { kind: 'help' };
  return null;
}

export const VIEWER_SHORTCUTS: ReadonlyArray<{ keys: string; what: string }> = [
  ...NAV_SHORTCUTS,
  { keys: 'F', what: 'fit the image' },
  { keys: '1', what: '1:1 (one image pixel per screen pixel)' },
  { keys: '+  −', what: 'zoom in / out (1/32× to 64×); the wheel zooms to the cursor' },
  { keys: 'I, G, P', what: 'layer on/off: image, ground truth, prediction' },
  { keys: 'D, H, C, T', what: 'layer on/off: errors vs GT, heatmap, CAM pseudo label, tokens and points' },
  { keys: 'A', what: 'annotate this image' },
  { keys: 'Esc', what: 'back to the gallery (as it was left)' },
  { keys: 'Drag', what: 'pan' },
  { keys: '?', what: 'show or hide this help' },
];
