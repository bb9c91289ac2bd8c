/**
 * Folder import benchmark (issue 12): 20,000 small images (64x48, half JPEG, half PNG) with
 * VOC-like palette mask PNGs (a few class regions and a 255 border), imported with
 * `datasets.importFolder` through the engine in a child process, so the peak RSS printed
 * (getrusage maxrss) is the import's own. The files are generated once into a cache folder under
 * the OS temp dir (generation is not measured). Targets: >= 1,000 images/s and <= 300 MB peak RSS.
 * Run with `npm run bench -- import-folder` or `npx tsx bench/importFolder.ts`;
 * `--cpu-prof` writes a V8 CPU profile of the import into the cache folder.
 */
import './builtWorkers';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createClient, inProcessTransport, type TesseraClient } from '../src/shared';
import { createEngine } from '../src/main/engine/engine';
import { writePalettePng } from '../src/main/engine/masks/png';

const IMAGES = 20_000;
const W = 64;
const H = 48;
const CLASSES = 20;
const TARGET_RATE = 1000;
const TARGET_MB = 300;
const CACHE = join(tmpdir(), 'tessera-bench-folder-v1');

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

function palette(): Array<[number, number, number]> {
  return Array.from({ length: 256 }, (_, i) => [(i * 37) & 255, (i * 91) & 255, (i * 151) & 255] as [number, number, number]);
}

/** A label map: background, 1-3 rectangles and an ellipse of random classes, a 255 outline round the ellipse. */
function labelMap(rand: () => number): Uint8Array {
  const m = new Uint8Array(W * H);
  const parts = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < parts; k++) {
    const c = 1 + Math.floor(rand() * CLASSES);
    const x0 = Math.floor(rand() * W * 0.7);
    const y0 = Math.floor(rand() * H * 0.7);
    const x1 = Math.min(W, x0 + 4 + Math.floor(rand() * W * 0.5));
    const y1 = Math.min(H, y0 + 4 + Math.floor(rand() * H * 0.5));
    for (let y = y0; y < y1; y++) m.fill(c, y * W + x0, y * W + x1);
  }
  const c = 1 + Math.floor(rand() * CLASSES);
  const cx = rand() * W;
  const cy = rand() * H;
  const rx = 5 + rand() * 15;
  const ry = 5 + rand() * 12;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
      if (d <= 1) m[y * W + x] = c;
      else if (d <= 1.3) m[y * W + x] = 255;
    }
  }
  return m;
}

function imagePixels(rand: () => number, labels: Uint8Array): Buffer {
  const px = Buffer.alloc(W * H * 3);
  const base = [rand() * 200, rand() * 200, rand() * 200];
  for (let i = 0; i < W * H; i++) {
    const l = labels[i] as number;
    for (let c = 0; c < 3; c++) px[i * 3 + c] = ((base[c] as number) + l * (17 + c * 13) + ((i * (c + 3)) % 29)) & 255;
  }
  return px;
}

async function generate(): Promise<{ images: string; masks: string }> {
  const images = join(CACHE, 'images');
  const masks = join(CACHE, 'masks');
  const marker = join(CACHE, 'complete');
  if (existsSync(marker)) return { images, masks };
  rmSync(CACHE, { recursive: true, force: true });
  mkdirSync(images, { recursive: true });
  mkdirSync(masks, { recursive: true });
  const t0 = performance.now();
  const rand = random(2012);
  const pal = palette();
  const jobs: Array<Promise<void>> = [];
  for (let i = 0; i < IMAGES; i++) {
    const stem = `img_${String(i).padStart(5, '0')}`;
    const labels = labelMap(rand);
    const px = imagePixels(rand, labels);
    writeFileSync(join(masks, `${stem}.png`), writePalettePng(labels, W, H, pal));
    const pipeline = sharp(px, { raw: { width: W, height: H, channels: 3 } });
    const jpeg = i % 2 === 0;
    jobs.push(
      (jpeg ? pipeline.jpeg({ quality: 90 }) : pipeline.png())
        .toFile(join(images, `${stem}.${jpeg ? 'jpg' : 'png'}`))
        .then(() => undefined),
    );
    if (jobs.length >= 16) await Promise.all(jobs.splice(0));
  }
  await Promise.all(jobs);
  writeFileSync(marker, `${IMAGES}\n`);
  console.log(`  (generated ${IMAGES} images ${W}x${H} + palette masks in ${CACHE} in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  return { images, masks };
}

interface PhaseReport {
  ms: number;
  idleMiB: number;
  peakMiB: number;
  stages: Record<string, number>;
  result: Record<string, unknown>;
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

/** The measured child: a fresh workspace, one folder import, then the process's peak RSS. */
async function phaseMain(images: string, masks: string, ws: string): Promise<void> {
  const idleMiB = process.memoryUsage().rss / 2 ** 20;
  const engine = createEngine({ workspace: ws, create: true });
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
  const { jobId } = await client.call('datasets.importFolder', { dir: images, masksDir: masks, name: 'bench' });
  const result = await finish(client, jobId);
  const ms = performance.now() - start;
  stages[stage] = (stages[stage] ?? 0) + performance.now() - since;
  await engine.close();
  const report: PhaseReport = { ms, idleMiB, peakMiB: process.resourceUsage().maxRSS / 1024, stages, result };
  process.stdout.write(`${JSON.stringify({ ...report, result: { ...result, skipped: (result.skipped as unknown[]).length } })}\n`);
}

export async function benchImportFolder(): Promise<void> {
  console.log(`import folder (${IMAGES} images ${W}x${H}, JPEG and PNG, palette masks):`);
  const { images, masks } = await generate();
  const ws = join(CACHE, 'ws');
  rmSync(ws, { recursive: true, force: true });
  const prof = process.argv.includes('--cpu-prof') ? ['--cpu-prof', '--cpu-prof-dir', join(CACHE, 'prof')] : [];
  const r = spawnSync(process.execPath, [...prof, '--import', 'tsx', fileURLToPath(import.meta.url), '--phase', images, masks, ws], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  rmSync(ws, { recursive: true, force: true });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`import folder bench failed: ${r.stderr}`);
  const report = JSON.parse(line) as PhaseReport;
  const s = report.ms / 1000;
  const rate = IMAGES / s;
  const mb = (report.peakMiB * 2 ** 20) / 1e6;
  const stages = Object.entries(report.stages)
    .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
    .join(', ');
  console.log(
    `  engine from source (tsx workers): ${s.toFixed(1)} s = ${rate.toFixed(0)} images/s (target >= ${TARGET_RATE}: ${rate >= TARGET_RATE ? 'met' : 'NOT met'}), ` +
      `peak RSS ${mb.toFixed(0)} MB (target <= ${TARGET_MB}: ${mb <= TARGET_MB ? 'met' : 'NOT met'}; idle ${((report.idleMiB * 2 ** 20) / 1e6).toFixed(0)} MB)`,
  );
  console.log(`  stages: ${stages}; result: ${JSON.stringify(report.result)}`);
  if (prof.length > 0) console.log(`  CPU profile in ${join(CACHE, 'prof')}`);
  benchCli(images, masks);
}

/**
 * The same import as a user runs it: the built CLI (out/, `npm run build` first), whose pool
 * workers are the bundled poolWorker.js rather than TypeScript loaded through tsx (about 60 MB
 * less per worker). Wall time includes the process start; peak RSS from getrusage at exit.
 */
function benchCli(images: string, masks: string): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  if (!existsSync(join(root, 'out', 'node', 'cli.js'))) {
    console.log('  (no out/node/cli.js: run npm run build to measure the built CLI too)');
    return;
  }
  const ws = join(CACHE, 'ws-cli');
  rmSync(ws, { recursive: true, force: true });
  const cli = join(root, 'bin', 'tessera.js');
  spawnSync(process.execPath, [cli, '--workspace', ws, 'init'], { encoding: 'utf8' });
  const hook = `data:text/javascript,process.on('exit',()=>process.stderr.write('MAXRSS '+process.resourceUsage().maxRSS+'\\n'))`;
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    ['--import', hook, cli, '--workspace', ws, 'import', 'folder', images, '--masks', masks, '--name', 'bench'],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    },
  );
  const s = (performance.now() - t0) / 1000;
  rmSync(ws, { recursive: true, force: true });
  const kb = Number(/MAXRSS (\d+)/.exec(r.stderr)?.[1] ?? NaN);
  if (r.status !== 0 || !Number.isFinite(kb)) throw new Error(`built CLI import failed: ${r.stderr}`);
  const rate = IMAGES / s;
  const mb = (kb * 1024) / 1e6;
  console.log(
    `  built CLI (tessera import folder, process start included): ${s.toFixed(1)} s = ${rate.toFixed(0)} images/s (target >= ${TARGET_RATE}: ${rate >= TARGET_RATE ? 'met' : 'NOT met'}), ` +
      `peak RSS ${mb.toFixed(0)} MB (target <= ${TARGET_MB}: ${mb <= TARGET_MB ? 'met' : 'NOT met'})`,
  );
}

const phaseAt = process.argv.indexOf('--phase');
if (phaseAt > 0) await phaseMain(process.argv[phaseAt + 1] ?? '', process.argv[phaseAt + 2] ?? '', process.argv[phaseAt + 3] ?? '');
else if (import.meta.url === `file://${process.argv[1]}`) await benchImportFolder();
