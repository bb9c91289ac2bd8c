/** Shared formatting of scores and text for the report renderers. */
import type { RunScores } from '../../../shared/api/methods/metrics';
import { PRECISION_THRESHOLDS } from '../metrics/referring';
import type { ReportModel } from './model';

/** A score as a percentage, the way segmentation papers print it; '—' for undefined. */
export function pct(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined ? '—' : (value * 100).toFixed(digits);
}

/**
 * User text (names, file names, queries) as every report shows it, HTML and LaTeX alike. Bidi
 * controls (LRM/RLM, embeddings, overrides, isolates: Unicode's Bidi_Control) are dropped: an
 * unclosed override would reverse the text after a name in a browser (a run name could pass for
 * another), and pdflatex cannot set them at all ("Unicode character not set up"). Control characters
 * and line or paragraph separators become spaces: invisible or a line break anyway, and in TeX a
 * newline would end a comment and start a live line.
 */
export function shownText(text: string): string {
  return text.replace(/\p{Bidi_Control}/gu, '').replace(/[\p{Cc}\u2028\u2029]/gu, ' ');
}

export function escapeHtml(text: string): string {
  return shownText(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
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
      // Every threshold eval --json and the JSON report carry (§5.3), so no format drops one.
      ...PRECISION_THRESHOLDS.map((t) => ({
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

/**
 * The rows holding the best (highest) value of a column as the table prints it, in % with `digits`
 * decimals: every run that ties for best is marked, runs whose values differ only past the printed
 * digits too (a reader sees the same number). Empty when nothing is defined.
 */
export function bestRows(values: ReadonlyArray<number | null>, digits: number): Set<number> {
  const shown = values.map((v) => (v === null ? null : Number(pct(v, digits))));
  let best: number | null = null;
  for (const v of shown) if (v !== null && (best === null || v > best)) best = v;
  const rows = new Set<number>();
  shown.forEach((v, i) => {
    if (v !== null && v === best) rows.add(i);
  });
  return rows;
}
