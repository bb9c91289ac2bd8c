/**
 * Independent re-computation for the metric tests: per-pixel loops into plain objects and arrays,
 * then each formula written out. Deliberately shares no code with src/main/engine/metrics.
 */
import { expect } from 'vitest';

/** xorshift32: a seeded source for test inputs, separate from the product's mulberry32. */
export function testRandom(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

/** A label map over `classes` (a random subset stands in for an image's objects) with some 255s. */
export function randomLabelMap(random: () => number, pixels: number, classes: number[], ignoreShare: number): Uint8Array {
  const map = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) {
    map[i] = random() < ignoreShare ? 255 : (classes[Math.floor(random() * classes.length)] ?? 0);
  }
  return map;
}

export function randomClassSubset(random: () => number, numClasses: number): number[] {
  const chosen = [0];
  for (let c = 1; c < numClasses; c++) if (random() < 0.3) chosen.push(c);
  return chosen;
}

export interface NaiveCounts {
  tp: number[];
  fp: number[];
  fn: number[];
  gt: number[];
}

export function naiveCounts(gts: Uint8Array[], preds: Uint8Array[], numClasses: number): NaiveCounts {
  const cells: Record<string, number> = {};
  gts.forEach((gt, k) => {
    const pred = preds[k]!;
    for (let i = 0; i < gt.length; i++) {
      if (gt[i] === 255) continue;
      const key = `${gt[i]},${pred[i]}`;
      cells[key] = (cells[key] ?? 0) + 1;
    }
  });
  const cell = (g: number, p: number): number => cells[`${g},${p}`] ?? 0;
  const counts: NaiveCounts = { tp: [], fp: [], fn: [], gt: [] };
  for (let c = 0; c < numClasses; c++) {
    let row = 0;
    let column = 0;
    for (let other = 0; other < numClasses; other++) {
      row += cell(c, other);
      column += cell(other, c);
    }
    counts.tp.push(cell(c, c));
    counts.fn.push(row - cell(c, c));
    counts.fp.push(column - cell(c, c));
    counts.gt.push(row);
  }
  return counts;
}

export function naiveMatrix(gts: Uint8Array[], preds: Uint8Array[], numClasses: number): number[][] {
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  gts.forEach((gt, k) => {
    for (let i = 0; i < gt.length; i++) {
      const g = gt[i]!;
      if (g !== 255) matrix[g]![preds[k]![i]!]! += 1;
    }
  });
  return matrix;
}

export interface NaiveSemantic {
  miou: number | null;
  miou_gt_classes: number | null;
  pixel_acc: number | null;
  mean_acc: number | null;
  fwiou: number | null;
  iou: Array<number | null>;
  acc: Array<number | null>;
}

function meanOrNull(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((s, v) => s + v, 0) / values.length;
}

export function naiveSemantic(counts: NaiveCounts): NaiveSemantic {
  const classes = counts.tp.map((_, c) => c);
  const iou = classes.map((c) => {
    const union = counts.tp[c]! + counts.fp[c]! + counts.fn[c]!;
    return union === 0 ? null : counts.tp[c]! / union;
  });
  const acc = classes.map((c) => (counts.gt[c] === 0 ? null : counts.tp[c]! / counts.gt[c]!));
  const total = counts.gt.reduce((s, v) => s + v, 0);
  const inGt = classes.filter((c) => counts.gt[c]! > 0);
  return {
    miou: meanOrNull(iou.filter((v): v is number => v !== null)),
    miou_gt_classes: meanOrNull(inGt.map((c) => iou[c]!)),
    pixel_acc: total === 0 ? null : counts.tp.reduce((s, v) => s + v, 0) / total,
    mean_acc: meanOrNull(acc.filter((v): v is number => v !== null)),
    fwiou: total === 0 ? null : inGt.reduce((s, c) => s + (counts.gt[c]! / total) * iou[c]!, 0),
    iou,
    acc,
  };
}

/** Foreground I and U of one pair, GT 255 dropped, written with array filters. */
export function naivePair(gt: Uint8Array, pred: Uint8Array): { intersection: number; union: number } {
  const kept = Array.from(gt.keys()).filter((i) => gt[i] !== 255);
  const inGt = (i: number): boolean => gt[i] !== 0;
  const inPred = (i: number): boolean => pred[i] !== 0;
  return {
    intersection: kept.filter((i) => inGt(i) && inPred(i)).length,
    union: kept.filter((i) => inGt(i) || inPred(i)).length,
  };
}

/** Pseudo label per pixel: scan channels, keep the first maximum, background when max <= t. */
export function naivePseudoLabel(cam: Float32Array, keys: number[], pixels: number, threshold: number): Uint8Array {
  const label = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) {
    let best = -1;
    let bestScore = -Infinity;
    keys.forEach((_, k) => {
      if (cam[k * pixels + i]! > bestScore) {
        bestScore = cam[k * pixels + i]!;
        best = k;
      }
    });
    label[i] = best >= 0 && bestScore > Math.fround(threshold) ? keys[best]! : 0;
  }
  return label;
}

export function expectClose(actual: number | null, expected: number | null, what: string): void {
  if (expected === null) {
    expect(actual, what).toBeNull();
    return;
  }
  expect(actual, what).not.toBeNull();
  expect(Math.abs((actual ?? Number.NaN) - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1e-9);
}
