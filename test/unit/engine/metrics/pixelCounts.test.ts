import { describe, expect, it } from 'vitest';
import { countLabelMaps } from '../../../../src/main/engine/metrics/pixelCounts';
import { semanticRows } from '../../../../src/main/engine/metrics/sampleCounts';

/** The plain per-pixel confusion of the same maps, made into rows the same way. */
function reference(gt: Uint8Array, pred: Uint8Array, numClasses: number): ReturnType<typeof countLabelMaps> {
  const m = new Float64Array(numClasses * numClasses);
  for (let i = 0; i < gt.length; i++) {
    const g = gt[i]!;
    const p = pred[i]!;
    if (g === 255) {
      if (p >= numClasses) return null;
      continue;
    }
    if (g >= numClasses || p >= numClasses) return null;
    m[g * numClasses + p]!++;
  }
  return semanticRows(m, numClasses, numClasses);
}

function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 4294967296;
  };
}

/** Runs of random length (1..maxRun) of random values: short runs exercise the word path's edges. */
function runsMap(rand: () => number, n: number, values: number[], maxRun: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; ) {
    const v = values[Math.floor(rand() * values.length)]!;
    const len = 1 + Math.floor(rand() * maxRun);
    out.fill(v, i, Math.min(n, i + len));
    i += len;
  }
  return out;
}

describe('countLabelMaps (per-run histogram)', () => {
  it('equals the per-pixel confusion for every length, alignment and run length', () => {
    const rand = random(7);
    const classes = 6;
    for (const n of [1, 2, 3, 4, 5, 7, 8, 63, 64, 65, 1001, 187_500]) {
      for (const maxRun of [1, 3, 5, 40, 5000]) {
        for (const offset of [0, 1, 3]) {
          const gtBuf = new Uint8Array(n + 4);
          const predBuf = new Uint8Array(n + 4);
          gtBuf.set(runsMap(rand, n, [0, 1, 2, 5, 255], maxRun), offset);
          predBuf.set(runsMap(rand, n, [0, 1, 2, 3, 5], maxRun), (offset * 3) % 4);
          const gt = gtBuf.subarray(offset, offset + n);
          const pred = predBuf.subarray((offset * 3) % 4, (offset * 3) % 4 + n);
          expect(countLabelMaps(gt, pred, classes)).toEqual(reference(gt, pred, classes));
        }
      }
    }
  });

  it('refuses values outside the classes wherever they sit in a run', () => {
    const gt = new Uint8Array(64);
    const pred = new Uint8Array(64);
    pred[37] = 9;
    expect(countLabelMaps(gt, pred, 4)).toBeNull();
    pred[37] = 0;
    gt[63] = 7;
    expect(countLabelMaps(gt, pred, 4)).toBeNull();
    gt[63] = 255;
    expect(countLabelMaps(gt, pred, 4)).toEqual(reference(gt, pred, 4));
  });
});
