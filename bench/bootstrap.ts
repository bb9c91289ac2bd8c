/**
 * `npm run bench -- bootstrap`: the paired percentile bootstrap of `tessera compare` / `report`
 * (docs/design.md §5.6; metrics/bootstrap.ts + datasetStatistic.ts) on synthetic VOC-like per-image
 * class counts (21 classes, 500x375 images with 1-3 objects and 5% ignore, two runs of different
 * quality; the last row is dense, every class in every image), at 5k, 20k and 100k images:
 *  - the baseline: the bootstrap as it was before (its code is kept below, marked BASELINE): an index
 *    list per replicate and, per drawn image and run, the sum over four separate Float64Arrays;
 *  - Tessera's: the draws tallied per image and the counts summed once over a packed copy of the
 *    non-zero counts (`byCounts`).
 * The mIoU baseline runs 100 replicates (20 at 100k: 1000 would take minutes; `--full` runs 1000),
 * Tessera's the default 1000; both are printed per replicate and for 1000. Both sides' intervals on
 * the same replicates must be equal bit for bit (checked with ===, the bench fails otherwise).
 * Also the referring statistic (mean pair IoU, LISA gIoU): the closure compare.ts had, against
 * `meanDifferenceStatistic`. Medians of 3. Run with `npm run bench -- bootstrap` or `npx tsx bench/bootstrap.ts`.
 */
import { performance } from 'node:perf_hooks';
import { pairedBootstrap, type BootstrapInterval } from '../src/main/engine/metrics/bootstrap';
import { countsFromConfusion, type ClassCounts } from '../src/main/engine/metrics/confusion';
import { meanDifferenceStatistic, semanticDifferenceStatistic } from '../src/main/engine/metrics/datasetStatistic';
import { mulberry32 } from '../src/main/engine/metrics/prng';
import { semanticScores, type SemanticScores } from '../src/main/engine/metrics/semantic';
import { median } from './stats';

const CLASSES = 21;
const PIXELS = 500 * 375;
const SAMPLES = 1000;
const SEED = 1;
const REPS = 3;
const FULL = process.argv.includes('--full');
/** Replicates of the baseline: 1000 take ~10 minutes at 100k images. */
const baselineSamples = (images: number): number => (FULL ? SAMPLES : images >= 100_000 ? 20 : 100);

// ---------------------------------------------------------------------------------------------
// BASELINE: pairedBootstrap and the semantic statistic as they were before the byCounts path
// (metrics/bootstrap.ts, prng.ts's mulberry32 closure, metrics/datasetStatistic.ts, and compare.ts's
// referring closure).
// ---------------------------------------------------------------------------------------------

function baselinePairedBootstrap<T>(
  perImageA: ArrayLike<T>,
  perImageB: ArrayLike<T>,
  statistic: (indices: Uint32Array) => number,
  opts: { samples?: number; seed: number },
): BootstrapInterval {
  const n = perImageA.length;
  if (perImageB.length !== n) throw new RangeError('unpaired');
  const samples = opts.samples ?? SAMPLES;
  const estimate = statistic(Uint32Array.from({ length: n }, (_, i) => i));
  const random = baselineMulberry32(opts.seed);
  const replicates = new Float64Array(samples);
  const indices = new Uint32Array(n);
  for (let r = 0; r < samples; r++) {
    for (let i = 0; i < n; i++) indices[i] = Math.floor(random() * n);
    const value = statistic(indices);
    if (!Number.isFinite(value)) throw new RangeError(`replicate ${r}: ${value}`);
    replicates[r] = value;
  }
  replicates.sort();
  return { low: baselinePercentile(replicates, 0.025), high: baselinePercentile(replicates, 0.975), estimate };
}

function baselineMulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function baselinePercentile(sorted: Float64Array, q: number): number {
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  const low = sorted[below]!;
  return low + (position - below) * (sorted[above]! - low);
}

function baselineSemanticDifferenceStatistic(
  perImageA: readonly ClassCounts[],
  perImageB: readonly ClassCounts[],
  metric: (scores: SemanticScores) => number | null,
): (indices: Uint32Array) => number {
  return (indices: Uint32Array): number => {
    const a = metric(baselineScoresOfSum(perImageA, indices));
    const b = metric(baselineScoresOfSum(perImageB, indices));
    return a === null || b === null ? Number.NaN : b - a;
  };
}

function baselineScoresOfSum(perImage: readonly ClassCounts[], indices: ArrayLike<number>): SemanticScores {
  const first = perImage[0];
  const numClasses = first ? first.tp.length : 0;
  const sum: ClassCounts = {
    tp: new Float64Array(numClasses),
    fp: new Float64Array(numClasses),
    fn: new Float64Array(numClasses),
    gtPixels: new Float64Array(numClasses),
  };
  for (let k = 0; k < indices.length; k++) {
    const image = perImage[indices[k]!];
    if (!image) throw new RangeError(`image index ${indices[k]} is outside [0, ${perImage.length})`);
    for (const key of ['tp', 'fp', 'fn', 'gtPixels'] as const) {
      if (image[key].length !== numClasses) throw new RangeError('class count mismatch');
      const target = sum[key];
      const source = image[key];
      for (let c = 0; c < target.length; c++) target[c] = target[c]! + source[c]!;
    }
  }
  return semanticScores(sum.tp, sum.fp, sum.fn, sum.gtPixels);
}

function baselineReferringStatistic(scoredA: number[], scoredB: number[]): (indices: Uint32Array) => number {
  const mean = (values: number[], idx: ArrayLike<number>): number => {
    let sum = 0;
    for (let k = 0; k < idx.length; k++) sum += values[idx[k]!]!;
    return sum / idx.length;
  };
  return (idx) => mean(scoredB, idx) - mean(scoredA, idx);
}

// ------------------------------------- END OF BASELINE -------------------------------------

/**
 * Per-image counts of two runs: background plus 1-3 object classes in the ground truth (5% ignore,
 * not counted), each run keeping `keep` of a class's pixels and spilling the rest onto another
 * present class or, a third of the time, a class absent from the image. Dense: every class in GT.
 */
function syntheticRuns(images: number, seed: number, dense: boolean): { a: ClassCounts[]; b: ClassCounts[] } {
  const rand = mulberry32(seed);
  const a: ClassCounts[] = [];
  const b: ClassCounts[] = [];
  for (let n = 0; n < images; n++) {
    const present = dense
      ? Array.from({ length: CLASSES }, (_, c) => c)
      : [0, ...Array.from({ length: 1 + Math.floor(rand() * 3) }, () => 1 + Math.floor(rand() * (CLASSES - 1)))];
    const classes = [...new Set(present)];
    const shares = classes.map(() => 0.2 + rand());
    const total = shares.reduce((s, x) => s + x, 0);
    const gtPixels = classes.map((_, k) => Math.floor((PIXELS * 0.95 * shares[k]!) / total));
    const run = (keep: number): ClassCounts => {
      const matrix = new Float64Array(CLASSES * CLASSES);
      classes.forEach((g, k) => {
        const kept = Math.floor(gtPixels[k]! * (keep + 0.2 * (rand() - 0.5)));
        const other = rand() < 0.33 ? Math.floor(rand() * CLASSES) : classes[Math.floor(rand() * classes.length)]!;
        matrix[g * CLASSES + g]! += kept;
        matrix[g * CLASSES + other]! += gtPixels[k]! - kept;
      });
      return countsFromConfusion(matrix, CLASSES);
    };
    a.push(run(0.7));
    b.push(run(0.75));
  }
  return { a, b };
}

function timed<T>(fn: () => T): { ms: number; value: T } {
  const times: number[] = [];
  let value: T | undefined;
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    value = fn();
    times.push(performance.now() - t0);
  }
  return { ms: median(times), value: value! };
}

function same(x: BootstrapInterval, y: BootstrapInterval): boolean {
  return Object.is(x.low, y.low) && Object.is(x.high, y.high) && Object.is(x.estimate, y.estimate);
}

const fmt = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

export async function benchBootstrap(): Promise<void> {
  console.log(
    `\nPaired bootstrap (compare/report), ${CLASSES} classes, seed ${SEED}; mIoU baseline ${baselineSamples(0)} replicates (${baselineSamples(100_000)} at 100k), Tessera ${SAMPLES}; medians of ${REPS}`,
  );
  console.log('statistic         images   baseline/rep   tessera/rep   baseline x1000   tessera x1000   speed-up   bit-identical');
  let failed = false;
  const cases: Array<{ images: number; dense: boolean }> = [
    { images: 5_000, dense: false },
    { images: 20_000, dense: false },
    { images: 100_000, dense: false },
    { images: 20_000, dense: true },
  ];
  for (const { images, dense } of cases) {
    const { a, b } = syntheticRuns(images, images, dense);
    const samples = baselineSamples(images);
    const opts = { seed: SEED, samples };
    const base = timed(() =>
      baselinePairedBootstrap(
        a,
        b,
        baselineSemanticDifferenceStatistic(a, b, (s) => s.miou),
        opts,
      ),
    );
    const statistic = semanticDifferenceStatistic(a, b, (s) => s.miou);
    if (statistic.byCounts === undefined) throw new Error('the synthetic counts should take the byCounts path');
    const check = pairedBootstrap(a, b, statistic, opts);
    const ours = timed(() => pairedBootstrap(a, b, statistic, { seed: SEED, samples: SAMPLES }));
    const identical = same(base.value, check) && (samples !== SAMPLES || same(base.value, ours.value));
    failed ||= !identical;
    row(dense ? 'mIoU (dense)' : 'mIoU', images, base.ms / samples, ours.ms / SAMPLES, identical);
  }
  for (const images of [20_000, 100_000]) {
    const rand = mulberry32(images);
    const iouA = Array.from({ length: images }, () => rand());
    const iouB = iouA.map((x) => Math.min(1, x + 0.1 * (rand() - 0.3)));
    const opts = { seed: SEED, samples: SAMPLES };
    const base = timed(() => baselinePairedBootstrap(iouA, iouB, baselineReferringStatistic(iouA, iouB), opts));
    const ours = timed(() => pairedBootstrap(iouA, iouB, meanDifferenceStatistic(iouA, iouB), opts));
    const identical = same(base.value, ours.value);
    failed ||= !identical;
    row('gIoU (referring)', images, base.ms / SAMPLES, ours.ms / SAMPLES, identical);
  }
  if (failed) {
    console.error('bootstrap: an interval differs from the baseline');
    process.exitCode = 1;
  }
}

function row(name: string, images: number, basePerRep: number, oursPerRep: number, identical: boolean): void {
  console.log(
    [
      name.padEnd(16),
      String(images).padStart(7),
      `${basePerRep.toFixed(3)} ms`.padStart(14),
      `${oursPerRep.toFixed(3)} ms`.padStart(13),
      fmt(basePerRep * SAMPLES).padStart(16),
      fmt(oursPerRep * SAMPLES).padStart(15),
      `${(basePerRep / oursPerRep).toFixed(1)}x`.padStart(10),
      (identical ? 'yes' : 'NO').padStart(15),
    ].join(' '),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await benchBootstrap();
