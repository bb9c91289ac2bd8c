/**
 * Referring / reasoning segmentation scores as LISA and READ report them (docs/design.md §5.3): LISA
 * train_ds.py `validate()` with utils/utils.py `intersectionAndUnionGPU(pred, gt, 2, ignore_index=255)`
 * and `AverageMeter`; precision@t as in the RefCOCO literature (LAVT-RIS test.py `Prec@X`: share of
 * pairs whose IoU reaches t).
 */
import { IGNORE_INDEX, assertSameLength } from './confusion';

export interface IntersectionUnion {
  intersection: number;
  union: number;
}

export const PRECISION_THRESHOLDS = ['0.5', '0.6', '0.7', '0.8', '0.9'] as const;
export type PrecisionThreshold = (typeof PRECISION_THRESHOLDS)[number];

export interface ReferringScores {
  giou: number | null;
  ciou: number | null;
  pairs: number;
  precision: Record<PrecisionThreshold, number | null>;
}

/**
 * Foreground intersection and union of one (sample, mask) pair. Pixels where GT is 255 are dropped
 * from both (LISA sets the prediction to 255 there). Prediction foreground = any nonzero value
 * (LISA `(pred_masks > 0).int()`); GT foreground = any value other than 0 and 255. LISA's 2-bin
 * histogram counts only GT value 1 as foreground; Tessera's referring masks are 0/1/255, so the two
 * agree on them, and counting other values as foreground keeps a target saved as 0/k (an instance id,
 * say) from silently scoring as an empty target.
 */
export function referringPair(gt: Uint8Array, pred: Uint8Array): IntersectionUnion {
  assertSameLength(gt, pred);
  let intersection = 0;
  let union = 0;
  const n = gt.length;
  for (let i = 0; i < n; i++) {
    const g = gt[i]!;
    if (g === IGNORE_INDEX) continue;
    const inGt = g !== 0;
    const inPred = pred[i] !== 0;
    if (inGt && inPred) intersection++;
    if (inGt || inPred) union++;
  }
  return { intersection, union };
}

/**
 * - per-pair IoU = I/U, and 1.0 when U = 0 (empty prediction on an empty target: LISA
 *   `acc_iou[union_i == 0] += 1.0`). LISA divides by U + 1e-5; Tessera divides exactly, which moves a
 *   pair's IoU by less than 1e-5 / U relative.
 * - `giou` = mean per-pair IoU; `ciou` = ΣI / ΣU. LISA computes ΣI / (ΣU + 1e-10), which prints 0 when
 *   every pair is empty on empty; that ratio is 0/0, so Tessera reports null (undefined), as
 *   everywhere else in `eval --json`.
 * - precision@t = share of pairs with IoU ≥ t (LAVT test.py `seg_correct`). An empty-on-empty pair,
 *   IoU 1.0 as in LISA, counts as a hit; LAVT would score it 0 (it sets IoU 0 when U = 0).
 * No pairs: every score null and `pairs` 0.
 */
export function referringScores(pairs: readonly IntersectionUnion[]): ReferringScores {
  const n = pairs.length;
  let iouSum = 0;
  let intersectionSum = 0;
  let unionSum = 0;
  const hits = PRECISION_THRESHOLDS.map(() => 0);
  const thresholds = PRECISION_THRESHOLDS.map(Number);
  for (const [index, pair] of pairs.entries()) {
    assertValidPair(pair, index);
    const iou = pairIou(pair);
    iouSum += iou;
    intersectionSum += pair.intersection;
    unionSum += pair.union;
    thresholds.forEach((t, k) => {
      if (iou >= t) hits[k]!++;
    });
  }
  const precision = Object.fromEntries(PRECISION_THRESHOLDS.map((key, k) => [key, n > 0 ? hits[k]! / n : null])) as Record<
    PrecisionThreshold,
    number | null
  >;
  return {
    giou: n > 0 ? iouSum / n : null,
    ciou: unionSum > 0 ? intersectionSum / unionSum : null,
    pairs: n,
    precision,
  };
}

/** IoU of one pair; 1.0 for empty prediction on empty target (LISA's no-object convention). */
export function pairIou(pair: IntersectionUnion): number {
  return pair.union > 0 ? pair.intersection / pair.union : 1;
}

function assertValidPair(pair: IntersectionUnion, index: number): void {
  const { intersection, union } = pair;
  if (!(intersection >= 0) || !(union >= intersection) || !Number.isFinite(union)) {
    throw new RangeError(`pair ${index}: intersection ${intersection} and union ${union} must satisfy 0 <= intersection <= union`);
  }
}
