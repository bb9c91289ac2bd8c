/**
 * Dataset scores from summed metric rows: SQL does the SUM, the pure cores (semantic.ts,
 * referring.ts) apply the formulas, so the store path and the in-memory path cannot disagree.
 */
import type { EvalResult, ReferringBlock, SemanticBlock } from '../../../shared/api/methods/metrics';
import type { ClassInfo } from '../../../shared/domain';
import type { ClassCounts } from './confusion';
import type { MetricDefinitionName } from './definitions';
import type { EvaluationTask } from './evaluationSet';
import { pairIou, referringScores } from './referring';
import type { CountRow } from './sampleCounts';
import { semanticScores } from './semantic';

export const SEMANTIC_DEFINITIONS: MetricDefinitionName[] = ['mmseg-miou', 'toco-miou', 'pixel-acc', 'mean-acc', 'fwiou'];
export const REFERRING_DEFINITIONS: MetricDefinitionName[] = ['lisa-giou', 'lisa-ciou', 'lisa-precision'];

export function definitionsFor(task: EvaluationTask): MetricDefinitionName[] {
  return task === 'semantic' ? SEMANTIC_DEFINITIONS : REFERRING_DEFINITIONS;
}

/** Rows (any subset of classes) -> dense per-class arrays of length numClasses. */
export function classCountsOf(rows: readonly CountRow[], numClasses: number): ClassCounts {
  const counts: ClassCounts = {
    tp: new Float64Array(numClasses),
    fp: new Float64Array(numClasses),
    fn: new Float64Array(numClasses),
    gtPixels: new Float64Array(numClasses),
  };
  for (const r of rows) {
    if (r.classIdx < 0 || r.classIdx >= numClasses) continue; // rows of a class since removed from the dataset
    counts.tp[r.classIdx] = r.tp;
    counts.fp[r.classIdx] = r.fp;
    counts.fn[r.classIdx] = r.fn;
    counts.gtPixels[r.classIdx] = r.gtPixels;
  }
  return counts;
}

export function semanticBlock(sums: readonly CountRow[], classes: readonly ClassInfo[], numClasses: number): SemanticBlock {
  const c = classCountsOf(sums, numClasses);
  const scores = semanticScores(c.tp, c.fp, c.fn, c.gtPixels);
  const names = new Map(classes.map((k) => [k.index, k.name]));
  return {
    miou: scores.miou,
    miou_gt_classes: scores.miou_gt_classes,
    pixel_acc: scores.pixel_acc,
    mean_acc: scores.mean_acc,
    fwiou: scores.fwiou,
    per_class: scores.per_class.map((p) => ({ id: p.id, name: names.get(p.id) ?? `class_${p.id}`, iou: p.iou, acc: p.acc })),
  };
}

/** I = tp, U = tp + fp + fn of each pair's single class-1 row. */
export function referringBlock(pairs: ReadonlyArray<{ rows: readonly CountRow[] }>): ReferringBlock {
  return referringScores(pairs.map((p) => pairOf(p.rows)));
}

export function pairOf(rows: readonly CountRow[]): { intersection: number; union: number } {
  const row = rows.find((r) => r.classIdx === 1);
  return row === undefined ? { intersection: 0, union: 0 } : { intersection: row.tp, union: row.tp + row.fp + row.fn };
}

/**
 * One sample's score for sorting and pairing: the pair IoU (referring), the IoU of `classIdx`, or the
 * image mIoU: mean IoU over the classes with a non-empty union in this image (mmseg's convention
 * applied to one image); null when the image has no scorable pixels.
 */
export function sampleScore(task: EvaluationTask, rows: readonly CountRow[], classIdx?: number): number | null {
  if (task === 'referring') return pairIou(pairOf(rows));
  let sum = 0;
  let n = 0;
  for (const r of rows) {
    const union = r.tp + r.fp + r.fn;
    if (classIdx !== undefined) {
      if (r.classIdx === classIdx) return union > 0 ? r.tp / union : null;
      continue;
    }
    if (union > 0) {
      sum += r.tp / union;
      n++;
    }
  }
  return n > 0 ? sum / n : null;
}

export function evalResult(
  names: { dataset: string; run: string },
  task: EvaluationTask,
  images: number,
  block: SemanticBlock | ReferringBlock,
): EvalResult {
  return {
    dataset: names.dataset,
    run: names.run,
    images,
    semantic: task === 'semantic' ? (block as SemanticBlock) : null,
    referring: task === 'referring' ? (block as ReferringBlock) : null,
    definitions: definitionsFor(task),
  };
}
