import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TesseraClient } from '../../../src/shared';
import type { Engine } from '../../../src/main/engine/engine';
import { openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import {
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
const CLASSES = 5;
let engine: Engine;
let client: TesseraClient;
let cleanup: () => void;
let fx: SemanticFixture;
let predsA: Map<number, Uint8Array>;
let predsB: Map<number, Uint8Array>;
let runA: number;
let runB: number;

beforeAll(async () => {
  const t = tempDir('tessera-compare-');
  cleanup = t.cleanup;
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
