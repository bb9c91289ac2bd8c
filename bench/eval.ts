/**
 * Evaluation benchmark (issue 5): 1,449 generated VOC-sized label maps (500x375, 21 classes, ignore
 * outlines), against a straightforward per-pixel reference loop in the same process.
 *  1. the store path: RLEs in SQLite -> metric rows (metrics.evaluate) -> SQL aggregate (metrics.scores),
 *     against decoding the same RLEs row-major and counting with a one-histogram loop;
 *  2. the counting core alone on in-memory maps;
 *  3. re-scoring a subset of the stored run (SQL over metric rows, no pixels).
 * Run with `npm run bench` (bench/index.ts) or `npx tsx bench/eval.ts`.
 */
import './builtWorkers';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, inProcessTransport, type TesseraClient } from '../src/shared';
import { createEngine, type Engine } from '../src/main/engine/engine';
import { labelMapToRles, paintLabelMap } from '../src/main/engine/masks';
import { accumulateConfusion, semanticScoresFromConfusion } from '../src/main/engine/metrics';
import { benchEvalEndToEnd } from './evalEndToEnd';
import { engineInternals } from '../src/main/engine/internals';

const IMAGES = 1449;
const W = 500;
const H = 375;
const C = 21;

function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

/** Objects as rectangles with a 3-px ignore outline (VOC style); the prediction shifts them and sometimes swaps a class. */
function scene(rand: () => number): { gt: Uint8Array; pred: Uint8Array } {
  const gt = new Uint8Array(W * H);
  const pred = new Uint8Array(W * H);
  const objects = 1 + Math.floor(rand() * 4);
  for (let o = 0; o < objects; o++) {
    const c = 1 + Math.floor(rand() * (C - 1));
    const w = 40 + Math.floor(rand() * 220);
    const h = 40 + Math.floor(rand() * 180);
    const x0 = Math.floor(rand() * (W - w));
    const y0 = Math.floor(rand() * (H - h));
    for (let y = Math.max(0, y0 - 3); y < Math.min(H, y0 + h + 3); y++) {
      for (let x = Math.max(0, x0 - 3); x < Math.min(W, x0 + w + 3); x++) {
        const inside = x >= x0 && x < x0 + w && y >= y0 && y < y0 + h;
        gt[y * W + x] = inside ? c : 255;
      }
    }
    const pc = rand() < 0.2 ? 1 + Math.floor(rand() * (C - 1)) : c;
    const dx = Math.floor(rand() * 21) - 10;
    const dy = Math.floor(rand() * 21) - 10;
    for (let y = Math.max(0, y0 + dy); y < Math.min(H, y0 + h + dy); y++)
      pred.fill(pc, y * W + Math.max(0, x0 + dx), y * W + Math.min(W, x0 + w + dx));
  }
  return { gt, pred };
}

function naiveConfusion(pairs: ReadonlyArray<{ gt: Uint8Array; pred: Uint8Array }>): Float64Array {
  const m = new Float64Array(C * C);
  for (const { gt, pred } of pairs) {
    for (let i = 0; i < gt.length; i++) {
      const g = gt[i]!;
      if (g === 255) continue;
      m[g * C + pred[i]!]!++;
    }
  }
  return m;
}

function time<T>(fn: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, value };
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

function seedStore(
  engine: Engine,
  pairs: ReadonlyArray<{ gt: Uint8Array; pred: Uint8Array }>,
): { datasetId: number; runId: number; imageIds: number[] } {
  const { repos, db } = engineInternals(engine);
  return db.transaction(() => {
    const datasetId = repos.datasets.create({ name: 'voc-like', format: 'voc', task: 'semantic', sourcePath: null });
    repos.datasets.addClasses(
      datasetId,
      Array.from({ length: C }, (_, i) => ({ index: i, name: `c${i}`, color: [i, i, i] as [number, number, number] })),
    );
    const runId = repos.runs.create({ datasetId, name: 'shifted', source: 'import', status: 'complete' });
    const imageIds: number[] = [];
    pairs.forEach(({ gt, pred }, i) => {
      const imageId = repos.images.create({
        datasetId,
        path: `/bench/${i}.jpg`,
        fileName: `${String(i).padStart(6, '0')}.jpg`,
        sha256: `s${i}`,
        bytes: 1,
        width: W,
        height: H,
      });
      imageIds.push(imageId);
      const sampleId = repos.images.createSample(imageId);
      for (const p of labelMapToRles(gt, H, W)) {
        if (p.classIdx !== 0) repos.annotations.create({ sampleId, classIdx: p.classIdx, rle: p.rle, area: p.area, bbox: p.bbox });
      }
      repos.predictions.replaceForSample(
        runId,
        sampleId,
        labelMapToRles(pred, H, W).map((p) => ({ runId, sampleId, classIdx: p.classIdx, rle: p.rle, area: p.area })),
      );
    });
    return { datasetId, runId, imageIds };
  })();
}

/** The reference over the store: decode each RLE row-major (masks/ paintLabelMap) and count per pixel. */
function referenceFromStore(engine: Engine, runId: number, sampleIds: number[]): Float64Array {
  const { repos } = engineInternals(engine);
  const m = new Float64Array(C * C);
  for (const sampleId of sampleIds) {
    const gt = paintLabelMap(repos.annotations.currentForSample(sampleId), H, W);
    const pred = paintLabelMap(repos.predictions.forSample(runId, sampleId), H, W);
    for (let i = 0; i < gt.length; i++) {
      const g = gt[i]!;
      if (g === 255) continue;
      m[g * C + pred[i]!]!++;
    }
  }
  return m;
}

async function finish(client: TesseraClient, jobId: string): Promise<void> {
  for (;;) {
    const job = await client.call('jobs.get', { jobId });
    if (job.status === 'succeeded') return;
    if (job.status !== 'running' && job.status !== 'queued') throw new Error(`evaluation ${job.status}: ${job.error?.message}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function benchEval(): Promise<void> {
  await benchEvalEndToEnd();
  const rand = random(1449);
  const pairs = Array.from({ length: IMAGES }, () => scene(rand));
  console.log(`eval: ${IMAGES} label maps ${W}x${H}, ${C} classes`);

  const core = time(() => {
    const m = new Float64Array(C * C);
    for (const { gt, pred } of pairs) accumulateConfusion(m, C, gt, pred);
    return m;
  });
  const naive = time(() => naiveConfusion(pairs));
  const same = core.value.every((v, i) => v === naive.value[i]);
  console.log(
    `  per-pixel counting core (confusion.ts, in memory): ${core.ms.toFixed(0)} ms vs reference loop ${naive.ms.toFixed(0)} ms: ${(naive.ms / core.ms).toFixed(2)}x, counts equal: ${same}`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-eval-'));
  const engine = createEngine({ workspace: join(dir, 'ws'), create: true });
  const client = createClient(inProcessTransport({ dispatch: engine.dispatch, subscribe: (l) => engine.events.subscribe(l) }));
  try {
    const seeded = time(() => seedStore(engine, pairs));
    const { datasetId, runId, imageIds } = seeded.value;
    console.log(`  (stored ${IMAGES} GT + prediction label maps as RLE in ${seeded.ms.toFixed(0)} ms)`);
    const sampleIds = imageIds.map((id) => engineInternals(engine).repos.images.semanticSampleId(id)!);

    const evaluated = await timeAsync(async () => {
      const { jobId } = await client.call('metrics.evaluate', { datasetId, runId });
      await finish(client, jobId);
      return client.call('metrics.scores', { datasetId, runId });
    });
    const reference = time(() => semanticScoresFromConfusion(referenceFromStore(engine, runId, sampleIds), C));
    const agree = Math.abs((evaluated.value.semantic?.miou ?? NaN) - (reference.value.miou ?? NaN)) < 1e-12;
    console.log(
      `  whole evaluation (SQLite RLE -> metric rows -> SQL aggregate): ${evaluated.ms.toFixed(0)} ms (target < 2000 ms) vs reference ${reference.ms.toFixed(0)} ms: ${(reference.ms / evaluated.ms).toFixed(2)}x; mIoU ${evaluated.value.semantic?.miou?.toFixed(6)} agrees: ${agree}`,
    );

    const subset = imageIds.filter((_, i) => i % 5 === 0);
    await client.call('tags.apply', { tag: 'every-fifth', imageIds: subset });
    await client.call('metrics.scores', { datasetId, runId, subset: 'every-fifth' }); // warm the statements
    const rescoring = await timeAsync(() => client.call('metrics.scores', { datasetId, runId, subset: 'every-fifth' }));
    const rescoreRef = time(() =>
      semanticScoresFromConfusion(
        referenceFromStore(
          engine,
          runId,
          subset.map((id) => engineInternals(engine).repos.images.semanticSampleId(id)!),
        ),
        C,
      ),
    );
    console.log(
      `  re-scoring a subset of ${subset.length} images from stored rows (no pixels): ${rescoring.ms.toFixed(1)} ms vs recomputing it from pixels ${rescoreRef.ms.toFixed(0)} ms: ${(rescoreRef.ms / rescoring.ms).toFixed(1)}x; agrees: ${Math.abs((rescoring.value.semantic?.miou ?? NaN) - (rescoreRef.value.miou ?? NaN)) < 1e-12}`,
    );
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchEval();
