/**
 * Annotation benchmark (issue 6, Annotate): a 4096x4096 label map with 12 class regions.
 *  1. annotations.applyEdit of one brush stroke (a 72x40 box) through the engine (SQLite, RLE versions,
 *     history row), against the straightforward way in the same process: paint the whole label map
 *     from its RLEs, paste the box, re-encode every class;
 *  2. annotations.undo of that stroke;
 *  3. the canvas's raster core: rasterizeStroke (60 points, radius 16) and floodFill of a 2048x2048
 *     region, against per-pixel loops over the whole image.
 * Run with `npm run bench` (bench/index.ts) or `npx tsx bench/annotate.ts`.
 */
import './builtWorkers';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { encode } from 'fast-png';
import { createClient, inProcessTransport, ImportResult, type TesseraClient, type JobFinished } from '../src/shared';
import { createEngine } from '../src/main/engine/engine';
import { labelMapToRles, paintLabelMap } from '../src/main/engine/masks';
import { rasterizeStroke } from '../src/renderer/canvas/tools/raster/stroke';
import { floodFill } from '../src/renderer/canvas/tools/raster/floodFill';
import { engineInternals } from '../src/main/engine/internals';

const S = 4096;

function labelMap(): Uint8Array {
  const labels = new Uint8Array(S * S);
  for (let c = 1; c <= 12; c++) {
    const x0 = ((c * 613) % 3000) + 100;
    const y0 = ((c * 997) % 3000) + 100;
    for (let y = y0; y < y0 + 800; y++) labels.fill(c, y * S + x0, y * S + x0 + 700);
  }
  return labels;
}

async function finish(client: TesseraClient, start: () => Promise<{ jobId: string }>): Promise<JobFinished> {
  return new Promise((resolve, reject) => {
    let id: string | null = null;
    const off = client.on('job.finished', (f) => {
      if (f.jobId === id) {
        off();
        resolve(f);
      }
    });
    start().then((r) => (id = r.jobId), reject);
  });
}

function time(fn: () => void, runs: number): number {
  fn();
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) fn();
  return (performance.now() - t0) / runs;
}

async function timeAsync(fn: () => Promise<void>, runs: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await fn();
  return (performance.now() - t0) / runs;
}

function line(name: string, ours: number, baseline: number): void {
  console.log(
    `  ${name.padEnd(44)} ${ours.toFixed(2).padStart(9)} ms   baseline ${baseline.toFixed(2).padStart(9)} ms   x${(baseline / ours).toFixed(1)}`,
  );
}

export async function benchAnnotate(): Promise<void> {
  console.log(`annotate: ${S}x${S} label map, 12 classes`);
  const root = mkdtempSync(join(tmpdir(), 'tessera-bench-annotate-'));
  try {
    mkdirSync(join(root, 'images'));
    mkdirSync(join(root, 'masks'));
    await sharp({ create: { width: S, height: S, channels: 3, background: { r: 90, g: 90, b: 90 } } })
      .png({ compressionLevel: 1 })
      .toFile(join(root, 'images', 'big.png'));
    const labels = labelMap();
    writeFileSync(join(root, 'masks', 'big.png'), encode({ width: S, height: S, data: labels, channels: 1, depth: 8 }));
    const engine = createEngine({ workspace: join(root, 'ws'), create: true });
    const client = createClient(inProcessTransport({ dispatch: engine.dispatch, subscribe: (l) => engine.events.subscribe(l) }));
    const done = await finish(client, () =>
      client.call('datasets.importFolder', { dir: join(root, 'images'), masksDir: join(root, 'masks') }),
    );
    const { datasetId } = ImportResult.parse(done.result);
    const imageId = (await client.call('images.page', { datasetId })).items[0]?.id as number;

    // One brush stroke across the edge of class 1: a 72x40 box, class 1 painted over part of it.
    const box = { x: 700 + 613 - 36, y: 997 + 100 + 300, w: 72, h: 40 };
    let current = labels.slice();
    let flip = 0;
    const edit = async (): Promise<void> => {
      const before: number[] = [];
      for (let y = box.y; y < box.y + box.h; y++) for (let x = box.x; x < box.x + box.w; x++) before.push(current[y * S + x] as number);
      const value = flip++ % 2 === 0 ? 5 : 1;
      const after = before.map((v, i) => (Math.hypot((i % box.w) - 36, Math.floor(i / box.w) - 20) < 18 ? value : v));
      const { revision } = await client.call('annotations.get', { imageId });
      await client.call('annotations.applyEdit', { imageId, baseRevision: revision, patch: { ...box, before, after } });
      let k = 0;
      for (let y = box.y; y < box.y + box.h; y++) for (let x = box.x; x < box.x + box.w; x++) current[y * S + x] = after[k++] as number;
    };
    await edit();
    const ours = await timeAsync(edit, 10);
    const sampleId = engineInternals(engine).repos.images.semanticSampleId(imageId) as number;
    const regions = engineInternals(engine).repos.annotations.currentForSample(sampleId);
    const baseline = time(() => {
      const map = paintLabelMap(regions, S, S);
      for (let y = box.y; y < box.y + box.h; y++) map.fill(5, y * S + box.x, y * S + box.x + box.w);
      labelMapToRles(map, S, S);
    }, 3);
    line('applyEdit (72x40 stroke)', ours, baseline);
    const undo = await timeAsync(async () => {
      await client.call('annotations.undo', { imageId });
    }, 10);
    line('undo', undo, baseline);
    current = new Uint8Array((await engine.blobs.read({ kind: 'labelmap', imageId, source: 'gt' })).bytes);
    await engine.close();

    const points = Array.from({ length: 60 }, (_, i) => ({ x: 1000 + i * 10, y: 2000 + Math.sin(i / 10) * 300 }));
    const stroke = time(() => void rasterizeStroke(points, 16, S, S), 5);
    const naiveStroke = time(() => {
      // Every pixel of the stroke's bounding box against every segment.
      const out = new Uint8Array(S * S);
      for (let y = 1684; y < 2316; y++)
        for (let x = 984; x < 1606; x++)
          for (let i = 1; i < points.length; i++) {
            const a = points[i - 1]!;
            const b = points[i]!;
            const dx = b.x - a.x;
            const dy = b.y - a.y;
            const t = Math.max(0, Math.min(1, ((x + 0.5 - a.x) * dx + (y + 0.5 - a.y) * dy) / (dx * dx + dy * dy)));
            if (Math.hypot(x + 0.5 - a.x - t * dx, y + 0.5 - a.y - t * dy) <= 16) {
              out[y * S + x] = 1;
              break;
            }
          }
    }, 1);
    line('rasterizeStroke (60 points, r 16)', stroke, naiveStroke);

    const fillMap = new Uint8Array(S * S);
    for (let y = 0; y < S; y++) fillMap[y * S + 2048] = 1;
    for (let x = 0; x < S; x++) fillMap[2048 * S + x] = 1;
    const fill = time(() => void floodFill(fillMap, S, S, 10, 10), 5);
    const naiveFill = time(() => {
      // Breadth-first over single pixels with a plain array queue.
      const seen = new Uint8Array(S * S);
      const queue = [10 * S + 10];
      seen[10 * S + 10] = 1;
      for (let q = 0; q < queue.length; q++) {
        const p = queue[q]!;
        const x = p % S;
        for (const n of [p - S, p + S, x > 0 ? p - 1 : -1, x < S - 1 ? p + 1 : -1]) {
          if (n >= 0 && n < S * S && seen[n] === 0 && fillMap[n] === 0) {
            seen[n] = 1;
            queue.push(n);
          }
        }
      }
    }, 1);
    line('floodFill (2048x2048 region)', fill, naiveFill);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchAnnotate();
