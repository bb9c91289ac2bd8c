/** Shared formatting of scores and text for the report renderers. */
import { bestAsPrinted, percentText } from '../../../shared/domain/percent';
import type { EvalResult } from '../../../shared/api/methods/metrics';
import { PRECISION_THRESHOLDS } from '../metrics/referring';
import { classesInGroundTruth } from '../../../shared/domain/classPresence';
import type { ReportModel } from './model';

/**
 * A score as a percentage, the way segmentation papers print it; '—' for undefined. The rounding is
 * JavaScript's `(value * 100).toFixed(digits)`: value × 100 in double precision, then that double's
 * exact binary value rounded to `digits` decimals, a tie (a double exactly halfway, such as 6.25)
 * away from zero. So 0.0625 prints 6.3 (Python's '%.1f' % 6.25 rounds the tie to even: 6.2), and
 * 0.00105 prints 0.10 at two decimals (0.00105 × 100 is the double 0.10499999999999999…). Every report
 * format and the CLI's eval / compare tables print this way (docs/design.md §3.6). A value that rounds
 * to zero prints as zero, never "-0.00" (shared/domain/percent.ts).
 */
export const pct = percentText;

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

/** The score blocks a column reads: a run's scores, a subset's, or a correction's before / after (all eval objects). */
export type ScoreBlocks = Pick<EvalResult, 'semantic' | 'referring'>;

export interface MetricColumn {
  key: string;
  label: string;
  definition: string;
  value: (s: ScoreBlocks) => number | null;
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
        value: (s: ScoreBlocks) => s.referring?.precision[t] ?? null,
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
export const bestRows = bestAsPrinted;

/**
 * The classes with ground-truth pixels in the report's images (for some run), in class order: the
 * rows of the per-class tables. Any other class has no per-class win in a comparison either way (its
 * IoU in an image is 0 or undefined for both runs).
 */
export function groundTruthClasses(model: ReportModel): Array<{ id: number; name: string }> {
  const present = classesInGroundTruth(model.runs.map((r) => r.scores.semantic?.per_class));
  return (model.runs[0]?.scores.semantic?.per_class ?? []).filter((c) => present.has(c.id));
}
