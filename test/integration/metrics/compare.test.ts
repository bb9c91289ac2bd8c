import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TesseraClient } from '../../../src/shared';
import type { Engine } from '../../../src/main/engine/engine';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { mulberry32 } from '../../../src/main/engine/metrics/prng';
import {
  addReferringDataset,
  addSemanticRun,
  expectClose,
  importSemantic,
  naiveSemantic,
  noisyPrediction,
  randomScene,
  testRandom,
  type SemanticFixture,
} from './helpers';

const SIZE = { w: 32, h: 24 };
// compareRuns on the fixture above with seed 7, before unscorable images were left out of the bootstrap.
const PINNED_SEED_7 = { estimate: 0.20143583724286152, low: 0.14886388480503937, high: 0.22944109196396054, level: 0.95 };
const CLASSES = 5;
let engine: Engine;
let client: TesseraClient;
let cleanup: () => void;
let root: string;
let fx: SemanticFixture;
let predsA: Map<number, Uint8Array>;
let predsB: Map<number, Uint8Array>;
let runA: number;
let runB: number;

beforeAll(async () => {
  const t = tempDir('tessera-compare-');
  cleanup = t.cleanup;
  root = t.dir;
  ({ engine, client } = openTestEngine(`${t.dir}/ws`));
  const random = testRandom(2024);
  const gts = Array.from({ length: 16 }, () => randomScene(random, SIZE.w, SIZE.h, CLASSES, random() < 0.3));
  gts[0]![0] = CLASSES - 1;
  fx = await importSemantic(client, engine, t.dir, gts, SIZE);
  predsA = new Map(fx.samples.map((s) => [s.sampleId, noisyPrediction(random, s.gt, CLASSES, 0.35)]));
  // B is better on most images; identical to A on image 5 (a tie).
  predsB = new Map(
    fx.samples.map((s, i) => [s.sampleId, i === 5 ? predsA.get(s.sampleId)! : noisyPrediction(random, s.gt, CLASSES, 0.15)]),
  );
  runA = addSemanticRun(engine, fx.datasetId, 'baseline', predsA, SIZE);
  runB = addSemanticRun(engine, fx.datasetId, 'ours', predsB, SIZE);
});

afterAll(async () => {
  await engine?.close();
  cleanup?.();
});

function imageIou(gt: Uint8Array, pred: Uint8Array, c: number): number | null {
  let tp = 0;
  let union = 0;
  for (let i = 0; i < gt.length; i++) {
    if (gt[i] === 255) continue;
    const g = gt[i] === c;
    const p = pred[i] === c;
    if (g && p) tp++;
    if (g || p) union++;
  }
  return union > 0 ? tp / union : null;
}

describe('paired comparison of two runs', () => {
  it('reports both dataset mIoUs, per-image wins/ties/losses and per-class wins that match a reference', async () => {
    const c = await client.call('metrics.compare', { datasetId: fx.datasetId, runIds: [runA, runB], seed: 7 });
    const pairs = (p: Map<number, Uint8Array>) => fx.samples.map((s) => ({ gt: s.gt, pred: p.get(s.sampleId)! }));
    expect(c.runs).toEqual(['baseline', 'ours']);
    expect(c.metric).toBe('mmseg-miou');
    expect(c.images).toBe(16);
    expectClose(c.a, naiveSemantic(pairs(predsA), CLASSES).miou, 'A');
    expectClose(c.b, naiveSemantic(pairs(predsB), CLASSES).miou, 'B');
    expectClose(c.difference!.estimate, c.b! - c.a!, 'estimate');
    expect(c.difference!.low).toBeLessThanOrEqual(c.difference!.estimate);
    expect(c.difference!.high).toBeGreaterThanOrEqual(c.difference!.estimate);

    let wins = 0;
    let ties = 0;
    let losses = 0;
    fx.samples.forEach((s, i) => {
      const a = naiveSemantic([{ gt: s.gt, pred: predsA.get(s.sampleId)! }], CLASSES).miou!;
      const b = naiveSemantic([{ gt: s.gt, pred: predsB.get(s.sampleId)! }], CLASSES).miou!;
      expectClose(c.perImage[i]!.diff, b - a, `image ${i}`);
      if (b > a) wins++;
      else if (b < a) losses++;
      else ties++;
    });
    expect(c.paired).toMatchObject({ wins, ties, losses });
    expect(ties).toBeGreaterThanOrEqual(1);

    for (let k = 0; k < CLASSES; k++) {
      let bWins = 0;
      let aWins = 0;
      for (const s of fx.samples) {
        const a = imageIou(s.gt, predsA.get(s.sampleId)!, k);
        const b = imageIou(s.gt, predsB.get(s.sampleId)!, k);
        if (a === null || b === null) continue;
        if (b > a) bWins++;
        else if (a > b) aWins++;
      }
      expect(c.classes[k]).toMatchObject({ id: k, bWins, aWins });
      const gains = c.classes[k]!.images.map((i) => i.b - i.a);
      expect(gains).toEqual([...gains].sort((x, y) => y - x));
    }
  });

  it('gives the same interval for the same seed and a different one for another seed', async () => {
    const one = await client.call('metrics.compare', { datasetId: fx.datasetId, runIds: [runA, runB], seed: 11 });
    const again = await client.call('metrics.compare', { datasetId: fx.datasetId, runIds: [runA, runB], seed: 11 });
    const other = await client.call('metrics.compare', { datasetId: fx.datasetId, runIds: [runA, runB], seed: 12 });
    expect(again.difference).toEqual(one.difference);
    expect(other.difference).not.toEqual(one.difference);
    expect(other.difference!.estimate).toBe(one.difference!.estimate);
  });

  it('runs a big bootstrap in the worker pool (it held the server), with the interval a plain reference gives', async () => {
    // 16 images x 20,000 draws is past INLINE_BOOTSTRAP_WORK: the pool runs it.
    const samples = 20_000;
    const c = await client.call('metrics.compare', { datasetId: fx.datasetId, runIds: [runA, runB], seed: 3, samples });
    // Reference: per-image confusion matrices, summed over each replicate's drawn images (mulberry32's
    // floor(next() * n)), mIoU over classes with a non-empty union; numpy's linear percentile.
    const n = fx.samples.length;
    const confOf = (p: Map<number, Uint8Array>) =>
      fx.samples.map((s) => {
        const conf = new Float64Array(CLASSES * CLASSES);
        const pred = p.get(s.sampleId)!;
        for (let i = 0; i < s.gt.length; i++) if (s.gt[i] !== 255) conf[s.gt[i]! * CLASSES + pred[i]!]!++;
        return conf;
      });
    const [ca, cb] = [confOf(predsA), confOf(predsB)];
    const miou = (confs: Float64Array[], idx: number[]): number => {
      const sum = new Float64Array(CLASSES * CLASSES);
      for (const i of idx) for (let k = 0; k < sum.length; k++) sum[k]! += confs[i]![k]!;
      let total = 0;
      let classes = 0;
      for (let k = 0; k < CLASSES; k++) {
        let row = 0;
        let col = 0;
        for (let j = 0; j < CLASSES; j++) {
          row += sum[k * CLASSES + j]!;
          col += sum[j * CLASSES + k]!;
        }
        const union = row + col - sum[k * CLASSES + k]!;
        if (union > 0) {
          total += sum[k * CLASSES + k]! / union;
          classes++;
        }
      }
      return total / classes;
    };
    const next = mulberry32(3);
    const reps: number[] = [];
    for (let r = 0; r < samples; r++) {
      const idx = Array.from({ length: n }, () => Math.floor(next() * n));
      reps.push(miou(cb, idx) - miou(ca, idx));
    }
    reps.sort((x, y) => x - y);
    const pct = (q: number): number => {
      const pos = q * (reps.length - 1);
      const lo = Math.floor(pos);
      return reps[lo]! + (reps[Math.min(lo + 1, reps.length - 1)]! - reps[lo]!) * (pos - lo);
    };
    const all = Array.from({ length: n }, (_, i) => i);
    expectClose(c.difference!.estimate, miou(cb, all) - miou(ca, all), 'estimate');
    expectClose(c.difference!.low, pct(0.025), 'low');
    expectClose(c.difference!.high, pct(0.975), 'high');
  });

  it('refuses a run compared with itself in one line, as the CLI does (probe V: the API gave ties and [0, 0])', async () => {
    await expect(client.call('metrics.compare', { datasetId: fx.datasetId, runIds: [runA, runA] })).rejects.toThrow(
      /^compare needs two different runs: run \d+ is given twice$/,
    );
  });

  it('compares on a subset only', async () => {
    const chosen = fx.samples.slice(0, 5);
    await client.call('tags.apply', { tag: 'first-five', imageIds: chosen.map((s) => s.imageId) });
    const c = await client.call('metrics.compare', { datasetId: fx.datasetId, runIds: [runA, runB], subset: 'first-five' });
    expect(c.images).toBe(5);
    expectClose(
      c.a,
      naiveSemantic(
        chosen.map((s) => ({ gt: s.gt, pred: predsA.get(s.sampleId)! })),
        CLASSES,
      ).miou,
      'A on subset',
    );
  });
});

describe('paired comparison with images whose ground truth is entirely ignore (255)', () => {
  // Three images, the first all 255: a bootstrap replicate that draws it three times (1 in 27) has no
  // scorable pixel. The same two scorable images, alone, make the reference dataset.
  let withVoid: { datasetId: number; runs: [number, number]; gts: Uint8Array[]; preds: [Uint8Array[], Uint8Array[]] };
  let withoutVoid: { datasetId: number; runs: [number, number] };

  beforeAll(async () => {
    const random = testRandom(77);
    const gts = [
      new Uint8Array(SIZE.w * SIZE.h).fill(255),
      ...Array.from({ length: 2 }, () => randomScene(random, SIZE.w, SIZE.h, CLASSES, false)),
    ];
    gts[1]![0] = CLASSES - 1;
    const preds: [Uint8Array[], Uint8Array[]] = [
      gts.map((gt) => noisyPrediction(random, gt, CLASSES, 0.4)),
      gts.map((gt) => noisyPrediction(random, gt, CLASSES, 0.2)),
    ];
    const add = async (name: string, from: number) => {
      const f = await importSemantic(client, engine, root, gts.slice(from), SIZE, name);
      const runs = [0, 1].map((r) =>
        addSemanticRun(
          engine,
          f.datasetId,
          `${name}-${r === 0 ? 'a' : 'b'}`,
          new Map(f.samples.map((s, i) => [s.sampleId, preds[r]![from + i]!])),
          SIZE,
        ),
      ) as [number, number];
      return { datasetId: f.datasetId, runs };
    };
    withVoid = { ...(await add('with-void', 0)), gts, preds };
    withoutVoid = await add('without-void', 1);
  });

  it('leaves the unscorable image out of the wins, the mean difference and the bootstrap, and says so', async () => {
    const c = await client.call('metrics.compare', { datasetId: withVoid.datasetId, runIds: withVoid.runs, seed: 1 });
    const ref = await client.call('metrics.compare', { datasetId: withoutVoid.datasetId, runIds: withoutVoid.runs, seed: 1 });
    expect(c.images).toBe(3);
    expect(c.unscored).toEqual({ images: 1, reason: expect.stringMatching(/no scorable pixels/) });
    expect(ref.unscored).toEqual({ images: 0, reason: null });
    expect(c.perImage[0]).toMatchObject({ a: null, b: null, diff: null });
    expect(c.paired.wins + c.paired.ties + c.paired.losses).toBe(2);
    expect(c.paired).toEqual(ref.paired);
    // The dataset metric is that of every paired image (the unscorable one adds no pixels) ...
    const pairs = (r: 0 | 1) => withVoid.gts.map((gt, i) => ({ gt, pred: withVoid.preds[r][i]! }));
    expectClose(c.a, naiveSemantic(pairs(0), CLASSES).miou, 'A');
    expectClose(c.b, naiveSemantic(pairs(1), CLASSES).miou, 'B');
    // ... and the interval is the one over the two scorable images, bit for bit.
    expect(c.difference).not.toBeNull();
    expect(c.difference).toEqual(ref.difference);
  });

  it('writes HTML and CSV reports that say how many images were left out', async () => {
    for (const format of ['html', 'csv'] as const) {
      const out = join(root, `with-void.${format}`);
      const done = await finishJob(client, () =>
        client.call('reports.create', { datasetId: withVoid.datasetId, runIds: withVoid.runs, format, out }),
      );
      expect(done.error, format).toBeNull();
      const text = readFileSync(out, 'utf8');
      if (format === 'html') expect(text).toMatch(/data-unscored="1">1 image left out: no scorable pixels/);
      else expect(text).toMatch(/,images_unscored,image-miou vs with-void-a,,,1,comparison\n/);
    }
  });

  it('keeps the interval of data without unscorable images as it was (same seed, same numbers)', async () => {
    const c = await client.call('metrics.compare', { datasetId: fx.datasetId, runIds: [runA, runB], seed: 7 });
    expect(c.unscored).toEqual({ images: 0, reason: null });
    expect(c.difference).toEqual(PINNED_SEED_7);
  });
});

describe('ties', () => {
  it('counts per-image scores equal up to floating-point rounding as a tie, not a win', async () => {
    // One image: GT 100 px of class 0, 337 of class 1, the rest ignore. A's class IoUs are {0.1, 0.5},
    // B's {0.2, 0.4}: both image mIoUs are 3/10, computed as 0.3 and 0.30000000000000004.
    const size = { w: 64, h: 48 };
    const layout = (runs: Array<[number, number]>, fill: number): Uint8Array => {
      const map = new Uint8Array(size.w * size.h).fill(fill);
      let at = 0;
      for (const [value, n] of runs) map.fill(value, at, (at += n));
      return map;
    };
    const gt = layout(
      [
        [0, 100],
        [1, 337],
      ],
      255,
    );
    const t = tempDir('tessera-ties-');
    const tie = await importSemantic(client, engine, t.dir, [gt], size, 'ties');
    t.cleanup();
    const sampleId = tie.samples[0]!.sampleId;
    const a = addSemanticRun(
      engine,
      tie.datasetId,
      'a',
      new Map([
        [
          sampleId,
          layout(
            [
              [0, 23],
              [1, 77],
              [0, 130],
              [1, 207],
            ],
            0,
          ),
        ],
      ]),
      size,
    );
    const b = addSemanticRun(
      engine,
      tie.datasetId,
      'b',
      new Map([
        [
          sampleId,
          layout(
            [
              [0, 57],
              [1, 43],
              [0, 185],
              [1, 152],
            ],
            0,
          ),
        ],
      ]),
      size,
    );
    const c = await client.call('metrics.compare', { datasetId: tie.datasetId, runIds: [a, b] });
    expect(c.perImage.map((p) => [p.a, p.b])).toEqual([[0.3, 0.30000000000000004]]);
    expect(c.paired).toMatchObject({ wins: 0, ties: 1, losses: 0 });
  });
});

describe('paired comparison on a referring dataset', () => {
  /** Foreground = the first `k` pixels of a 8x6 mask (a target or a prediction of k pixels). */
  const first = (k: number): Uint8Array => new Uint8Array(48).map((_, i) => (i < k ? 1 : 0));
  const ciouReference = (gts: Uint8Array[], preds: Uint8Array[], idx: number[]): number => {
    let i = 0;
    let u = 0;
    for (const p of idx) {
      for (let x = 0; x < 48; x++) {
        const g = gts[p]![x] !== 0;
        const q = preds[p]![x] !== 0;
        if (g && q) i++;
        if (g || q) u++;
      }
    }
    return i / u;
  };

  it("compares cIoU beside gIoU: each run's cIoU as eval scores it, B − A, and the interval of a plain reference over the same resamples", async () => {
    const size = { w: 8, h: 6 };
    const targets = [40, 10, 30, 5, 20, 48, 12, 25, 0, 35].map(first);
    const predsA = [20, 0, 30, 40, 10, 48, 0, 30, 0, 5].map(first);
    const predsB = [40, 10, 25, 5, 30, 40, 12, 25, 0, 30].map(first);
    const ds = addReferringDataset(
      engine,
      'refs-ciou',
      targets.map((gt, i) => ({ query: `q${i}`, gt, pred: predsA[i]! })),
      size,
    );
    const runB = addSemanticRun(engine, ds.datasetId, 'refs-ciou-b', new Map(ds.samples.map((s, i) => [s.sampleId, predsB[i]!])), size, {
      dropBackground: true,
    });
    const seed = 11;
    const samples = 500;
    const c = await client.call('metrics.compare', { datasetId: ds.datasetId, runIds: [ds.runId, runB], seed, samples });
    expect(c.metric).toBe('lisa-giou');
    expect(c.otherMetrics.map((m) => m.metric)).toEqual(['lisa-ciou']);
    const ciou = c.otherMetrics[0]!;
    // a and b are the runs' cIoU as `eval` reports it.
    for (const [runId, value] of [
      [ds.runId, ciou.a],
      [runB, ciou.b],
    ] as const) {
      await finishJob(client, () => client.call('metrics.evaluate', { datasetId: ds.datasetId, runId }));
      const scores = await client.call('metrics.scores', { datasetId: ds.datasetId, runId });
      expect(value).toBe(scores.referring!.ciou);
    }
    const n = targets.length;
    const all = Array.from({ length: n }, (_, i) => i);
    expect(ciou.a).toBe(ciouReference(targets, predsA, all));
    expect(ciou.b).toBe(ciouReference(targets, predsB, all));
    // The reference: mulberry32's floor(next() * n) draws, cIoU recounted from pixels per replicate,
    // numpy's linear percentile; the same draws as gIoU's interval (the same seed).
    const next = mulberry32(seed);
    const reps: number[] = [];
    for (let r = 0; r < samples; r++) {
      const idx = Array.from({ length: n }, () => Math.floor(next() * n));
      reps.push(ciouReference(targets, predsB, idx) - ciouReference(targets, predsA, idx));
    }
    reps.sort((x, y) => x - y);
    const pct = (q: number): number => {
      const pos = q * (reps.length - 1);
      const lo = Math.floor(pos);
      return reps[lo]! + (reps[Math.min(lo + 1, reps.length - 1)]! - reps[lo]!) * (pos - lo);
    };
    expect(ciou.difference).toEqual({ estimate: ciou.b! - ciou.a!, low: pct(0.025), high: pct(0.975), level: 0.95 });
    expect(ciou.note).toBeNull();
    // Past the inline limit the pool runs the bootstrap: the same intervals, bit for bit.
    const pooled = await client.call('metrics.compare', { datasetId: ds.datasetId, runIds: [ds.runId, runB], seed, samples: 40_000 });
    const inline = await client.call('metrics.compare', { datasetId: ds.datasetId, runIds: [ds.runId, runB], seed, samples: 19_999 });
    expect(pooled.otherMetrics[0]!.difference!.estimate).toBe(inline.otherMetrics[0]!.difference!.estimate);
    // The CLI prints it as a second row, and every report format carries it.
    const csv = await finishJob(client, () =>
      client.call('reports.create', { datasetId: ds.datasetId, runIds: [ds.runId, runB], format: 'csv', out: join(root, 'refs-ciou.csv') }),
    );
    expect(csv.error).toBeNull();
    const rows = readFileSync(join(root, 'refs-ciou.csv'), 'utf8').split('\n');
    const line = rows.find((r) => r.includes(',lisa_ciou_difference,lisa-ciou difference vs refs-ciou-run,') && r.endsWith(',comparison'));
    expect(line).toBeDefined();
    expect(Number(line!.split(',').at(-2))).toBe(ciou.difference!.estimate);
    for (const format of ['html', 'tex'] as const) {
      const out = join(root, `refs-ciou.${format}`);
      const job = await finishJob(client, () =>
        client.call('reports.create', { datasetId: ds.datasetId, runIds: [ds.runId, runB], format, out }),
      );
      expect(job.error).toBeNull();
      expect(readFileSync(out, 'utf8')).toContain(format === 'html' ? 'data-other-metric="lisa-ciou"' : 'tab:comparison-lisa-ciou');
    }
  });

  it("leaves cIoU's difference out, saying why, where resamples draw no union in a run; gIoU is still compared", async () => {
    const size = { w: 8, h: 6 };
    const empty = first(0);
    // Run A predicts 4 pixels on the first query only; every target is empty. A resample without the
    // first query has no union in A: cIoU (0/0) is undefined there.
    const ds = addReferringDataset(
      engine,
      'refs-ciou-empty',
      [0, 1, 2].map((i) => ({ query: `q${i}`, gt: empty, pred: i === 0 ? first(4) : empty })),
      size,
    );
    const runB = addSemanticRun(engine, ds.datasetId, 'refs-ciou-empty-b', new Map(ds.samples.map((s) => [s.sampleId, first(4)])), size, {
      dropBackground: true,
    });
    const c = await client.call('metrics.compare', { datasetId: ds.datasetId, runIds: [ds.runId, runB] });
    expect(c.difference).not.toBeNull();
    const ciou = c.otherMetrics[0]!;
    expect(ciou).toMatchObject({ metric: 'lisa-ciou', a: 0, b: 0, difference: null });
    expect(ciou.note).toContain('some resamples drew only queries with an empty target and an empty prediction');
  });

  it('pairs and resamples queries, and says so: unit "query", "queries" in the CLI text and the report captions (probe AE F2)', async () => {
    const size = { w: 8, h: 6 };
    const fg = new Uint8Array(size.w * size.h).map((_, i) => (i % size.w < 4 ? 1 : 0));
    const empty = new Uint8Array(size.w * size.h);
    const ds = addReferringDataset(
      engine,
      'refs-compare',
      [
        { query: 'left half', gt: fg, pred: fg },
        { query: 'left half, missed', gt: fg, pred: empty },
        { query: 'nothing', gt: empty, pred: empty },
      ],
      size,
    );
    // Run B finds the missed query.
    const runB = addSemanticRun(
      engine,
      ds.datasetId,
      'refs-b',
      new Map(ds.samples.map((s, i) => [s.sampleId, i === 2 ? empty : fg])),
      size,
      {
        dropBackground: true,
      },
    );
    const c = await client.call('metrics.compare', { datasetId: ds.datasetId, runIds: [ds.runId, runB] });
    expect(c.metric).toBe('lisa-giou');
    expect(c.unit).toBe('query');
    expect(c.images).toBe(3);
    expect(c.paired).toMatchObject({ wins: 1, ties: 2, losses: 0 });
    const tex = await finishJob(client, () =>
      client.call('reports.create', { datasetId: ds.datasetId, runIds: [ds.runId, runB], format: 'tex', out: join(root, 'refs.tex') }),
    );
    expect(tex.error).toBeNull();
    const text = readFileSync(join(root, 'refs.tex'), 'utf8');
    expect(text).toContain('percentile bootstrap over queries');
    expect(text).not.toContain('bootstrap over images');
  });
});
