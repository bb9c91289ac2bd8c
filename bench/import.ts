/**
 * Import benchmark (issue 3): a COCO-val-sized instances JSON (5,000 images of 640x480, ~36,000
 * instances: polygons, compressed RLE and crowd RLE) generated in a temp dir, imported through the
 * engine (streamed JSON, validation, probing every image, one transaction), beside a baseline in the
 * same process: JSON.parse of the whole file + encoding the same segmentations with no store.
 * Then RLE encode/decode throughput against straightforward per-pixel code written here.
 * Run with `npm run bench` (bench/index.ts) or `npx tsx bench/import.ts`.
 */
import './builtWorkers';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createClient, inProcessTransport, type TesseraClient } from '../src/shared';
import { createEngine } from '../src/main/engine/engine';
import { segmentationToRle } from '../src/main/engine/datasets/cocoReader';
import { decodeMask, encodeMask, rleFromUncompressed } from '../src/main/engine/masks';

const IMAGES = 5000;
const W = 640;
const H = 480;
const CATEGORIES = 80;

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

/** A star-shaped polygon of n points around (cx, cy): COCO-like outlines of 8..40 points. */
function polygon(rand: () => number, cx: number, cy: number, r: number): number[] {
  const n = 8 + Math.floor(rand() * 32);
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const a = (2 * Math.PI * k) / n;
    const rr = r * (0.6 + 0.4 * rand());
    out.push(
      Math.round(Math.min(W - 1, Math.max(0, cx + rr * Math.cos(a))) * 100) / 100,
      Math.round(Math.min(H - 1, Math.max(0, cy + rr * Math.sin(a))) * 100) / 100,
    );
  }
  return out;
}

/** Column-major counts of a random ellipse, computed per column (fast: no pixel loop). */
function ellipseCounts(rand: () => number): number[] {
  const cx = rand() * W;
  const cy = rand() * H;
  const rx = 10 + rand() * 80;
  const ry = 10 + rand() * 60;
  const counts: number[] = [];
  let zeros = 0;
  for (let x = 0; x < W; x++) {
    const t = 1 - ((x - cx) / rx) ** 2;
    const half = t > 0 ? ry * Math.sqrt(t) : -1;
    const y0 = Math.max(0, Math.ceil(cy - half));
    const y1 = Math.min(H, Math.floor(cy + half) + 1);
    if (half < 0 || y1 <= y0) {
      zeros += H;
      continue;
    }
    counts.push(zeros + y0, y1 - y0);
    zeros = H - y1;
  }
  counts.push(zeros);
  return counts;
}

function ellipseMask(rand: () => number): Uint8Array {
  const m = new Uint8Array(W * H);
  const cx = rand() * W;
  const cy = rand() * H;
  const rx = 10 + rand() * 80;
  const ry = 10 + rand() * 60;
  for (let y = Math.max(0, Math.floor(cy - ry)); y < Math.min(H, cy + ry); y++) {
    for (let x = Math.max(0, Math.floor(cx - rx)); x < Math.min(W, cx + rx); x++)
      if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1) m[y * W + x] = 1;
  }
  return m;
}

/** Uncompressed column-major counts, the iscrowd form. */
function naiveCounts(mask: Uint8Array, h: number, w: number): number[] {
  const counts: number[] = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      const v = mask[y * w + x] === 0 ? 0 : 1;
      if (v !== current) {
        counts.push(run);
        run = 0;
        current = v;
      }
      run++;
    }
  }
  counts.push(run);
  return counts;
}

/** The plain per-pixel compressed-string encoder (maskApi.c rleToString, one pixel at a time). */
function naiveEncode(mask: Uint8Array, h: number, w: number): string {
  const cnts = naiveCounts(mask, h, w);
  let s = '';
  for (let i = 0; i < cnts.length; i++) {
    let x = cnts[i] as number;
    if (i > 2) x -= cnts[i - 2] as number;
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5;
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

function naiveDecode(counts: string, h: number, w: number): Uint8Array {
  const cnts: number[] = [];
  let p = 0;
  while (p < counts.length) {
    let x = 0;
    let k = 0;
    let more = 1;
    while (more) {
      const c = counts.charCodeAt(p) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = c & 0x20;
      p++;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (cnts.length > 2) x += cnts[cnts.length - 2] as number;
    cnts.push(x);
  }
  const out = new Uint8Array(h * w);
  let pos = 0;
  let v = 0;
  for (const n of cnts) {
    for (let t = 0; t < n; t++, pos++) if (v === 1) out[(pos % h) * w + Math.floor(pos / h)] = 1;
    v ^= 1;
  }
  return out;
}

/** One PNG, then distinct files (a tEXt chunk with the index before IEND) so every image hashes differently. */
async function writeImages(dir: string): Promise<void> {
  const png = await sharp({ create: { width: W, height: H, channels: 3, background: { r: 90, g: 110, b: 130 } } })
    .png()
    .toBuffer();
  const iend = png.length - 12;
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer): number => {
    let c = 0xffffffff;
    for (const x of b) c = (crcTable[(c ^ x) & 0xff] as number) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  for (let i = 0; i < IMAGES; i++) {
    const body = Buffer.concat([Buffer.from('tEXt'), Buffer.from(`Comment\0image ${i}`)]);
    const chunk = Buffer.alloc(body.length + 8);
    chunk.writeUInt32BE(body.length - 4, 0);
    body.copy(chunk, 4);
    chunk.writeUInt32BE(crc(body), body.length + 4);
    writeFileSync(join(dir, `${String(i).padStart(12, '0')}.png`), Buffer.concat([png.subarray(0, iend), chunk, png.subarray(iend)]));
  }
}

function generateInstances(file: string): { instances: number } {
  const rand = random(2017);
  const images = Array.from({ length: IMAGES }, (_, i) => ({
    id: i + 1,
    file_name: `${String(i).padStart(12, '0')}.png`,
    width: W,
    height: H,
  }));
  const categories = Array.from({ length: CATEGORIES }, (_, i) => ({ id: i + 1 + Math.floor(i / 10), name: `category_${i}` }));
  const annotations: unknown[] = [];
  let id = 1;
  for (const image of images) {
    const n = 2 + Math.floor(rand() * 11); // 7.2 on average, like COCO val2017 (36,781 / 5,000)
    for (let k = 0; k < n; k++) {
      const category = categories[Math.floor(rand() * CATEGORIES)]?.id;
      const kind = rand();
      let segmentation: unknown;
      let iscrowd = 0;
      if (kind < 0.85) {
        const parts = rand() < 0.2 ? 2 : 1;
        segmentation = Array.from({ length: parts }, () => polygon(rand, rand() * W, rand() * H, 10 + rand() * 90));
      } else if (kind < 0.95) {
        segmentation = rleFromUncompressed({ size: [H, W], counts: ellipseCounts(rand) });
      } else {
        segmentation = { size: [H, W], counts: ellipseCounts(rand) };
        iscrowd = 1;
      }
      annotations.push({ id: id++, image_id: image.id, category_id: category, segmentation, iscrowd, area: 0, bbox: [0, 0, 0, 0] });
    }
  }
  writeFileSync(file, JSON.stringify({ info: { description: 'tessera bench' }, images, annotations, categories }));
  return { instances: annotations.length };
}

interface PhaseReport {
  ms: number;
  /** RSS once modules are loaded, before the work, and the process's peak (getrusage maxrss). */
  idleMiB: number;
  peakMiB: number;
  stages?: Record<string, number>;
  result?: Record<string, unknown>;
}

/**
 * Each measured phase runs in its own Node process, so its peak RSS is its own: the import and the
 * baseline are not charged for the generator's memory or for each other's.
 */
function runPhase(phase: 'import' | 'baseline', dir: string): PhaseReport {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--phase', phase, dir], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`bench phase ${phase} failed: ${r.stderr}`);
  return JSON.parse(line) as PhaseReport;
}

async function phaseMain(phase: string, dir: string): Promise<void> {
  const file = join(dir, 'instances_val2017.json');
  const imagesDir = join(dir, 'val2017');
  const idleMiB = process.memoryUsage().rss / 2 ** 20;
  const t0 = performance.now();
  let report: PhaseReport;
  if (phase === 'baseline') {
    // The whole document in memory + the same segmentation encoding; no validation, no image probing, no store.
    const doc = JSON.parse(readFileSync(file, 'utf8')) as {
      images: Array<{ id: number; width: number; height: number; file_name: string }>;
      annotations: Array<{ image_id: number; segmentation: unknown }>;
    };
    const byId = new Map(doc.images.map((i) => [i.id, i]));
    let n = 0;
    for (const a of doc.annotations) {
      const img = byId.get(a.image_id);
      if (img === undefined) continue;
      segmentationToRle(a.segmentation, { id: img.id, fileName: img.file_name, width: img.width, height: img.height });
      n++;
    }
    report = { ms: performance.now() - t0, idleMiB, peakMiB: 0, result: { instances: n } };
  } else {
    const engine = createEngine({ workspace: join(dir, 'ws'), create: true });
    const client = createClient(inProcessTransport({ dispatch: engine.dispatch, subscribe: (l) => engine.events.subscribe(l) }));
    const stages: Record<string, number> = {};
    let stage = '';
    let since = performance.now();
    client.on('job.progress', (p) => {
      if (p.stage === stage) return;
      const now = performance.now();
      if (stage !== '') stages[stage] = (stages[stage] ?? 0) + now - since;
      stage = p.stage;
      since = now;
    });
    const start = performance.now();
    const { jobId } = await client.call('datasets.importCoco', { annotations: file, imagesDir });
    const result = await finish(client, jobId);
    stages[stage] = (stages[stage] ?? 0) + performance.now() - since;
    report = { ms: performance.now() - start, idleMiB, peakMiB: 0, stages, result };
    await engine.close();
  }
  report.peakMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function finish(client: TesseraClient, jobId: string): Promise<Record<string, unknown>> {
  return new Promise((resolveDone, reject) => {
    const off = client.on('job.finished', (f) => {
      if (f.jobId !== jobId) return;
      off();
      if (f.status === 'succeeded') resolveDone(f.result ?? {});
      else reject(new Error(f.error?.message ?? f.status));
    });
  });
}

function benchRle(): void {
  const rand = random(7);
  const masks = Array.from({ length: 200 }, () => ellipseMask(rand));
  const enc = withTiming(() => masks.map((m) => encodeMask(m, H, W).counts));
  const encNaive = withTiming(() => masks.map((m) => naiveEncode(m, H, W)));
  const same = enc.value.every((s, i) => s === encNaive.value[i]);
  const mpix = (masks.length * W * H) / 1e6;
  console.log(
    `  RLE encode ${W}x${H}: ${(mpix / (enc.ms / 1000)).toFixed(0)} Mpx/s vs naive per-pixel ${(mpix / (encNaive.ms / 1000)).toFixed(0)} Mpx/s: ${(encNaive.ms / enc.ms).toFixed(1)}x; identical strings: ${same}`,
  );
  const dec = withTiming(() => enc.value.map((c) => decodeMask({ size: [H, W], counts: c })));
  const decNaive = withTiming(() => enc.value.map((c) => naiveDecode(c, H, W)));
  const sameDec = dec.value.every((m, i) => Buffer.from(m).equals(Buffer.from(decNaive.value[i] as Uint8Array)));
  console.log(
    `  RLE decode ${W}x${H}: ${(mpix / (dec.ms / 1000)).toFixed(0)} Mpx/s vs naive per-pixel ${(mpix / (decNaive.ms / 1000)).toFixed(0)} Mpx/s: ${(decNaive.ms / dec.ms).toFixed(1)}x; identical masks: ${sameDec}`,
  );
}

function withTiming<T>(fn: () => T): { value: T; ms: number } {
  fn(); // warm-up
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}

export async function benchImport(): Promise<void> {
  console.log('import (COCO instances, streamed):');
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-import-'));
  try {
    const imagesDir = join(dir, 'val2017');
    mkdirSync(imagesDir);
    const t0 = performance.now();
    await writeImages(imagesDir);
    const file = join(dir, 'instances_val2017.json');
    const { instances } = generateInstances(file);
    const sizeMiB = readFileSync(file).length / 2 ** 20;
    console.log(
      `  (generated ${IMAGES} images ${W}x${H} and ${instances} instances, ${sizeMiB.toFixed(1)} MiB JSON, in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );

    const imported = runPhase('import', dir);
    const baseline = runPhase('baseline', dir);
    const s = imported.ms / 1000;
    const stages = Object.entries(imported.stages ?? {})
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
      .join(', ');
    console.log(
      `  tessera import coco: ${s.toFixed(1)} s = ${(IMAGES / s).toFixed(0)} images/s, ${(instances / s).toFixed(0)} instances/s, peak RSS ${imported.peakMiB.toFixed(0)} MiB (idle ${imported.idleMiB.toFixed(0)} MiB); stages: ${stages}`,
    );
    console.log(
      `  baseline JSON.parse + encode only (no validation, probe or store): ${(baseline.ms / 1000).toFixed(1)} s = ${(instances / (baseline.ms / 1000)).toFixed(0)} instances/s, peak RSS ${baseline.peakMiB.toFixed(0)} MiB (idle ${baseline.idleMiB.toFixed(0)} MiB); import/baseline time ${(imported.ms / baseline.ms).toFixed(2)}x`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  benchRle();
}

const phaseAt = process.argv.indexOf('--phase');
if (phaseAt > 0) await phaseMain(process.argv[phaseAt + 1] ?? '', process.argv[phaseAt + 2] ?? '');
else if (import.meta.url === `file://${process.argv[1]}`) await benchImport();
