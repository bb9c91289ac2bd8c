import { percentText } from '../../../shared/domain/percent';
import type { RunScores } from '../../../shared/api/methods/metrics';

/** A score as papers print it (percent, two decimals); '—' when undefined. */
export function pct(value: number | null | undefined): string {
  return percentText(value, 2);
}

export interface ScoreColumn {
  key: string;
  label: string;
  /** Metric definition name, shown as the column's tooltip (docs/design.md §5.8). */
  definition: string;
  value: (s: RunScores) => number | null;
}

export const SEMANTIC_COLUMNS: ScoreColumn[] = [
  { key: 'miou', label: 'mIoU', definition: 'mmseg-miou', value: (s) => s.semantic?.miou ?? null },
  { key: 'miou_gt_classes', label: 'mIoU (GT classes)', definition: 'toco-miou', value: (s) => s.semantic?.miou_gt_classes ?? null },
  { key: 'pixel_acc', label: 'pAcc', definition: 'pixel-acc', value: (s) => s.semantic?.pixel_acc ?? null },
  { key: 'mean_acc', label: 'mAcc', definition: 'mean-acc', value: (s) => s.semantic?.mean_acc ?? null },
  { key: 'fwiou', label: 'fwIoU', definition: 'fwiou', value: (s) => s.semantic?.fwiou ?? null },
];

export const REFERRING_COLUMNS: ScoreColumn[] = [
  { key: 'giou', label: 'gIoU', definition: 'lisa-giou', value: (s) => s.referring?.giou ?? null },
  { key: 'ciou', label: 'cIoU', definition: 'lisa-ciou', value: (s) => s.referring?.ciou ?? null },
  ...['0.5', '0.6', '0.7', '0.8', '0.9'].map((t) => ({
    key: `p${t}`,
    label: `P@${t}`,
    definition: 'lisa-precision',
    value: (s: RunScores) => s.referring?.precision[t] ?? null,
  })),
];

export function columnsFor(task: string): ScoreColumn[] {
  return task === 'referring' ? REFERRING_COLUMNS : SEMANTIC_COLUMNS;
}

export const RUN_COLORS = ['#4f9dff', '#ff9f43', '#3ec46d', '#ff6b6b', '#a78bfa', '#c9a227', '#f472b6', '#9ca3af'];

/**
 * Classes without ground-truth pixels that some run predicts anyway, with those runs: their IoU is 0,
 * which mmseg's mIoU counts (a union of false positives) and mIoU over GT classes does not. The
 * per-class bars show GT classes only, so the page says which these are.
 */
export function predictedWithoutGroundTruth(
  absent: ReadonlyArray<{ id: number; name: string }>,
  scores: readonly RunScores[],
): Array<{ name: string; runs: string[] }> {
  return absent.flatMap((c) => {
    const runs = scores.filter((s) => (s.semantic?.per_class[c.id]?.iou ?? null) !== null).map((s) => s.run);
    return runs.length > 0 ? [{ name: c.name, runs }] : [];
  });
}
