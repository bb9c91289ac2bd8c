/**
 * `npm run bench -- cam-sweep`: the CAM quality sweep (docs/design.md §5.4, `tessera eval` of a cam
 * run) over generated ToCo-like CAMs, VOC-sized (500x375, 1-3 foreground channels, 21 classes, GT with
 * 255 outlines), at ToCo's 20 background thresholds:
 *  - Tessera's sweep (metrics/camSweep.ts: one pass over the pixels for all thresholds);
 *  - the way it was done before (its code is kept here): the highest score once per image, then a pseudo
 *    label and a confusion matrix per threshold;
 *  - the anchor: bench/cam_sweep_numpy.py, ToCo's cam_to_label + np.bincount per threshold, run by
 *    Debian's python3 on the same CAMs (written once as .npy under the temp dir); its own timer, files loaded.
 * The sweep's time only (CAMs in memory on both sides), medians of 3; mIoU compared at every threshold.
 * Then end to end (endToEnd below): `tessera eval --cam-sweep` of imported ToCo CAM dicts against the
 * eval_cam.py way in numpy, both whole processes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { accumulateConfusion, createCamSweep, defaultCamThresholds, type CamItem } from '../src/main/engine/metrics';
import { semanticScoresFromConfusion } from '../src/main/engine/metrics/semantic';
import { writeNpyFloat32 } from '../src/main/engine/tensors/npy';
import { fusedCamAtImageSize, selectCamChannels, type RawCams } from '../src/main/engine/models/adapters/cam';
import { hasNumpy } from './numpyAnchor';
import { random, scoringData, seedScoringDataset } from './evalData';
import { median } from './stats';
import { createEngine } from '../src/main/engine/engine';
import { readMaskPng } from '../src/main/engine/masks/png';

const W = 500;
const H = 375;
const CLASSES = 21;
const SCRIPT = fileURLToPath(new URL('./cam_sweep_numpy.py', import.meta.url));
const MAKE_DICTS = fileURLToPath(new URL('./make_cam_dicts.py', import.meta.url));
const EVAL_CAM = fileURLToPath(new URL('./eval_cam_numpy.py', import.meta.url));
const CLI = fileURLToPath(new URL('../out/node/cli.js', import.meta.url));

/** Objects as boxes of their class (255 outline) and a CAM channel per class: high inside its box, a ramp and noise outside. */
function camItem(rand: () => number): CamItem {
  const gt = new Uint8Array(W * H);
  const keys: number[] = [];
  const boxes: Array<[number, number, number, number]> = [];
  const objects = 1 + Math.floor(rand() * 3);
  for (let o = 0; o < objects; o++) {
    const c = 1 + Math.floor(rand() * (CLASSES - 1));
    const w = Math.floor(W * (0.15 + rand() * 0.4));
    const h = Math.floor(H * (0.15 + rand() * 0.4));
    const x0 = Math.floor(rand() * (W - w));
    const y0 = Math.floor(rand() * (H - h));
    for (let y = Math.max(0, y0 - 2); y < Math.min(H, y0 + h + 2); y++)
      for (let x = Math.max(0, x0 - 2); x < Math.min(W, x0 + w + 2); x++)
        gt[y * W + x] = x >= x0 && x < x0 + w && y >= y0 && y < y0 + h ? c : 255;
    if (!keys.includes(c)) {
      keys.push(c);
      boxes.push([x0, y0, w, h]);
    }
  }
  const cam = new Float32Array(keys.length * W * H);
  boxes.forEach(([x0, y0, w, h], k) => {
    const cx = x0 + w / 2;
    const cy = y0 + h / 2;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const d = Math.max(Math.abs(x - cx) / (w / 2), Math.abs(y - cy) / (h / 2));
        cam[k * W * H + y * W + x] = Math.min(1, Math.max(0, 1.1 - 0.6 * d + (rand() - 0.5) * 0.3));
      }
    }
  });
  return { cam, keys, gt, height: H, width: W };
}

/** Writes the items for the numpy script once (index.json, <i>.npy CAMs, <i>.gt raw bytes). */
function writeItems(dir: string, items: CamItem[], thresholds: number[]): void {
  if (existsSync(join(dir, 'index.json'))) return;
  mkdirSync(dir, { recursive: true });
  const index = items.map((item, i) => {
    writeFileSync(join(dir, `${i}.npy`), writeNpyFloat32([item.keys.length, H, W], item.cam));
    writeFileSync(join(dir, `${i}.gt`), item.gt);
    return { cam: `${i}.npy`, gt: `${i}.gt`, keys: item.keys, height: H, width: W };
  });
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ classes: CLASSES, thresholds, items: index }));
}

/**
 * The sweep as Tessera did it before (2026-12-01): per image the highest score and its key once, then
 * per threshold a pseudo label and a confusion matrix (confusion.ts accumulateConfusion).
 */
function sweepPerThreshold(items: CamItem[], thresholds: number[]): Array<number | null> {
  const matrices = thresholds.map(() => new Float64Array(CLASSES * CLASSES));
  for (const item of items) {
    const pixels = item.height * item.width;
    const maxScore = new Float32Array(pixels).fill(-Infinity);
    const argKey = new Uint8Array(pixels);
    item.keys.forEach((key, k) => {
      for (let i = 0; i < pixels; i++) {
        const score = item.cam[k * pixels + i]!;
        if (Number.isNaN(score)) throw new RangeError('NaN');
        if (score > maxScore[i]!) {
          maxScore[i] = score;
          argKey[i] = key;
        }
      }
    });
    const label = new Uint8Array(pixels);
    thresholds.forEach((threshold, t) => {
      const cut = Math.fround(threshold);
      for (let i = 0; i < pixels; i++) label[i] = maxScore[i]! <= cut ? 0 : argKey[i]!;
      accumulateConfusion(matrices[t]!, CLASSES, item.gt, label);
    });
  }
  return matrices.map((m) => semanticScoresFromConfusion(m, CLASSES).miou_gt_classes);
}

/**
 * A model-made CAM run is fused per image before its sweep (ToCo's three scales and flips at 448x448,
 * then the image size). Its 20 VOC channels all, as before, against only the GT's (two here), as now.
 */
function fusionPerImage(): void {
  const rand = random(7);
  const perScale = [28, 14, 42].map((side) => ({
    cam: Float32Array.from({ length: 20 * side * side }, () => rand() * 4 - 1),
    flipped: Float32Array.from({ length: 20 * side * side }, () => rand() * 4 - 1),
    channels: 20,
    h: side,
    w: side,
  }));
  const raw: RawCams = { scales: [1, 0.5, 1.5], perScale, clsLogits: null, workingSize: [448, 448], geometry: null };
  const all = timed(() => fusedCamAtImageSize(raw, H, W), 5);
  const two = timed(() => fusedCamAtImageSize(selectCamChannels(raw, [3, 11]), H, W), 5);
  console.log(
    `  a model run's CAM fused to the image per image (3 scales + flips, 448 working size, 20 channels): the GT's 2 channels ${two.ms.toFixed(1)} ms vs all 20 (before) ${all.ms.toFixed(1)} ms: ${(all.ms / two.ms).toFixed(1)}x`,
  );
}

function timed<T>(fn: () => T, runs = 3): { ms: number; value: T } {
  const times: number[] = [];
  let value!: T;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    value = fn();
    times.push(performance.now() - t0);
  }
  return { ms: median(times), value };
}

export async function benchCamSweep(count = 60): Promise<void> {
  const thresholds = defaultCamThresholds();
  const rand = random(2022);
  const items = Array.from({ length: count }, () => camItem(rand));
  console.log(`\n== CAM quality sweep: ${count} CAMs ${W}x${H} (1-3 channels), ${CLASSES} classes, ${thresholds.length} thresholds ==`);
  const ours = timed(() => {
    const sweep = createCamSweep(CLASSES, thresholds);
    for (const item of items) sweep.add(item);
    return sweep.result().miou;
  });
  const before = timed(() => sweepPerThreshold(items, thresholds));
  const same = ours.value.every((m, i) => m === before.value[i]);
  console.log(
    `  Tessera (one pass for all thresholds) ${ours.ms.toFixed(0)} ms vs a pseudo label + confusion per threshold (the way before) ${before.ms.toFixed(0)} ms: ${(before.ms / ours.ms).toFixed(1)}x; identical mIoU: ${same}`,
  );
  fusionPerImage();
  const python = process.env['TESSERA_PYTHON'] ?? '/usr/bin/python3';
  if (!hasNumpy(python)) {
    console.log('  numpy anchor: skipped (no python3 with numpy)');
    return;
  }
  const dir = join(tmpdir(), 'tessera-bench-cache', `camsweep-v1-${count}-${W}x${H}`);
  writeItems(dir, items, thresholds);
  const runs: Array<{ seconds: number; miou: Array<number | null> }> = [];
  for (let r = 0; r < 3; r++) {
    const out = spawnSync(python, [SCRIPT, dir], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`cam_sweep_numpy.py: ${out.stderr}`);
    runs.push(JSON.parse(out.stdout.trim().split('\n').pop()!) as { seconds: number; miou: Array<number | null> });
  }
  const numpyMs = median(runs.map((r) => r.seconds * 1000));
  const worst = Math.max(...ours.value.map((m, i) => Math.abs((m ?? NaN) - (runs[0]!.miou[i] ?? NaN))));
  console.log(
    `  numpy (ToCo cam_to_label + np.bincount per threshold, bench/cam_sweep_numpy.py): ${numpyMs.toFixed(0)} ms => Tessera ${(numpyMs / ours.ms).toFixed(1)}x faster; mIoU at every threshold within 1e-12: ${worst <= 1e-12} (max |d| ${worst.toExponential(1)}; best ${Math.max(...ours.value.map((m) => m ?? -1)).toFixed(4)})`,
  );
  await endToEnd(python);
}

/**
 * End to end, as a researcher would time it: `tessera eval --cam-sweep` (built CLI, whole process) of
 * ToCo CAM dicts imported with `import predictions --format toco-cam`, against IRN/ToCo's eval_cam.py
 * way in numpy over the same .npz files and GT PNGs (bench/eval_cam_numpy.py, whole process).
 */
async function endToEnd(python: string, count = 300): Promise<void> {
  if (!existsSync(CLI)) {
    console.log('  end to end: skipped (run `npm run build` for out/node/cli.js)');
    return;
  }
  const data = scoringData(1449);
  const cams = join(tmpdir(), 'tessera-bench-cache', `camdicts-v1-${count}`);
  if (!existsSync(join(cams, '.complete'))) {
    const made = spawnSync(python, [MAKE_DICTS, data.gtDir, cams, String(count)], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`make_cam_dicts.py: ${made.stderr}`);
    writeFileSync(join(cams, '.complete'), '');
  }
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-cam-'));
  try {
    const ws = join(dir, 'ws');
    const engine = createEngine({ workspace: ws, create: true });
    seedScoringDataset(engine, data, (stem) => readMaskPng(readFileSync(join(data.gtDir, `${stem}.png`))).data);
    await engine.close();
    const cli = (...args: string[]): { ms: number; out: string } => {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [CLI, '--workspace', ws, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
      if (r.status !== 0) throw new Error(`tessera ${args.join(' ')}: ${r.stderr}`);
      return { ms: performance.now() - t0, out: r.stdout };
    };
    const imported = cli('import', 'predictions', cams, '--dataset', 'voc-like', '--run', 'cams', '--format', 'toco-cam');
    const ours: number[] = [];
    const theirs: number[] = [];
    let miou: Array<number | null> = [];
    let numpyMiou: Array<number | null> = [];
    for (let r = 0; r < 3; r++) {
      const e = cli('eval', '--dataset', 'voc-like', '--run', 'cams', '--cam-sweep', '--json');
      ours.push(e.ms);
      miou = (JSON.parse(e.out) as { miou: Array<number | null> }).miou;
      const t0 = performance.now();
      const py = spawnSync(python, [EVAL_CAM, data.gtDir, cams, String(CLASSES)], { encoding: 'utf8' });
      if (py.status !== 0) throw new Error(`eval_cam_numpy.py: ${py.stderr}`);
      theirs.push(performance.now() - t0);
      numpyMiou = (JSON.parse(py.stdout.trim().split('\n').pop()!) as { miou: Array<number | null> }).miou;
    }
    const worst = Math.max(...miou.map((m, i) => Math.abs((m ?? NaN) - (numpyMiou[i] ?? NaN))));
    console.log(
      `  end to end, ${count} ToCo CAM dicts (.npz, 500x375, imported in ${(imported.ms / 1000).toFixed(1)} s): tessera eval --cam-sweep ${median(ours).toFixed(0)} ms vs IRN/ToCo eval_cam.py way in numpy (pad a background channel of value t, argmax, np.bincount, per threshold; whole process) ${median(theirs).toFixed(0)} ms => ${(median(theirs) / median(ours)).toFixed(1)}x; mIoU within 1e-12: ${worst <= 1e-12} (max |d| ${worst.toExponential(1)})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
