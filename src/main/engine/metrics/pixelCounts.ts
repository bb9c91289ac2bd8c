/**
 * One sample's count rows (sampleCounts.ts semantics) straight from two row-major label maps of the
 * same size: what prediction import computes while it still holds the decoded map, so `eval` right
 * after reads counts instead of decoding RLEs again. Each pixel adds one to a small (GT row x
 * prediction value) histogram that stays in L1 cache; GT values map to their row through a table
 * (255 = ignore row, anything else outside the classes = invalid row). The rows equal countSample's
 * for the same maps.
 */
import { IGNORE_INDEX } from './confusion';
import { semanticRows, type CountRow } from './sampleCounts';

/**
 * Semantic rows: class 0 always, then every class with TP+FP+FN > 0 (sampleCounts.ts semanticRows).
 * null when a ground-truth value is neither a class nor 255, or a prediction value is not a class:
 * evaluation reports those itself, with its message.
 */
export function countLabelMaps(gt: Uint8Array, pred: Uint8Array, numClasses: number): CountRow[] | null {
  if (gt.length !== pred.length || numClasses < 1 || numClasses > 255 || gt.length >= 2 ** 32) return null;
  const ignoreRow = numClasses;
  const invalidRow = numClasses + 1;
  const rowOf = new Uint16Array(256).fill(invalidRow << 8);
  for (let v = 0; v < numClasses; v++) rowOf[v] = v << 8;
  rowOf[IGNORE_INDEX] = ignoreRow << 8;
  const h = new Uint32Array((numClasses + 2) << 8);
  const n = gt.length;
  for (let i = 0; i < n; i++) h[rowOf[gt[i]!]! | pred[i]!]!++;
  for (let p = 0; p < 256; p++) if (h[(invalidRow << 8) | p] !== 0) return null;
  const matrix = new Float64Array(numClasses * numClasses);
  for (let g = 0; g <= ignoreRow; g++) {
    for (let p = numClasses; p < 256; p++) if (h[(g << 8) | p] !== 0) return null;
    if (g === ignoreRow) break;
    for (let p = 0; p < numClasses; p++) matrix[g * numClasses + p] = h[(g << 8) | p]!;
  }
  return semanticRows(matrix, numClasses, numClasses);
}
