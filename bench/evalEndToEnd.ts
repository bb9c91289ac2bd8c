/**
 * Scoring 1,449 prediction PNGs end to end (issue 12): `import predictions` + `eval`, against the
 * numpy script researchers use (bench/eval_numpy.py: PIL read of the GT and prediction PNGs +
 * np.bincount confusion) run by Debian's python3 in the same run on the same files. Two ways, both
 * on the built product (`npm run build` makes out/node/cli.js; `npm run bench` builds first):
 *  - in the app: `tessera serve` (the engine the browser UI and Electron's main process run) on one
 *    workspace, driven over its HTTP API and event socket as the UI drives it, importing one run
 *    after another into the same dataset as a researcher's day does; against the script's own timer
 *    (reading + counting). The app's first import (its worker pool starting, its JIT cold) is
 *    printed apart from the later ones;
 *  - from the shell: the built CLI's two commands as two processes against the whole python3
 *    process (interpreter and numpy start included).
 */
import './builtWorkers';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobFinished } from '../src/shared';
import { createEngine } from '../src/main/engine/engine';
import { decode as fastPngDecode } from 'fast-png';
import { readMaskPng } from '../src/main/engine/masks';
import { scoringData, seedScoringDataset, type ScoringData } from './evalData';
import { runNumpy, type NumpyResult } from './numpyAnchor';

interface TesseraScoring {
  importMs: number;
  evalMs: number;
  miou: number | null;
  miouGtClasses: number | null;
  computed: number;
}

const CLI = fileURLToPath(new URL('../out/node/cli.js', import.meta.url));

/** `tessera serve` (the built engine) as the browser UI reaches it: calls over HTTP, job ends over the event socket. */
interface ServedApp {
  call(method: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Starts a job with `method` and resolves with its result once its job.finished event arrives. */
  job(method: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

async function serveApp(workspace: string, allowDir: string): Promise<ServedApp> {
  const child = spawn(process.execPath, [CLI, '--workspace', workspace, 'serve', '--allow-dir', allowDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<URL>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`tessera serve exited with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /open (http:\/\/\S+)/.exec(line);
      if (m !== null) resolve(new URL(m[1]!));
    });
  });
  const token = url.searchParams.get('token') ?? '';
  const finished = new Map<string, JobFinished>();
  const waiting = new Map<string, (f: JobFinished) => void>();
  const socket = new WebSocket(`ws://${url.host}/api/events?token=${encodeURIComponent(token)}`, { origin: url.origin });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.on('message', (data) => {
    const event = JSON.parse(String(data)) as { name: string; payload: JobFinished };
    if (event.name !== 'job.finished') return;
    const wake = waiting.get(event.payload.jobId);
    if (wake === undefined) finished.set(event.payload.jobId, event.payload);
    else wake(event.payload);
  });
  const call = async (method: string, input: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const res = await fetch(`${url.origin}/api/call/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(input),
    });
    const body = (await res.json()) as { ok: boolean; value?: Record<string, unknown>; error?: { message: string } };
    if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
    return body.value ?? {};
  };
  return {
    call,
    async job(method, input) {
      const { jobId } = (await call(method, input)) as { jobId: string };
      const f = finished.get(jobId) ?? (await new Promise<JobFinished>((resolve) => waiting.set(jobId, resolve)));
      if (f.status !== 'succeeded') throw new Error(`${method}: job ${f.status}: ${f.error?.message}`);
      return f.result ?? {};
    },
    async close() {
      socket.close();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * `runs` imports of the predictions (runs pred0, pred1, ...) into one dataset of one `tessera serve`,
 * each followed by `eval`; `between` runs after each (the numpy anchor, alternating with Tessera).
 * Null without a build.
 */
async function scoreWithServer(data: ScoringData, dir: string, runs: number, between: () => void): Promise<TesseraScoring[] | null> {
  if (!existsSync(CLI)) return null;
  const ws = join(dir, 'app-ws');
  const engine = createEngine({ workspace: ws, create: true });
  const datasetId = seedScoringDataset(engine, data, (stem) => readMaskPng(readFileSync(join(data.gtDir, `${stem}.png`))).data);
  await engine.close();
  const app = await serveApp(ws, data.predDir);
  try {
    // The UI shows the gallery first (its read worker starts then).
    await app.call('images.page', { datasetId, limit: 1 });
    const out: TesseraScoring[] = [];
    for (let k = 0; k < runs; k++) {
      const t0 = performance.now();
      const imported = await app.job('runs.importPredictions', { datasetId, run: `pred${k}`, format: 'png', path: data.predDir });
      const runId = Number(imported['runId']);
      const t1 = performance.now();
      const summary = await app.job('metrics.evaluate', { datasetId, runId });
      const scores = (await app.call('metrics.scores', { datasetId, runId })) as { semantic?: { miou?: number; miou_gt_classes?: number } };
      const t2 = performance.now();
      out.push({
        importMs: t1 - t0,
        evalMs: t2 - t1,
        miou: scores.semantic?.miou ?? null,
        miouGtClasses: scores.semantic?.miou_gt_classes ?? null,
        computed: Number(summary['computed']),
      });
      between();
      // `between` blocks this event loop (spawnSync) for seconds: let it see the server close idle
      // keep-alive sockets meanwhile, or the next call goes out on a closed one ("other side closed").
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return out;
  } finally {
    await app.close();
  }
}

/** Runs of each shell measurement: a single one moved by ±7% from one run to the next here. */
const SHELL_RUNS = 5;

interface ShellScoring {
  /** `import predictions` + `eval` as two processes, per run. */
  twoMs: number[];
  /** `import predictions --eval` as one process, per run. */
  oneMs: number[];
  /** The whole python3 process, run between the Tessera runs. */
  numpyMs: number[];
  miou: number;
}

/**
 * Wall times of the built CLI on a seeded workspace, each run importing a new run: \`import
 * predictions\` + \`eval\` as two processes, and \`import predictions --eval\` as one, with the whole
 * python3 process of the numpy script between them; null without a build.
 */
async function scoreWithCli(data: ScoringData, dir: string, numpy: boolean): Promise<ShellScoring | null> {
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
  const imported = (run: string, ...more: string[]): string[] => [
    'import',
    'predictions',
    data.predDir,
    '--dataset',
    'voc-like',
    '--run',
    run,
    '--format',
    'png',
    ...more,
  ];
  const out: ShellScoring = { twoMs: [], oneMs: [], numpyMs: [], miou: NaN };
  for (let k = 0; k < SHELL_RUNS; k++) {
    const t0 = performance.now();
    cli(...imported(`pred-${k}`));
    const evalOut = cli('eval', '--dataset', 'voc-like', '--run', `pred-${k}`, '--json');
    out.twoMs.push(performance.now() - t0);
    if (numpy) out.numpyMs.push(numpyProcessMs(data));
    const t1 = performance.now();
    const both = JSON.parse(cli(...imported(`pred-one-${k}`, '--eval', '--json'))) as { eval: { semantic?: { miou?: number } } };
    out.oneMs.push(performance.now() - t1);
    if (numpy) out.numpyMs.push(numpyProcessMs(data));
    const parsed = JSON.parse(evalOut) as { semantic?: { miou?: number } };
    if (both.eval.semantic?.miou !== parsed.semantic?.miou) throw new Error('import predictions --eval scored otherwise than eval');
    out.miou = parsed.semantic?.miou ?? NaN;
  }
  return out;
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
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const ms = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(', ');
    // Tessera and numpy alternate: one numpy run after each Tessera run.
    const numpyRuns: Array<NumpyResult | null> = [];
    const numpyBetween = (): void => void numpyRuns.push(runNumpy(data));
    const runs = await scoreWithServer(data, dir, 6, numpyBetween);
    const where = 'in the app (tessera serve, built)';
    if (runs === null) {
      console.log('  skipped: run `npm run build` (`npm run bench` builds first): the app and the CLI are measured built');
      return;
    }
    const totals = runs.map((r) => r.importMs + r.evalMs);
    const later = totals.slice(1);
    console.log(
      `  Tessera import predictions + eval, ${where}: ${runs.map((r) => `${r.importMs.toFixed(0)} + ${r.evalMs.toFixed(0)} ms`).join(', ')} (${runs[0]!.computed} samples counted by eval); first import ${totals[0]!.toFixed(0)} ms, later ones median ${median(later).toFixed(0)} ms`,
    );
    const numpy = numpyRuns[0] ?? null;
    if (numpy === null) {
      console.log('  numpy anchor: skipped (no /usr/bin/python3 with numpy and PIL; set TESSERA_PYTHON)');
      return;
    }
    const numpyMs = numpyRuns.map((r) => (r?.seconds ?? NaN) * 1000);
    const anchor = median(numpyMs);
    console.log(`  numpy script (PIL + np.bincount, bench/eval_numpy.py): ${ms(numpyMs)} ms; median ${anchor.toFixed(0)} ms`);
    console.log(
      `  => ${where}: Tessera ${(anchor / median(later)).toFixed(2)}x faster than the numpy script (medians; runs ${later.map((t) => (anchor / t).toFixed(2)).join(', ')}x; target >= 3x); the app's first import ${(anchor / totals[0]!).toFixed(2)}x`,
    );
    const cli = await scoreWithCli(data, dir, true);
    if (cli === null) console.log('  CLI: skipped (run `npm run build` for out/node/cli.js)');
    else {
      const py = median(cli.numpyMs);
      const ratios = (xs: number[]): string => xs.map((x) => (py / x).toFixed(2)).join(', ');
      console.log(
        `  from the shell (${SHELL_RUNS} runs each, interleaved; medians): python3 eval_numpy.py (whole process) ${ms(cli.numpyMs)} ms, median ${py.toFixed(0)} ms`,
      );
      console.log(
        `  => tessera import predictions + tessera eval (built CLI, two processes): ${ms(cli.twoMs)} ms, median ${median(cli.twoMs).toFixed(0)} ms: ${(py / median(cli.twoMs)).toFixed(2)}x (runs ${ratios(cli.twoMs)}x)`,
      );
      console.log(
        `  => one process, tessera import predictions --eval: ${ms(cli.oneMs)} ms, median ${median(cli.oneMs).toFixed(0)} ms: ${(py / median(cli.oneMs)).toFixed(2)}x faster than the numpy script (runs ${ratios(cli.oneMs)}x; target >= 3x); mIoU ${cli.miou}`,
      );
    }
    const tessera = runs[0]!;
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
