// metrics.compare is read and paired in the read worker and a big bootstrap runs in the worker pool
// (docs/design.md §7): on the engine's thread a 4000-image compare at 100,000 samples held
// `tessera serve` 10.7 s (probe AE F1). The answer is the one the engine's thread gives, bit for bit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Comparison } from '../../../src/shared/api/methods/metrics';
import { createClient, inProcessTransport, type TesseraClient } from '../../../src/shared';
import { createEngine, type Engine } from '../../../src/main/engine/engine';
import { openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { addReferringDataset, addSemanticRun, importSemantic, noisyPrediction, randomScene, testRandom } from './helpers';

const SIZE = { w: 32, h: 24 };
const CLASSES = 5;
let cleanup: () => void;
let ws: string;
let engine: Engine;
let client: TesseraClient;
/** The same workspace with every read in the engine's thread (no read worker), as before. */
let inThread: Engine;
let inThreadClient: TesseraClient;
let semantic: { datasetId: number; runIds: [number, number] };
let referring: { datasetId: number; runIds: [number, number] };

beforeAll(async () => {
  const t = tempDir('tessera-compare-thread-');
  cleanup = t.cleanup;
  ws = join(t.dir, 'ws');
  ({ engine, client } = openTestEngine(ws));
  const random = testRandom(99);
  const gts = Array.from({ length: 40 }, () => randomScene(random, SIZE.w, SIZE.h, CLASSES, random() < 0.2));
  const fx = await importSemantic(client, engine, t.dir, gts, SIZE);
  const a = addSemanticRun(
    engine,
    fx.datasetId,
    'a',
    new Map(fx.samples.map((s) => [s.sampleId, noisyPrediction(random, s.gt, CLASSES, 0.3)])),
    SIZE,
  );
  const b = addSemanticRun(
    engine,
    fx.datasetId,
    'b',
    new Map(fx.samples.map((s) => [s.sampleId, noisyPrediction(random, s.gt, CLASSES, 0.2)])),
    SIZE,
  );
  semantic = { datasetId: fx.datasetId, runIds: [a, b] };
  const mask = (p: number) => Uint8Array.from({ length: SIZE.w * SIZE.h }, () => (random() < p ? 1 : 0));
  const pairs = Array.from({ length: 30 }, (_, i) => ({ query: `query ${i}`, gt: mask(0.4), pred: mask(0.4) }));
  const ref = addReferringDataset(engine, 'refs', pairs, SIZE);
  const refB = addSemanticRun(
    engine,
    ref.datasetId,
    'refs-b',
    new Map(ref.samples.map((s, i) => [s.sampleId, i % 3 === 0 ? pairs[i]!.gt : mask(0.4)])),
    SIZE,
    {
      dropBackground: true,
    },
  );
  referring = { datasetId: ref.datasetId, runIds: [ref.runId, refB] };
  // Score every run once, so both engines read stored rows (no catch-up: the read worker serves them).
  for (const d of [semantic, referring])
    for (const runId of d.runIds) await client.call('metrics.scores', { datasetId: d.datasetId, runId });
  inThread = createEngine({ workspace: ws, readWorker: false });
  inThreadClient = createClient(inProcessTransport({ dispatch: inThread.dispatch, subscribe: (l) => inThread.events.subscribe(l) }));
});

afterAll(async () => {
  await inThread?.close();
  await engine?.close();
  cleanup?.();
});

describe('metrics.compare off the engine thread', () => {
  it('gives the comparison the engine thread gives, bit for bit: semantic and referring, a small bootstrap and one for the pool', async () => {
    for (const d of [semantic, referring]) {
      // 1000 draws stay where the comparison is read (below INLINE_BOOTSTRAP_WORK); 20,000 go to the pool.
      for (const [seed, samples] of [
        [1, 1000],
        [5, 20_000],
      ] as const) {
        const input = { datasetId: d.datasetId, runIds: d.runIds, seed, samples };
        const worker = await client.call('metrics.compare', input);
        const here = await inThreadClient.call('metrics.compare', input);
        expect(worker.difference).not.toBeNull();
        expect(worker).toEqual(here);
        // Bit for bit: toEqual compares numbers with Object.is.
        expect([worker.difference!.low, worker.difference!.high, worker.difference!.estimate]).toStrictEqual([
          here.difference!.low,
          here.difference!.high,
          here.difference!.estimate,
        ]);
      }
    }
  });

  it('answers other requests while a big compare runs, then the compare with the engine thread answer', async () => {
    const input = { datasetId: semantic.datasetId, runIds: semantic.runIds, seed: 3, samples: 100_000 };
    const order: string[] = [];
    const compare = client.call('metrics.compare', input).then((c: Comparison) => {
      order.push('compare');
      return c;
    });
    // Engine-thread calls and read-worker calls, asked after the compare: all answered before it.
    const info = await client.call('workspace.info', {});
    order.push('workspace.info');
    const datasets = await client.call('datasets.list', {});
    order.push('datasets.list');
    const scores = await client.call('metrics.scores', { datasetId: semantic.datasetId, runId: semantic.runIds[0] });
    order.push('metrics.scores');
    expect(info.path).toBe(ws);
    expect(datasets.map((d) => d.id)).toContain(semantic.datasetId);
    expect(scores.images).toBe(40);
    const c = await compare;
    expect(order).toEqual(['workspace.info', 'datasets.list', 'metrics.scores', 'compare']);
    expect(c).toEqual(await inThreadClient.call('metrics.compare', input));
  }, 120_000);

  it('refuses what the engine thread refuses, in the same words', async () => {
    const same = {
      datasetId: semantic.datasetId,
      runIds: [semantic.runIds[0], semantic.runIds[0]] as [number, number],
      seed: 1,
      samples: 10,
    };
    await expect(client.call('metrics.compare', same)).rejects.toThrow(/^compare needs two different runs: run \d+ is given twice$/);
    await client.call('tags.apply', {
      tag: 'refs-only',
      imageIds: [(await client.call('images.ids', { datasetId: referring.datasetId }))[0]!],
    });
    const foreign = { ...semantic, subset: 'refs-only', seed: 1, samples: 10 };
    const message = await inThreadClient.call('metrics.compare', foreign).then(
      () => 'answered',
      (e: Error) => e.message,
    );
    expect(message).toMatch(/^tag "refs-only" marks no image of dataset/);
    await expect(client.call('metrics.compare', foreign)).rejects.toThrow(message);
  });
});
