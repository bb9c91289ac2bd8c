/**
 * Semantic segmentation scores from summed per-class counts (docs/design.md §5.2). Undefined values are null,
 * never NaN, because they end up in `eval --json` (docs/design.md §6.2).
 */
import { assertNumClasses, countsFromConfusion } from './confusion';

export interface SemanticScores {
  miou: number | null;
  miou_gt_classes: number | null;
  pixel_acc: number | null;
  mean_acc: number | null;
  fwiou: number | null;
  per_class: Array<{ id: number; iou: number | null; acc: number | null }>;
}

/**
 * - IoU_c = TP/(TP+FP+FN); null when the union is 0 (mmseg gives NaN there).
 * - `miou`: mean IoU over classes with a non-empty union: mmseg `total_area_to_metrics` then
 *   `np.nanmean`, so a class predicted but absent from GT counts with IoU 0.
 * - `miou_gt_classes`: mean IoU over classes with GT pixels: ToCo utils/evaluate.py `scores()`
 *   (`valid = hist.sum(axis=1) > 0; nanmean(iu[valid])`), so such a class does not count.
 * - `pixel_acc` = ΣTP / ΣGT (mmseg `aAcc`, ToCo `pAcc`); `mean_acc` = mean over classes with GT pixels
 *   of TP/GT (mmseg `Acc` nanmean, ToCo `mAcc`).
 * - `fwiou` = Σ_c (GT_c / ΣGT) · IoU_c over classes with GT pixels: the frequency-weighted IoU of
 *   Long et al. (FCN, 2015) as written in deeplab-pytorch utils/metric.py `scores()`
 *   (`fwavacc = (freq[freq > 0] * iu[freq > 0]).sum()`, freq = GT share of the non-ignored pixels).
 *   Classes without GT pixels have weight 0, so restricting to them only avoids 0·NaN.
 */
export function semanticScores(tp: Float64Array, fp: Float64Array, fn: Float64Array, gtPixels: Float64Array): SemanticScores {
  const numClasses = tp.length;
  if (fp.length !== numClasses || fn.length !== numClasses || gtPixels.length !== numClasses) {
    throw new RangeError(
      `per-class counts differ in length: tp ${tp.length}, fp ${fp.length}, fn ${fn.length}, gtPixels ${gtPixels.length}`,
    );
  }
  const perClass: SemanticScores['per_class'] = [];
  const unionIous = new Mean();
  const gtIous = new Mean();
  const accs = new Mean();
  let totalTp = 0;
  let totalGt = 0;
  let weightedIou = 0;
  for (let c = 0; c < numClasses; c++) {
    const hit = tp[c]!;
    const gt = gtPixels[c]!;
    const union = hit + fp[c]! + fn[c]!;
    const iou = union > 0 ? hit / union : null;
    const acc = gt > 0 ? hit / gt : null;
    perClass.push({ id: c, iou, acc });
    totalTp += hit;
    totalGt += gt;
    if (iou !== null) unionIous.add(iou);
    if (gt > 0 && iou !== null) {
      gtIous.add(iou);
      weightedIou += gt * iou;
    }
    if (acc !== null) accs.add(acc);
  }
  return {
    miou: unionIous.value(),
    miou_gt_classes: gtIous.value(),
    pixel_acc: totalGt > 0 ? totalTp / totalGt : null,
    mean_acc: accs.value(),
    fwiou: totalGt > 0 ? weightedIou / totalGt : null,
    per_class: perClass,
  };
}

/** Same scores from a C×C confusion matrix (rows GT, columns prediction). */
export function semanticScoresFromConfusion(matrix: Float64Array, numClasses: number): SemanticScores {
  assertNumClasses(numClasses);
  const { tp, fp, fn, gtPixels } = countsFromConfusion(matrix, numClasses);
  return semanticScores(tp, fp, fn, gtPixels);
}

/** Mean of the values added; null for none (what nanmean of an all-NaN array means here). */
class Mean {
  private sum = 0;
  private count = 0;

  add(value: number): void {
    this.sum += value;
    this.count++;
  }

  value(): number | null {
    return this.count > 0 ? this.sum / this.count : null;
  }
}
