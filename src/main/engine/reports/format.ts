/** Shared formatting of scores and text for the report renderers. */
import type { RunScores } from '../../../shared/api/methods/metrics';
import type { ReportModel } from './model';

/** A score as a percentage, the way segmentation papers print it; '—' for undefined. */
export function pct(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined ? '—' : (value * 100).toFixed(digits);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface MetricColumn {
  key: string;
  label: string;
  definition: string;
  value: (s: RunScores) => number | null;
}

/** The dataset-level columns of the runs × metrics table, by task. */
export function metricColumns(model: ReportModel): MetricColumn[] {
  if (model.dataset.task === 'referring') {
    return [
      { key: 'giou', label: 'gIoU', definition: 'lisa-giou', value: (s) => s.referring?.giou ?? null },
      { key: 'ciou', label: 'cIoU', definition: 'lisa-ciou', value: (s) => s.referring?.ciou ?? null },
      ...['0.5', '0.7', '0.9'].map((t) => ({
        key: `precision@${t}`,
        label: `P@${t}`,
        definition: 'lisa-precision',
        value: (s: RunScores) => s.referring?.precision[t] ?? null,
      })),
    ];
  }
  return [
    { key: 'miou', label: 'mIoU', definition: 'mmseg-miou', value: (s) => s.semantic?.miou ?? null },
    { key: 'miou_gt_classes', label: 'mIoU (GT classes)', definition: 'toco-miou', value: (s) => s.semantic?.miou_gt_classes ?? null },
    { key: 'pixel_acc', label: 'pAcc', definition: 'pixel-acc', value: (s) => s.semantic?.pixel_acc ?? null },
    { key: 'mean_acc', label: 'mAcc', definition: 'mean-acc', value: (s) => s.semantic?.mean_acc ?? null },
    { key: 'fwiou', label: 'fwIoU', definition: 'fwiou', value: (s) => s.semantic?.fwiou ?? null },
  ];
}

/** Index of the best (highest) value per column, or -1 when nothing is defined. */
export function bestRow(values: Array<number | null>): number {
  let best = -1;
  values.forEach((v, i) => {
    if (v !== null && (best === -1 || v > values[best]!)) best = i;
  });
  return best;
}
