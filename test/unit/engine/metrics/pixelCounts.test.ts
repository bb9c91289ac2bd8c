import { describe, expect, it } from 'vitest';
import { countLabelMaps, countRunSequences, partsToRunSequence, RunSequenceBuilder } from '../../../../src/main/engine/metrics/pixelCounts';
import { labelMapToRles, paintLabelMap } from '../../../../src/main/engine/masks/labelMap';
import { encodeMask as rleFromMask } from '../../../../src/main/engine/masks';
import { runsOf } from '../../../../src/main/engine/masks/runs';
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
  for (let i = 0; i < n;) {
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
          const pred = predBuf.subarray((offset * 3) % 4, ((offset * 3) % 4) + n);
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

describe('countRunSequences (prediction import counts in run space)', () => {
  it('equals the pixel count for maps of every shape, from RLE parts and the encoder walk', () => {
    const rand = random(11);
    for (const [h, w] of [
      [1, 1],
      [1, 7],
      [7, 1],
      [5, 9],
      [37, 53],
      [375, 500],
    ] as const) {
      for (const maxRun of [1, 4, 60, 3000]) {
        const gt = runsMap(rand, h * w, [0, 1, 3, 255], maxRun);
        const pred = runsMap(rand, h * w, [0, 1, 2, 3], maxRun);
        // Ground truth as the importer stores it: one RLE per value but 0, in class order.
        const parts = labelMapToRles(gt, h, w)
          .filter((p) => p.classIdx !== 0)
          .map((p) => ({ classIdx: p.classIdx, runs: runsOf(p.rle) }));
        const gtRuns = partsToRunSequence(parts, h * w);
        expect(gtRuns).not.toBeNull();
        const predRuns = new RunSequenceBuilder();
        labelMapToRles(pred, h, w, (v, end) => predRuns.push(v, end));
        expect(countRunSequences(gtRuns!, predRuns, 4)).toEqual(countLabelMaps(gt, pred, 4));
        // With 3 classes, a 3 anywhere is refused (null) by both.
        expect(countRunSequences(gtRuns!, predRuns, 3)).toEqual(countLabelMaps(gt, pred, 3));
      }
    }
  });

  it('gives up on overlapping regions, where paint order decides pixels', () => {
    const a = new Uint8Array(6 * 4);
    const b = new Uint8Array(6 * 4);
    a.fill(1, 0, 8);
    b.fill(1, 6, 12);
    const rleA = rleFromMask(a, 6, 4);
    const rleB = rleFromMask(b, 6, 4);
    const parts = [
      { classIdx: 2, runs: runsOf(rleA) },
      { classIdx: 5, runs: runsOf(rleB) },
    ];
    expect(partsToRunSequence(parts, 24)).toBeNull();
    expect(partsToRunSequence([parts[0]!], 24)).not.toBeNull();
    // Disjoint regions become one sequence equal to the painted map's walk.
    const c = new Uint8Array(24);
    c.fill(1, 12, 20);
    const seq = partsToRunSequence([parts[0]!, { classIdx: 7, runs: runsOf(rleFromMask(c, 6, 4)) }], 24)!;
    const painted = paintLabelMap(
      [
        { classIdx: 2, rle: rleA },
        { classIdx: 7, rle: rleFromMask(c, 6, 4) },
      ],
      6,
      4,
    );
    const walk = new RunSequenceBuilder();
    labelMapToRles(painted, 6, 4, (v, end) => walk.push(v, end));
    expect([...seq.values.subarray(0, seq.length)]).toEqual([...walk.values.subarray(0, walk.length)]);
    expect([...seq.ends.subarray(0, seq.length)]).toEqual([...walk.ends.subarray(0, walk.length)]);
  });
});
