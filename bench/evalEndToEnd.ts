/**
 * Scoring 1,449 prediction PNGs end to end (issue 12): `import predictions` + `eval`, against the
 * numpy script researchers use (bench/eval_numpy.py: PIL read of the GT and prediction PNGs +
 * np.bincount confusion) run by Debian's python3 in the same run on the same files. Two ways:
 *  - in the app (engine in process, its worker pool and read worker already started, as in a
 *    running app) against the script's own timer (reading + counting);
 *  - from the shell: the built CLI's two commands as two processes against the whole python3
 *    process (interpreter and numpy start included), when `npm run build` has made out/node/cli.js.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, inProcessTransport, type JobFinished, type TesseraClient } from '../src/shared';
import { createEngine } from '../src/main/engine/engine';
import { decode as fastPngDecode } from 'fast-png';
import { readMaskPng } from '../src/main/engine/masks';
import { sharedPool } from '../src/main/engine/workers/pool';
import { scoringData, seedScoringDataset, type ScoringData } from './evalData';

export interface NumpyResult {
  images: number;
  seconds: number;
  miou: number;
  miou_gt_classes: number;
}

const SCRIPT = join(fileURLToPath(new URL('.', import.meta.url)), 'eval_numpy.py');

/** The numpy anchor's result, or null where python3 with numpy and PIL is missing. */
export function runNumpy(data: ScoringData, python = process.env['TESSERA_PYTHON'] ?? '/usr/bin/python3'): NumpyResult | null {
  const out = spawnSync(python, [SCRIPT, data.gtDir, data.predDir, String(data.classes)], { encoding: 'utf8' });
  if (out.status !== 0) return null;
  return JSON.parse(out.stdout.trim().split('\n').pop() ?? 'null') as NumpyResult;
}

export function hasNumpy(python = process.env['TESSERA_PYTHON'] ?? '/usr/bin/python3'): boolean {
  return spawnSync(python, ['-c', 'import numpy, PIL'], { encoding: 'utf8' }).status === 0;
}

/** Starts a job and resolves with its result when its job.finished event arrives (no polling). */
async function finishJob(client: TesseraClient, start: () => Promise<{ jobId: string }>): Promise<Record<string, unknown>> {
  const seen = new Map<string, JobFinished>();
  let wanted: string | null = null;
  let resolveWait: ((f: JobFinished) => void) | null = null;
  const off = client.on('job.finished', (f) => {
    if (f.jobId === wanted && resolveWait !== null) resolveWait(f);
    else seen.set(f.jobId, f);
  });
  try {
    const { jobId } = await start();
    wanted = jobId;
    const f = seen.get(jobId) ?? (await new Promise<JobFinished>((r) => (resolveWait = r)));
    if (f.status !== 'succeeded') throw new Error(`job ${f.status}: ${f.error?.message}`);
    return (f.result ?? {}) as Record<string, unknown>;
  } finally {
    off();
  }
}

export interface TesseraScoring {
  importMs: number;
  evalMs: number;
  miou: number | null;
  miouGtClasses: number | null;
  computed: number;
}

/** `import predictions` + `eval` in a fresh workspace holding `data`'s ground truth. */
export async function scoreWithTessera(data: ScoringData, dir: string): Promise<TesseraScoring> {
  const engine = createEngine({ workspace: join(dir, 'ws'), create: true });
  const client = createClient(inProcessTransport({ dispatch: engine.dispatch, subscribe: (l) => engine.events.subscribe(l) }));
  try {
    const datasetId = seedScoringDataset(engine, data, (stem) => readMaskPng(readFileSync(join(data.gtDir, `${stem}.png`))).data);
    // A running app has its pool and read worker up: start them before the clock (one task per worker).
    const first = data.stems[0]!;
    await Promise.all(
      Array.from({ length: sharedPool().size }, () =>
        sharedPool().run('predictionPng', {
          path: join(data.predDir, `${first}.png`),
          fileName: first,
          width: data.width,
          height: data.height,
          classes: [],
          count: null,
        }),
      ),
    );
    await client.call('images.page', { datasetId, limit: 1 });
    const t0 = performance.now();
    const imported = await finishJob(client, () =>
      client.call('runs.importPredictions', { datasetId, run: 'pred', format: 'png', path: data.predDir }),
    );
    const runId = Number(imported['runId']);
    const t1 = performance.now();
    const summary = await finishJob(client, () => client.call('metrics.evaluate', { datasetId, runId }));
    const scores = await client.call('metrics.scores', { datasetId, runId });
    const t2 = performance.now();
    return {
      importMs: t1 - t0,
      evalMs: t2 - t1,
      miou: scores.semantic?.miou ?? null,
      miouGtClasses: scores.semantic?.miou_gt_classes ?? null,
      computed: Number(summary['computed']),
    };
  } finally {
    await engine.close();
  }
}

const CLI = fileURLToPath(new URL('../out/node/cli.js', import.meta.url));

/** Wall time of the built CLI's `import predictions` + `eval` (two processes) on a seeded workspace; null without a build. */
async function scoreWithCli(data: ScoringData, dir: string): Promise<{ ms: number; miou: number } | null> {
  if (!existsSync(CLI)) return null;
  const ws = join(dir, 'cli-ws');
  const engine = createEngine({ workspace: ws, create: true });
  seedScoringDataset(engine, data, (stem) => readMaskPng(readFileSync(join(data.gtDir, `${stem}.png`))).data);
  await engine.close();
  const cli = (...args: string[]): string => {
    const out = spawnSync(process.execPath, [CLI, '--workspace', ws, ...args], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`tessera ${args.join(' ')}: ${out.stderr.trim()}`);
    return out.stdout;
  };
  const t0 = performance.now();
  cli('import', 'predictions', data.predDir, '--dataset', 'voc-like', '--run', 'pred', '--format', 'png');
  const evalOut = cli('eval', '--dataset', 'voc-like', '--run', 'pred', '--json');
  const ms = performance.now() - t0;
  const parsed = JSON.parse(evalOut) as { semantic?: { miou?: number } };
  return { ms, miou: parsed.semantic?.miou ?? NaN };
}

/** Wall time of the whole python3 process running the numpy script (interpreter and imports included). */
function numpyProcessMs(data: ScoringData, python = process.env['TESSERA_PYTHON'] ?? '/usr/bin/python3'): number {
  const t0 = performance.now();
  runNumpy(data, python);
  return performance.now() - t0;
}

/** The mask PNG decoders on these files: readMaskPng (node zlib + row filters) vs fast-png; both bit-exact. */
function pngDecoders(data: ScoringData): void {
  const sample = data.stems.slice(0, 200);
  const files = sample.flatMap((s) => [readFileSync(join(data.gtDir, `${s}.png`)), readFileSync(join(data.predDir, `${s}.png`))]);
  const time = (fn: (b: Buffer) => Uint8Array): { ms: number; out: Uint8Array[] } => {
    const t0 = performance.now();
    const out = files.map(fn);
    return { ms: (performance.now() - t0) / files.length, out };
  };
  const ours = time((b) => readMaskPng(b).data);
  const theirs = time((b) => fastPngDecode(b).data as Uint8Array);
  const same = ours.out.every((o, i) => Buffer.compare(Buffer.from(o), Buffer.from(theirs.out[i]!)) === 0);
  console.log(
    `  mask PNG decode (palette GT + grey predictions): readMaskPng ${ours.ms.toFixed(2)} ms/file vs fast-png ${theirs.ms.toFixed(2)} ms/file (${(theirs.ms / ours.ms).toFixed(1)}x), identical: ${same}; sharp/libspng is not a candidate for palette masks (it expands them to RGB)`,
  );
}

export async function benchEvalEndToEnd(count = 1449): Promise<void> {
  const t0 = performance.now();
  const data = scoringData(count);
  console.log(
    `eval end to end: ${count} prediction PNGs ${data.width}x${data.height}, ${data.classes} classes (data ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${data.predDir})`,
  );
  pngDecoders(data);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-e2e-'));
  try {
    // Three of each, alternating, in fresh workspaces; the medians are compared (every figure printed:
    // the first Tessera run also pays the JIT warm-up a fresh app pays on its first import).
    const runs: Array<{ tessera: TesseraScoring; numpy: NumpyResult | null }> = [];
    for (let k = 0; k < 3; k++) {
      const tessera = await scoreWithTessera(data, join(dir, `run${k}`));
      runs.push({ tessera, numpy: runNumpy(data) });
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const totals = runs.map((r) => r.tessera.importMs + r.tessera.evalMs);
    const total = median(totals);
    const tessera = runs[0]!.tessera;
    console.log(
      `  Tessera import predictions + eval: ${runs.map((r) => `${r.tessera.importMs.toFixed(0)} + ${r.tessera.evalMs.toFixed(0)} ms`).join(', ')} (${tessera.computed} samples counted by eval); median ${total.toFixed(0)} ms`,
    );
    const numpy = runs[0]!.numpy;
    if (numpy === null) {
      console.log('  numpy anchor: skipped (no /usr/bin/python3 with numpy and PIL; set TESSERA_PYTHON)');
      return;
    }
    const numpyMs = runs.map((r) => (r.numpy?.seconds ?? NaN) * 1000);
    const ms = median(numpyMs);
    console.log(
      `  numpy script (PIL + np.bincount, bench/eval_numpy.py): ${numpyMs.map((x) => x.toFixed(0)).join(', ')} ms; median ${ms.toFixed(0)} ms`,
    );
    console.log(
      `  => in the app (pool and read worker running): Tessera ${(ms / total).toFixed(2)}x faster than the numpy script (medians; first runs ${(numpyMs[0]! / totals[0]!).toFixed(2)}x; target >= 3x)`,
    );
    const cli = await scoreWithCli(data, dir);
    if (cli === null) console.log('  CLI: skipped (run `npm run build` for out/node/cli.js)');
    else {
      const py = numpyProcessMs(data);
      console.log(
        `  from the shell: tessera import predictions + tessera eval (built CLI, two processes) ${cli.ms.toFixed(0)} ms vs python3 eval_numpy.py (whole process) ${py.toFixed(0)} ms => ${(py / cli.ms).toFixed(2)}x (mIoU ${cli.miou})`,
      );
    }
    const d1 = Math.abs((tessera.miou ?? NaN) - numpy.miou);
    const d2 = Math.abs((tessera.miouGtClasses ?? NaN) - numpy.miou_gt_classes);
    console.log(
      `  mIoU Tessera ${tessera.miou} vs numpy ${numpy.miou} (|d| ${d1.toExponential(1)}); ToCo mIoU (GT classes) ${tessera.miouGtClasses} vs ${numpy.miou_gt_classes} (|d| ${d2.toExponential(1)}); within 1e-12: ${d1 <= 1e-12 && d2 <= 1e-12}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchEvalEndToEnd(Number(process.argv[2] ?? 1449));
