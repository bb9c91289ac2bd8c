import type { ClassInfo } from '../../../shared';
import { heatmapCellAt } from '../../../shared/domain/heatmapGeometry';
import { tokenSetOf } from '../../canvas/raster/tokenSets';
import { viewPlacement, type HeatmapView } from './heatmapView';

export function classLabel(classes: readonly ClassInfo[], label: number): string {
  if (label === 255) return 'ignore (255)';
  return classes.find((c) => c.index === label)?.name ?? `class ${label}`;
}

function heat(v: number): string {
  return Math.abs(v) >= 1000 || (Math.abs(v) < 0.001 && v !== 0) ? v.toExponential(3) : v.toFixed(3);
}

/**
 * The pixel inspector's line for an image pixel: position, ground-truth and predicted class, heat
 * value, token index (row, col) and what the token tools say about that token.
 */
export function inspectorText(
  p: { x: number; y: number } | null,
  d: {
    width: number;
    height: number;
    classes: readonly ClassInfo[];
    gt: Uint8Array | null;
    pred: Uint8Array | null;
    view: HeatmapView | null;
  },
): string {
  // Not hovering: say what the line is for (a bare dash under the canvas read as a stray mark).
  if (p === null) return `Pixel inspector: hover the image for position${d.view === null ? ' and classes' : ', classes, heat and token'}`;
  const parts = [`x ${p.x}, y ${p.y}`];
  const i = p.y * d.width + p.x;
  if (d.gt !== null && d.gt.length === d.width * d.height) parts.push(`gt ${classLabel(d.classes, d.gt[i] ?? 0)}`);
  if (d.pred !== null && d.pred.length === d.width * d.height) parts.push(`pred ${classLabel(d.classes, d.pred[i] ?? 0)}`);
  const v = d.view;
  // Outside the part of the image the map covers (beyond a centre crop) there is no heat and no token.
  const cell = v === null ? null : heatmapCellAt(p.x, p.y, viewPlacement(v, d), { h: v.h, w: v.w });
  if (v !== null && cell !== null) {
    if (v.plane !== null) parts.push(`heat ${heat(v.plane[cell.index] ?? NaN)}`);
    parts.push(`token ${cell.index} (r${cell.row} c${cell.col})`);
    if (v.pseudoLabel !== null) parts.push(`pseudo ${classLabel(d.classes, v.pseudoLabel[cell.index] ?? 0)}`);
    const set = v.sets === null ? null : tokenSetOf(cell.index, v.sets);
    if (set !== null) parts.push(set);
  }
  return parts.join(' · ');
}
