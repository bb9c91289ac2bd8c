// The node part of gpu-check.sh: prints ONE JSON report on stdout (progress goes to stderr).
// Built into the GPU bundle as app/gpu/check.mjs (tools/gpu/bundle.mjs); runs with the bundled Node.js.
//   node app/gpu/check.mjs [--app DIR] [--images N] [--no-bench] [--out FILE] [--self-test-provider cpu]
// Exit codes: 0 CUDA used and every check passed; 1 a check failed; 3 CUDA not usable (the report says why).
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { TOY_GENERATORS, toyFiles, writeToys, type ToyModel } from '../toy-models/index';
import { createEngine } from '../../src/main/engine/engine';
import { applyCudaFloatPolicy } from '../../src/main/engine/models/inference/cudaFloat';
import { decodeRgb, imageToTensor, type RgbImage } from '../../src/main/engine/models/preprocess';
import { camToPseudoLabel, presentClassesFromLogits } from '../../src/shared/pure/pseudoLabel';
import { createClient, inProcessTransport, ModelManifest, type TesseraClient } from '../../src/shared';

const TOLERANCE = 1e-3;
const THROUGHPUT_TARGET = 1.05;
const PROVIDER_FILES = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'];
const CUDA_LIBS: Record<string, RegExp> = {
  cudart: /^libcudart\.so(\.\d+)*$/,
  cublas: /^libcublas\.so(\.\d+)*$/,
  cublasLt: /^libcublasLt\.so(\.\d+)*$/,
  cudnn: /^libcudnn\.so(\.\d+)*$/,
  cufft: /^libcufft\.so(\.\d+)*$/,
  curand: /^libcurand\.so(\.\d+)*$/,
  driver: /^libcuda\.so(\.\d+)*$/,
};

/**
 * The provider compared against the CPU: CUDA, or the CPU itself with --self-test-provider cpu, which
 * runs this script's whole CUDA path on a machine without a GPU (a test of the script, not of CUDA).
 */
let target: 'cuda' | 'cpu' = 'cuda';

interface Options {
  app: string;
  images: number;
  bench: boolean;
  out: string | null;
}

function parseArgs(argv: readonly string[]): Options {
  const here = dirname(fileURLToPath(import.meta.url));
  const opts: Options = { app: resolve(here, '..'), images: 64, bench: true, out: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--app') opts.app = resolve(argv[++i] ?? '.');
    else if (a === '--images') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 2) {
        console.error(`error: --images must be an integer >= 2, got ${argv[i]}`);
        process.exit(2);
      }
      opts.images = n;
    } else if (a === '--no-bench') opts.bench = false;
    else if (a === '--self-test-provider') target = argv[++i] === 'cpu' ? 'cpu' : 'cuda';
    else if (a === '--out') opts.out = resolve(argv[++i] ?? 'gpu-report.json');
    else if (a === '--help' || a === '-h') {
      console.error('usage: check.mjs [--app DIR] [--images N] [--no-bench] [--out FILE] [--self-test-provider cpu]');
      process.exit(2);
    } else {
      console.error(`error: unknown argument ${a}`);
      process.exit(2);
    }
  }
  return opts;
}

const progress = (line: string): void => void process.stderr.write(`gpu-check: ${line}\n`);
const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

function run(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? r.stdout : null;
}

// ---- machine, driver, libraries ---------------------------------------------------------------------

function gpuInfo(): Record<string, unknown> {
  const q = run('nvidia-smi', ['--query-gpu=name,driver_version,memory.total,memory.used', '--format=csv,noheader,nounits']);
  if (q === null) return { nvidiaSmi: false, reason: 'nvidia-smi not found or failed (no NVIDIA driver here?)' };
  const gpus = q
    .trim()
    .split('\n')
    .map((line) => {
      const [name, driver, total, used] = line.split(',').map((s) => s.trim());
      return { name, driver, memoryTotalMiB: Number(total), memoryUsedMiB: Number(used) };
    });
  const cuda = /CUDA Version:\s*([\d.]+)/.exec(run('nvidia-smi', []) ?? '')?.[1] ?? null;
  return { nvidiaSmi: true, gpus, driverCudaVersion: cuda };
}

async function gpuMemoryUsedMiB(): Promise<number | null> {
  return new Promise((done) => {
    execFile('nvidia-smi', ['--query-gpu=memory.used', '--format=csv,noheader,nounits'], { timeout: 10_000 }, (err, out) => {
      if (err) return done(null);
      done(
        out
          .trim()
          .split('\n')
          .reduce((s, l) => s + Number(l), 0),
      );
    });
  });
}

/** Samples GPU memory every 250 ms while `during` runs; returns its result and the peak. */
async function withMemoryPeak<T>(during: () => Promise<T>): Promise<{ value: T; peakMiB: number | null }> {
  let peak: number | null = null;
  let live = true;
  const sampler = (async () => {
    while (live) {
      const used = await gpuMemoryUsedMiB();
      if (used === null) return;
      peak = Math.max(peak ?? 0, used);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  try {
    return { value: await during(), peakMiB: peak };
  } finally {
    live = false;
    await sampler;
  }
}

function ldconfigLibs(): Map<string, string> {
  const libs = new Map<string, string>();
  const out = run('ldconfig', ['-p']) ?? run('/sbin/ldconfig', ['-p']) ?? '';
  for (const line of out.split('\n')) {
    const m = /^\s*(\S+) \(([^)]*)\) => (\S+)/.exec(line);
    if (m && m[2]!.includes('x86-64') && !libs.has(m[1]!)) libs.set(m[1]!, m[3]!);
  }
  return libs;
}

/** A library's version from its file name, a cudnn_version.h or pip's dist-info folder next to it. */
function libVersion(key: string, file: string): string | null {
  const fromName = /\.so\.(\d+(?:\.\d+)*)$/.exec(basename(file))?.[1];
  const dir = dirname(file);
  if (key === 'cudnn') {
    for (const header of [
      join(dir, '..', 'include', 'cudnn_version.h'),
      '/usr/include/cudnn_version.h',
      '/usr/include/x86_64-linux-gnu/cudnn_version_v9.h',
    ]) {
      if (!existsSync(header)) continue;
      const text = readFileSync(header, 'utf8');
      const part = (n: string): string | undefined => new RegExp(`#define CUDNN_${n}\\s+(\\d+)`).exec(text)?.[1];
      if (part('MAJOR') !== undefined) return `${part('MAJOR')}.${part('MINOR')}.${part('PATCHLEVEL')}`;
    }
  }
  // pip: site-packages/nvidia/<name>/lib/<file> with site-packages/nvidia_<name>_cu13-<version>.dist-info
  const site = resolve(dir, '..', '..', '..');
  if (basename(resolve(dir, '..', '..')) === 'nvidia' && existsSync(site)) {
    const wanted = { cudart: 'cuda_runtime', cublas: 'cublas', cublasLt: 'cublas', cudnn: 'cudnn', cufft: 'cufft', curand: 'curand' }[key];
    const info = readdirSync(site).find((d) => wanted !== undefined && d.startsWith(`nvidia_${wanted}`) && d.endsWith('.dist-info'));
    if (info !== undefined) return `${fromName ?? '?'} (pip ${info.replace(/\.dist-info$/, '')})`;
  }
  return fromName ?? null;
}

function cudaLibraries(ortBin: string): Record<string, unknown> {
  const searched = (process.env['TESSERA_CUDA_LIB_DIRS'] ?? '').split(':').filter((d) => d !== '');
  // Everything on LD_LIBRARY_PATH: the folders gpu-check.sh found first, then any the user had set.
  const dirs = [...new Set([...searched, ...(process.env['LD_LIBRARY_PATH'] ?? '').split(':').filter((d) => d !== '')])];
  const cache = ldconfigLibs();
  const found: Record<string, { path: string; version: string | null; via: string } | null> = {};
  for (const [key, pattern] of Object.entries(CUDA_LIBS)) {
    found[key] = null;
    for (const dir of dirs) {
      // The most specific name (libcudart.so.13 over a libcudart.so development link).
      const file = existsSync(dir)
        ? readdirSync(dir)
            .filter((f) => pattern.test(f))
            .sort((a, b) => b.length - a.length)[0]
        : undefined;
      if (file !== undefined) {
        found[key] = { path: join(dir, file), version: libVersion(key, join(dir, file)), via: 'LD_LIBRARY_PATH' };
        break;
      }
    }
    if (found[key] === null) {
      const name = [...cache.keys()].find((n) => pattern.test(n));
      if (name !== undefined) found[key] = { path: cache.get(name)!, version: libVersion(key, cache.get(name)!), via: 'ldconfig' };
    }
  }
  // What the CUDA provider itself cannot load, as the dynamic loader sees it with this LD_LIBRARY_PATH.
  const provider = join(ortBin, PROVIDER_FILES[0]!);
  let providerMissing: string[] | null = null;
  if (existsSync(provider)) {
    const ldd = spawnSync('ldd', [provider], { encoding: 'utf8' });
    providerMissing =
      ldd.status === null || ldd.error
        ? null
        : `${ldd.stdout}`
            .split('\n')
            .filter((l) => l.includes('not found'))
            .map((l) => l.trim().split(/\s+/)[0]!);
  }
  return { searchedDirs: searched, ldLibraryPath: process.env['LD_LIBRARY_PATH'] ?? '', found, providerMissingLibraries: providerMissing };
}

// ---- inputs and comparisons --------------------------------------------------------------------------

/** A 160x120 image: red, green, blue and black quadrants with a little seeded noise. */
function sceneImage(width = 160, height = 120): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let seed = 7;
  const noise = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) % 21) - 10;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const q = (y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1);
      const rgb = [
        [235, 0, 0],
        [0, 235, 0],
        [0, 0, 235],
        [10, 10, 10],
      ][q]!;
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = Math.min(255, Math.max(0, rgb[c]! + noise()));
    }
  }
  return { data, width, height };
}

type Feeds = Record<string, ort.Tensor>;
type Outputs = Record<string, { data: Float32Array; dims: readonly number[] }>;

function tensor(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}

/** Deterministic values for an input the toy table below does not know: uniform [0, 1), symbolic dims = 1. */
function genericInput(meta: ort.InferenceSession.ValueMetadata): ort.Tensor {
  const dims = meta.isTensor ? meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1)) : [1];
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  let seed = 11;
  for (let i = 0; i < data.length; i++) data[i] = ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) as number;
  return tensor(data, dims);
}

async function runSession(session: ort.InferenceSession, feeds: Feeds): Promise<Outputs> {
  const out = await session.run(feeds);
  const result: Outputs = {};
  for (const [name, t] of Object.entries(out)) result[name] = { data: Float32Array.from(t.data as Float32Array), dims: t.dims };
  return result;
}

async function timedRuns(session: ort.InferenceSession, feeds: Feeds, runs: number): Promise<{ outputs: Outputs; ms: number }> {
  const outputs = await runSession(session, feeds); // warm-up (CUDA: kernels, cuDNN algorithm search)
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await session.run(feeds);
  return { outputs, ms: (performance.now() - t0) / runs };
}

function argmaxChannels(t: { data: Float32Array; dims: readonly number[] }): Uint8Array {
  const [, c = 1, h = 1, w = 1] = t.dims;
  const out = new Uint8Array(h * w);
  for (let i = 0; i < h * w; i++) {
    let best = 0;
    for (let k = 1; k < c; k++) if (t.data[k * h * w + i]! > t.data[best * h * w + i]!) best = k;
    out[i] = best;
  }
  return out;
}

/** The labels a run would store from these outputs, by model kind (null where the kind has none). */
function labelsOf(toy: ToyModel, file: string, out: Outputs): { rule: string; labels: Uint8Array } | null {
  const m = toy.manifest as unknown as {
    kind: string;
    outputs: Record<string, string>;
    params?: Record<string, unknown>;
    files: { model: string };
  };
  if (file !== m.files.model) return null;
  const params = m.params ?? {};
  if (m.kind === 'semantic-seg') return { rule: 'argmax of logits', labels: argmaxChannels(out[m.outputs['logits']!]!) };
  if (m.kind === 'probability-map') {
    const t = out[Object.values(m.outputs)[0]!]!;
    const logits = params['output_type'] === 'logits';
    const threshold = Number(params['threshold'] ?? 0.5);
    return {
      rule: `probability > ${threshold}`,
      labels: Uint8Array.from(t.data, (v) => ((logits ? 1 / (1 + Math.exp(-v)) : v) > threshold ? 1 : 0)),
    };
  }
  if (m.kind === 'cam') {
    const cam = out[m.outputs['cam']!]!;
    const [, c = 1, h = 1, w = 1] = cam.dims;
    const norm = new Float32Array(cam.data.length);
    for (let k = 0; k < c; k++) {
      let max = 0;
      for (let i = 0; i < h * w; i++) max = Math.max(max, cam.data[k * h * w + i]!);
      for (let i = 0; i < h * w; i++) norm[k * h * w + i] = Math.max(0, cam.data[k * h * w + i]!) / (max + 1e-5);
    }
    const present = presentClassesFromLogits(out[m.outputs['cls_logits']!]!.data);
    const threshold = Number(params['bg_threshold'] ?? 0.5);
    return {
      rule: `ToCo pseudo label (ReLU, max-normalized CAM, cls_logits > 0, background <= ${threshold})`,
      labels: camToPseudoLabel(norm, c, h, w, { present, threshold }),
    };
  }
  if (m.kind === 'prompt-decoder') return { rule: 'masks > 0', labels: Uint8Array.from(out['masks']!.data, (v) => (v > 0 ? 1 : 0)) };
  return null;
}

/** The inputs of each ONNX file of a toy, in the order they must run (a SAM encoder before its decoder). */
function toyFeeds(
  toy: ToyModel,
  img: RgbImage,
): { file: string; feeds: (cpuOutputs: Map<string, Outputs>, meta: readonly ort.InferenceSession.ValueMetadata[]) => Feeds }[] {
  const manifest = ModelManifest.parse(toy.manifest);
  const raw = toy.manifest as unknown as { kind: string; files: Record<string, string>; params?: Record<string, unknown> };
  const image = imageToTensor(img, manifest.input);
  const imageFeeds = (meta: readonly ort.InferenceSession.ValueMetadata[]): Feeds => {
    const feeds: Feeds = {};
    for (const m of meta) {
      if (m.name === manifest.input.tensor) feeds[m.name] = tensor(image.data, image.dims);
      else if (m.name === 'query') {
        const vocabulary = ((raw.params?.['query'] as { vocabulary?: string[] } | undefined)?.vocabulary ?? ['red']).length;
        const q = new Float32Array(vocabulary);
        q[0] = 1;
        feeds[m.name] = tensor(q, [1, vocabulary]);
      } else feeds[m.name] = genericInput(m);
    }
    return feeds;
  };
  if (raw.kind !== 'prompt-decoder') return [{ file: raw.files['model']!, feeds: (_, meta) => imageFeeds(meta) }];
  const encoder = raw.files['encoder']!;
  const s = 1024 / Math.max(img.width, img.height);
  return [
    { file: encoder, feeds: (_, meta) => imageFeeds(meta) },
    {
      file: raw.files['model']!,
      feeds: (cpu, meta) => {
        const feeds: Feeds = {};
        const emb = cpu.get(encoder)!['image_embeddings']!;
        // A click on the red quadrant, one on the blue (negative), SAM's padding point.
        const points = [
          [img.width / 4, img.height / 4, 1],
          [img.width / 4, (3 * img.height) / 4, 0],
        ];
        const coords = new Float32Array([...points.flatMap(([x, y]) => [x! * s, y! * s]), 0, 0]);
        const labels = new Float32Array([...points.map((p) => p[2]!), -1]);
        for (const m of meta) {
          if (m.name === 'image_embeddings') feeds[m.name] = tensor(emb.data, emb.dims);
          else if (m.name === 'point_coords') feeds[m.name] = tensor(coords, [1, labels.length, 2]);
          else if (m.name === 'point_labels') feeds[m.name] = tensor(labels, [1, labels.length]);
          else if (m.name === 'mask_input') feeds[m.name] = tensor(new Float32Array(256 * 256), [1, 1, 256, 256]);
          else if (m.name === 'has_mask_input') feeds[m.name] = tensor(new Float32Array(1), [1]);
          else if (m.name === 'orig_im_size') feeds[m.name] = tensor(new Float32Array([img.height, img.width]), [2]);
          else feeds[m.name] = genericInput(m);
        }
        return feeds;
      },
    },
  ];
}

interface CudaState {
  available: boolean;
  reason: string | null;
}

async function compareModels(dir: string, ids: readonly string[], cuda: CudaState): Promise<Record<string, unknown>[]> {
  const img = sceneImage();
  const results: Record<string, unknown>[] = [];
  mkdirSync(dir, { recursive: true });
  for (const generator of TOY_GENERATORS.filter((g) => ids.includes(g.id))) {
    progress(`model ${generator.id}`);
    const toy = generator.generate();
    for (const [name, bytes] of Object.entries(toyFiles(toy))) writeFileSync(join(dir, name), bytes);
    const cpuOutputs = new Map<string, Outputs>();
    for (const { file, feeds } of toyFeeds(toy, img)) {
      const row: Record<string, unknown> = { toy: generator.id, kind: toy.manifest.kind, file };
      results.push(row);
      const path = join(dir, file);
      const runs = generator.bench || target === 'cpu' ? 1 : 3;
      try {
        const cpuSession = await ort.InferenceSession.create(path, { executionProviders: ['cpu'] });
        const input = feeds(cpuOutputs, cpuSession.inputMetadata);
        row['inputs'] = Object.fromEntries(Object.entries(input).map(([k, t]) => [k, t.dims]));
        const cpu = await timedRuns(cpuSession, input, runs);
        cpuOutputs.set(file, cpu.outputs);
        await cpuSession.release();
        row['cpuMs'] = round(cpu.ms, 2);
        row['outputs'] = Object.fromEntries(Object.entries(cpu.outputs).map(([k, t]) => [k, t.dims]));
        const cpuLabels = labelsOf(toy, file, cpu.outputs);
        if (!cuda.available) {
          row['cuda'] = false;
          row['reason'] = cuda.reason;
          row['pass'] = null;
          continue;
        }
        const cudaSession = await ort.InferenceSession.create(path, { executionProviders: [target] });
        const gpu = await timedRuns(cudaSession, input, target === 'cpu' ? 1 : generator.bench ? 20 : 10);
        await cudaSession.release();
        row['cuda'] = true;
        row['cudaMs'] = round(gpu.ms, 3);
        const maxAbsDiff: Record<string, number> = {};
        for (const [name, t] of Object.entries(cpu.outputs)) {
          const g = gpu.outputs[name]!;
          let d = 0;
          for (let i = 0; i < t.data.length; i++) d = Math.max(d, Math.abs(t.data[i]! - g.data[i]!));
          maxAbsDiff[name] = Number(d.toPrecision(3));
        }
        row['maxAbsDiff'] = maxAbsDiff;
        let labelsOk = true;
        if (cpuLabels !== null) {
          const gpuLabels = labelsOf(toy, file, gpu.outputs)!;
          let differing = 0;
          for (let i = 0; i < cpuLabels.labels.length; i++) if (cpuLabels.labels[i] !== gpuLabels.labels[i]) differing++;
          row['labels'] = {
            rule: cpuLabels.rule,
            pixels: cpuLabels.labels.length,
            values: [...new Set(cpuLabels.labels)].sort((a, b) => a - b),
            differing,
          };
          labelsOk = differing === 0;
        }
        row['pass'] = Object.values(maxAbsDiff).every((d) => d <= TOLERANCE) && labelsOk;
      } catch (err) {
        row['error'] = firstLine(err);
        row['pass'] = false;
      }
    }
  }
  return results;
}

// ---- throughput: tessera's run job vs a bare session.run loop -----------------------------------------

async function noiseImages(dir: string, n: number, size: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  let seed = 3;
  for (let i = 0; i < n; i++) {
    const px = Buffer.alloc(size * size * 3);
    for (let j = 0; j < px.length; j++) px[j] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    await sharp(px, { raw: { width: size, height: size, channels: 3 } })
      .png({ compressionLevel: 1 })
      .toFile(join(dir, `img_${String(i).padStart(4, '0')}.png`));
  }
}

async function waitJob(client: TesseraClient, start: () => Promise<{ jobId: string }>): Promise<void> {
  await new Promise<void>((done, fail) => {
    let id = '';
    const off = client.on('job.finished', (f) => {
      if (f.jobId !== id) return;
      off();
      if (f.status === 'succeeded') done();
      else fail(new Error(f.error?.message ?? f.status));
    });
    start().then((s) => (id = s.jobId), fail);
  });
}

/** The bench model written with one scale and no flip, so a run is exactly one session.run per image. */
function writeBenchModel(dir: string): string {
  const toy = TOY_GENERATORS.find((g) => g.id === 'vit-b16-bench')!.generate();
  const m = toy.manifest as unknown as Record<string, unknown>;
  m['params'] = { ...(m['params'] as object), scales: [1], flip: false };
  for (const [name, bytes] of Object.entries(toyFiles(toy))) writeFileSync(join(dir, name), bytes);
  return join(dir, `${toy.manifest.name}.manifest.json`);
}

async function throughput(dir: string, images: number, manifestPath: string): Promise<Record<string, unknown>> {
  const manifest = ModelManifest.parse(JSON.parse(readFileSync(manifestPath, 'utf8')));
  const imagesDir = join(dir, 'images');
  const files = readdirSync(imagesDir).sort();
  const tensors = await Promise.all(files.map(async (f) => imageToTensor(await decodeRgb(join(imagesDir, f)), manifest.input)));
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(join(dir, manifest.files.model ?? 'vit-b16-bench.onnx'), {
    executionProviders: [target],
  });
  const sessionCreateMs = performance.now() - t0;
  const feed = (x: (typeof tensors)[number]): Feeds => ({ [manifest.input.tensor]: tensor(x.data, x.dims) });
  await session.run(feed(tensors[0]!));
  const bareLoop = async (): Promise<number> => {
    const b0 = performance.now();
    for (const x of tensors) await session.run(feed(x));
    return (performance.now() - b0) / 1000;
  };
  const bareBefore = await bareLoop();

  const engine = createEngine({ workspace: join(dir, 'ws'), create: true });
  const client = createClient(inProcessTransport({ dispatch: engine.dispatch, subscribe: (l) => engine.events.subscribe(l) }));
  let ours: number;
  let run: Record<string, unknown>;
  try {
    await waitJob(client, () => client.call('datasets.importFolder', { dir: imagesDir, name: 'bench' }));
    await waitJob(client, () => client.call('datasets.importFolder', { dir: join(dir, 'warmup'), name: 'warmup' }));
    const model = await client.call('models.add', { manifestPath });
    const datasets = await client.call('datasets.list', {});
    const id = (name: string): number => datasets.find((d) => d.name === name)!.id;
    // Warm-up on other images: loads the model into the worker, as the bare loop's first run is excluded.
    await waitJob(client, () => client.call('runs.start', { modelId: model.id, datasetId: id('warmup'), device: target }));
    const r0 = performance.now();
    let runId = 0;
    await waitJob(client, async () => {
      const started = await client.call('runs.start', { modelId: model.id, datasetId: id('bench'), device: target });
      runId = started.runId;
      return started;
    });
    ours = (performance.now() - r0) / 1000;
    const r = await client.call('runs.get', { runId });
    run = { executionProvider: r.executionProvider, providerFallback: r.provenance['providerFallback'] ?? null };
  } finally {
    await engine.close();
  }
  const bare = (bareBefore + (await bareLoop())) / 2;
  await session.release();
  return {
    model: 'vit-b16-bench (3 blocks, 448x448, one scale, no flip)',
    images,
    bareSessionRun: { imagesPerSecond: round(images / bare, 1), sessionCreateMs: round(sessionCreateMs, 0) },
    tesseraRun: { imagesPerSecond: round(images / ours, 1), ...run },
    ratio: round(ours / bare, 3),
    target: THROUGHPUT_TARGET,
    pass: run['executionProvider'] === target && ours / bare <= THROUGHPUT_TARGET,
    note: `tessera run: the whole run job (decode, preprocess, worker inference on ${target === 'cuda' ? 'CUDA' : 'the CPU (self-test)'}, post-process, SQLite commit) in a warm engine; bare: session.run over the same preprocessed tensors, averaged before and after`,
  };
}

/** `tessera run --device cuda` as a user types it, with the bundled Node.js: what provider it recorded and why. */
function cliRun(app: string, dir: string, manifestPath: string, imagesDir: string): Record<string, unknown> {
  const ws = join(dir, 'cli-ws');
  const tessera = (args: string[]): { code: number | null; out: string; err: string } => {
    const r = spawnSync(process.execPath, [join(app, 'bin', 'tessera.js'), '--workspace', ws, ...args], {
      encoding: 'utf8',
      timeout: 600_000,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const steps: string[][] = [['init'], ['import', 'folder', imagesDir, '--name', 'gpu-check'], ['models', 'add', manifestPath]];
  for (const step of steps) {
    const r = tessera(step);
    if (r.code !== 0) return { command: `tessera ${step.join(' ')}`, error: (r.err || r.out).trim().split('\n')[0] };
  }
  const name = (JSON.parse(readFileSync(manifestPath, 'utf8')) as { name: string }).name;
  const args = ['run', '--model', name, '--dataset', 'gpu-check', '--device', target, '--json'];
  const t0 = performance.now();
  const r = tessera(args);
  const seconds = (performance.now() - t0) / 1000;
  if (r.code !== 0) return { command: `tessera ${args.join(' ')}`, error: (r.err || r.out).trim().split('\n')[0] };
  const json = JSON.parse(r.out) as {
    samples: number;
    providerFallback: string | null;
    profile?: unknown;
    run: { executionProvider: string | null };
  };
  return {
    command: `tessera ${args.join(' ')}`,
    samples: json.samples,
    executionProvider: json.run.executionProvider,
    providerFallback: json.providerFallback,
    wallSeconds: round(seconds, 2),
    profile: json.profile ?? null,
    note: 'wall time of the whole command: process start, workspace open, model load and the run; profile: its per-stage times (ms)',
  };
}

// ---- main --------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  // As the product runs CUDA (createEngine does the same): TF32 off unless TESSERA_CUDA_TF32=1.
  const cudaFloat = applyCudaFloatPolicy();
  const started = new Date();
  const ortRoot = dirname(fileURLToPath(import.meta.resolve('onnxruntime-node/package.json')));
  const ortBin = join(ortRoot, 'bin', 'napi-v6', process.platform, process.arch);
  const bundleInfoPath = join(opts.app, '..', 'BUNDLE.json');
  const report: Record<string, unknown> = {
    report: 'tessera gpu-check',
    version: 1,
    ...(target === 'cpu'
      ? { selfTest: 'the CUDA path run against the CPU provider (--self-test-provider cpu): tests this script, says nothing about CUDA' }
      : {}),
    started: started.toISOString(),
    bundle: existsSync(bundleInfoPath) ? JSON.parse(readFileSync(bundleInfoPath, 'utf8')) : null,
    host: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      kernel: release(),
      glibc:
        (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime ?? null,
      cpu: cpus()[0]?.model ?? null,
      cpus: cpus().length,
    },
    cudaFloat: {
      ...cudaFloat,
      note: cudaFloat.tf32
        ? 'TF32 allowed: CUDA may compute float32 products and convolutions with a 10-bit mantissa (Tessera runs do so only with TESSERA_CUDA_TF32=1)'
        : 'TF32 off, as in every Tessera run unless TESSERA_CUDA_TF32=1: CUDA computes float32 as float32',
    },
  };
  const gpu = gpuInfo();
  report['gpu'] = gpu;
  const libs = cudaLibraries(ortBin);
  report['cudaLibraries'] = libs;

  const providerFiles = Object.fromEntries(PROVIDER_FILES.map((f) => [f, existsSync(join(ortBin, f))]));
  const backends = ort.listSupportedBackends();
  const dir = mkdtempSync(join(tmpdir(), 'tessera-gpu-check-'));
  const cuda: CudaState = { available: false, reason: null };
  try {
    // The probe: a CUDA session on the smallest toy. Its failure is the reason CUDA is not used.
    progress('probing the CUDA execution provider');
    const probeToy = TOY_GENERATORS.find((g) => g.id === 'semantic-seg')!.generate();
    writeFileSync(join(dir, 'probe.onnx'), probeToy.onnx);
    let ortError: string | null = null;
    try {
      const s = await ort.InferenceSession.create(join(dir, 'probe.onnx'), { executionProviders: [target] });
      await s.release();
      cuda.available = true;
    } catch (err) {
      ortError = firstLine(err);
    }
    if (!cuda.available) {
      const reasons: string[] = [];
      const missingProvider = PROVIDER_FILES.filter((f) => !providerFiles[f]);
      if (missingProvider.length > 0)
        reasons.push(`onnxruntime's CUDA provider is not installed (${missingProvider.join(', ')} missing in ${ortBin})`);
      const missingLibs = (libs['providerMissingLibraries'] as string[] | null) ?? [];
      if (missingLibs.length > 0)
        reasons.push(`CUDA libraries not found: ${missingLibs.join(', ')} (searched LD_LIBRARY_PATH and the loader cache)`);
      const found = libs['found'] as Record<string, unknown>;
      if (found['driver'] === null && gpu['nvidiaSmi'] !== true)
        reasons.push('no NVIDIA driver (libcuda.so.1 not found, nvidia-smi absent)');
      if (ortError !== null) reasons.push(`onnxruntime: ${ortError}`);
      cuda.reason = `CUDA unavailable: ${reasons.join('; ')}`;
      progress(cuda.reason);
    }
    report['providers'] = {
      onnxruntimeNode: (JSON.parse(readFileSync(join(ortRoot, 'package.json'), 'utf8')) as { version: string }).version,
      supportedBackends: backends,
      providerDir: ortBin,
      providerFiles,
      cuda,
    };

    const ids = TOY_GENERATORS.filter((g) => !g.bench || (opts.bench && cuda.available)).map((g) => g.id);
    const compared = await withMemoryPeak(() =>
      compareModels(join(dir, 'models'), ids, cuda).catch((err: unknown) => [{ error: firstLine(err) }]),
    );
    report['models'] = {
      tolerance: TOLERANCE,
      note: cuda.available
        ? 'each ONNX file on CPU and on CUDA with the same inputs: max |CUDA - CPU| per output, and the labels a run derives'
        : `CPU only (${cuda.reason}); the CUDA comparison and the ViT-B/16 bench model are skipped`,
      results: compared.value,
    };

    const imagesDir = join(dir, 'bench');
    let memory: Record<string, unknown> = { reason: 'nvidia-smi not available' };
    if (cuda.available && opts.bench) {
      progress(`throughput over ${opts.images} images`);
      const benchDir = join(dir, 'throughput');
      mkdirSync(benchDir, { recursive: true });
      await noiseImages(join(benchDir, 'images'), opts.images, 448);
      await noiseImages(join(benchDir, 'warmup'), 2, 448);
      const manifestPath = writeBenchModel(benchDir);
      const before = await gpuMemoryUsedMiB();
      const t = await withMemoryPeak(() =>
        throughput(benchDir, opts.images, manifestPath).catch((err: unknown) => ({ error: firstLine(err), pass: false })),
      );
      report['throughput'] = t.value;
      progress('tessera run --device cuda (CLI)');
      report['cli'] = cliRun(opts.app, dir, manifestPath, join(benchDir, 'images'));
      if (before !== null)
        memory = { beforeMiB: before, peakDuringModelComparisonsMiB: compared.peakMiB, peakDuringThroughputMiB: t.peakMiB };
    } else {
      report['throughput'] = { skipped: true, reason: cuda.available ? 'disabled with --no-bench' : cuda.reason };
      progress('tessera run --device cuda (CLI, toy model, CPU fallback expected)');
      mkdirSync(imagesDir, { recursive: true });
      const img = sceneImage();
      for (let i = 0; i < 2; i++) {
        await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } })
          .png()
          .toFile(join(imagesDir, `scene_${i}.png`));
      }
      const toyDir = join(dir, 'cli-model');
      const manifestPath = Object.values(writeToys(toyDir, ['semantic-seg']))[0]!;
      report['cli'] = cliRun(opts.app, dir, manifestPath, imagesDir);
      if (cuda.available && compared.peakMiB !== null) memory = { peakDuringModelComparisonsMiB: compared.peakMiB };
    }
    report['gpuMemory'] = memory;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const results = (report['models'] as { results: { pass?: boolean | null }[] }).results;
  const problems: string[] = [];
  if (!cuda.available) problems.push(cuda.reason!);
  for (const r of results as Record<string, unknown>[]) {
    if (r['pass'] === false)
      problems.push(
        `${String(r['file'] ?? r['toy'] ?? 'model')}: ${r['error'] !== undefined ? String(r['error']) : 'CUDA and CPU outputs differ'}`,
      );
  }
  const tp = report['throughput'] as Record<string, unknown>;
  if (tp['pass'] === false)
    problems.push(
      tp['error'] !== undefined
        ? `throughput: ${String(tp['error'])}`
        : `throughput ratio ${String(tp['ratio'])} above ${THROUGHPUT_TARGET} or run not on CUDA`,
    );
  const cli = report['cli'] as Record<string, unknown>;
  if (cli['error'] !== undefined) problems.push(`${String(cli['command'])}: ${String(cli['error'])}`);
  else if (cuda.available && cli['executionProvider'] !== target)
    problems.push(`tessera run --device cuda ran on ${String(cli['executionProvider'])}: ${String(cli['providerFallback'])}`);
  report['summary'] = {
    cudaUsed: cuda.available && target === 'cuda',
    reason: cuda.reason,
    pass: cuda.available && problems.length === 0,
    problems,
    seconds: round((Date.now() - started.getTime()) / 1000, 1),
  };
  const text = `${JSON.stringify(report, null, 2)}\n`;
  if (opts.out !== null) writeFileSync(opts.out, text);
  process.stdout.write(text);
  if (!cuda.available) return 3;
  return problems.length === 0 ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(`error: ${firstLine(err)}`);
    process.exitCode = 1;
  },
);
