// Model runs vs a bare session.run loop over the same preprocessed tensors, same process, same run.
import './builtWorkers';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { TOY_GENERATORS, toyFiles } from '../tools/toy-models';
import { createClient, inProcessTransport, type TesseraClient } from '../src/shared';
import { createEngine } from '../src/main/engine/engine';
import { decodeRgb, imageToTensor } from '../src/main/engine/models/preprocess';
import { ModelManifest } from '../src/shared/domain';
import { mulberry32 } from '../src/main/engine/metrics/prng';
import { tempDir } from '../test/helpers/fixtures';

async function noiseImages(dir: string, n: number, w: number, h: number): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const rand = mulberry32(3);
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const px = Buffer.alloc(w * h * 3);
    for (let j = 0; j < px.length; j++) px[j] = Math.floor(rand() * 256);
    const file = join(dir, `img_${String(i).padStart(4, '0')}.png`);
    await sharp(px, { raw: { width: w, height: h, channels: 3 } })
      .png({ compressionLevel: 1 })
      .toFile(file);
    files.push(file);
  }
  return files;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function waitJob(client: TesseraClient, start: () => Promise<{ jobId: string }>): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let id = '';
    const off = client.on('job.finished', (f) => {
      if (f.jobId !== id) return;
      off();
      if (f.status === 'succeeded') resolve();
      else reject(new Error(f.error?.message ?? f.status));
    });
    start().then((s) => (id = s.jobId), reject);
  });
}

async function measure(
  label: string,
  toyId: string,
  images: number,
  size: [number, number],
  manifestPatch: (m: Record<string, unknown>) => void,
  reps = 1,
): Promise<void> {
  const t = tempDir('tessera-bench-');
  try {
    const toy = TOY_GENERATORS.find((g) => g.id === toyId)?.generate();
    if (toy === undefined) throw new Error(`no toy ${toyId}`);
    manifestPatch(toy.manifest as unknown as Record<string, unknown>);
    for (const [name, bytes] of Object.entries(toyFiles(toy))) writeFileSync(join(t.dir, name), bytes);
    const files = await noiseImages(join(t.dir, 'images'), images, size[1], size[0]);
    await noiseImages(join(t.dir, 'warmup'), 2, size[1], size[0]);
    const manifest = ModelManifest.parse(toy.manifest);

    // Baseline: preprocess everything first, then a bare session.run loop (what a script would do).
    const tensors = await Promise.all(files.map(async (f) => imageToTensor(await decodeRgb(f), manifest.input)));
    // Each side runs alone in the process: the bare session is made (its first run excluded) for each
    // loop and released before Tessera runs, as a script's would be gone.
    const bareLoop = async (): Promise<number> => {
      const session = await ort.InferenceSession.create(join(t.dir, toy.manifest.files.model), { executionProviders: ['cpu'] });
      try {
        await session.run({ [manifest.input.tensor]: new ort.Tensor('float32', tensors[0]!.data, tensors[0]!.dims) });
        const b0 = performance.now();
        for (const x of tensors) await session.run({ [manifest.input.tensor]: new ort.Tensor('float32', x.data, x.dims) });
        return (performance.now() - b0) / 1000;
      } finally {
        await session.release();
      }
    };
    // Each rep: a fresh workspace (the inference cache would serve a second run), warmed up, and the
    // bare loop just before and after it, averaged (this machine's speed drifts); the ratio is the
    // median over reps (single runs move by ±20% here).
    let bareBefore = await bareLoop();
    const ratios: number[] = [];
    const oursTimes: number[] = [];
    const bareTimes: number[] = [];
    let rssGrowth = 0;
    for (let rep = 0; rep < reps; rep++) {
      // Ours: the whole run job (decode, preprocess, worker inference, post-process, SQLite commit).
      const engine = createEngine({ workspace: join(t.dir, `ws${rep}`), create: true });
      const client = createClient(inProcessTransport({ dispatch: engine.dispatch, subscribe: (l) => engine.events.subscribe(l) }));
      await waitJob(client, () => client.call('datasets.importFolder', { dir: join(t.dir, 'images'), name: 'bench' }));
      const model = await client.call('models.add', { manifestPath: join(t.dir, `${toy.manifest.name}.manifest.json`) });
      const datasetId = (await client.call('datasets.list', {}))[0]!.id;
      // Warm-up on other images (the cache would serve the same ones): loads the model into the worker,
      // as the baseline's first session.run is excluded too.
      await waitJob(client, () => client.call('datasets.importFolder', { dir: join(t.dir, 'warmup'), name: 'warmup' }));
      const warmupId = (await client.call('datasets.list', {})).find((d) => d.name === 'warmup')!.id;
      await waitJob(client, () => client.call('runs.start', { modelId: model.id, datasetId: warmupId, device: 'cpu' }));
      const rss0 = process.memoryUsage().rss;
      const r0 = performance.now();
      await waitJob(client, () => client.call('runs.start', { modelId: model.id, datasetId, device: 'cpu' }));
      const ours = (performance.now() - r0) / 1000;
      rssGrowth = Math.max(rssGrowth, process.memoryUsage().rss - rss0);
      await engine.close();
      const bareAfter = await bareLoop();
      const bare = (bareBefore + bareAfter) / 2;
      bareBefore = bareAfter;
      ratios.push(ours / bare);
      oursTimes.push(ours);
      bareTimes.push(bare);
    }
    const ours = median(oursTimes);
    const bare = median(bareTimes);
    const runs = reps > 1 ? ` (median of ${reps}: ${ratios.map((r) => r.toFixed(2)).join(', ')})` : '';
    console.log(
      `${label.padEnd(34)} ${String(images).padStart(5)} img  bare session.run ${(images / bare).toFixed(1).padStart(7)} img/s   tessera run ${(images / ours).toFixed(1).padStart(7)} img/s   ratio ${median(ratios).toFixed(2)}x${runs}   overhead ${(((ours - bare) / images) * 1000).toFixed(1)} ms/img   rss +${(rssGrowth / 1e6).toFixed(0)} MB`,
    );
  } finally {
    t.cleanup();
  }
}

export async function benchModels(): Promise<void> {
  console.log('\n== model runs: tessera run vs a bare session.run loop over the same preprocessed tensors (CPU) ==');
  const single = (m: Record<string, unknown>): void => {
    m['params'] = { ...(m['params'] as object), scales: [1], flip: false };
  };
  await measure(
    'vit-b16-bench (3 blocks) 448x448',
    'vit-b16-bench',
    Number(process.env['BENCH_VIT_IMAGES'] ?? 12),
    [448, 448],
    single,
    Number(process.env['BENCH_VIT_REPS'] ?? 5),
  );
  await measure('toy-colour-semantic 500x375', 'semantic-seg', 200, [375, 500], () => {});
  await measure('toy-colour-semantic, memory over 1000', 'semantic-seg', 1000, [96, 128], () => {});
}
