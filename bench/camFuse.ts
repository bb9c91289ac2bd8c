/**
 * `npm run bench -- cam-fuse`: ToCo's CAM fusion (docs/design.md §4.4) of 12 images' raw CAMs, 20 VOC
 * classes at ToCo's three scales (28, 14 and 42 cells square) with their flips, to the 448x448 working
 * size, then the per-class min-max:
 *  - Tessera's WebAssembly SIMD kernels (tokens/wasm/), one thread;
 *  - its JavaScript kernels, the reference the WebAssembly ones must equal bit for bit;
 *  - the anchor: bench/cam_fuse_torch.py, ToCo's multi_scale_cam2 steps in torch (F.interpolate,
 *    torch.max, F.relu, torch.sum, adaptive_max_pool2d), run by Debian's python3 where it has torch, on
 *    the same CAMs (written once as .npy), with one thread and with torch's default threads; its own
 *    timer, tensors already loaded.
 * Medians of 3; the fused bytes' sha256 compared across all three.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fuseCamScalesNormalized, type CamAtScale } from '../src/main/engine/tokens/cam';
import { setWasmKernels } from '../src/main/engine/tokens/wasm/kernels';
import { writeNpyFloat32 } from '../src/main/engine/tensors/npy';
import { random } from './evalData';
import { median } from './stats';

const SCRIPT = fileURLToPath(new URL('./cam_fuse_torch.py', import.meta.url));
const CHANNELS = 20;
const SIDES = [28, 14, 42];
const SIZE = 448;
const IMAGES = 12;

interface TorchResult {
  images: number;
  seconds: number;
  sha256: string;
}

function torchFusion(dir: string, threads: number): TorchResult | null {
  const python = process.env['TESSERA_PYTHON'] ?? '/usr/bin/python3';
  const out = spawnSync(python, [SCRIPT, dir, String(threads)], { encoding: 'utf8' });
  if (out.status !== 0) return null;
  return JSON.parse(out.stdout.trim().split('\n').pop() ?? 'null') as TorchResult;
}

function ours(items: CamAtScale[][]): { ms: number; sha256: string } {
  const times: number[] = [];
  let sha256 = '';
  for (let r = 0; r < 3; r++) {
    const digest = createHash('sha256');
    const t0 = performance.now();
    const fused = items.map((perScale) => fuseCamScalesNormalized(perScale, SIZE, SIZE));
    times.push(performance.now() - t0);
    for (const f of fused) digest.update(new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
    sha256 = digest.digest('hex');
  }
  return { ms: median(times), sha256 };
}

export async function benchCamFuse(): Promise<void> {
  console.log(`\n== cam-fuse: ToCo's CAM fusion, ${IMAGES} images x ${CHANNELS} classes x 3 scales + flips to ${SIZE}x${SIZE}, min-max ==`);
  const rand = random(11);
  const items: Array<Array<CamAtScale & { flipped: Float32Array }>> = Array.from({ length: IMAGES }, () =>
    SIDES.map((side) => ({
      cam: Float32Array.from({ length: CHANNELS * side * side }, () => Math.fround(rand() * 4 - 1)),
      flipped: Float32Array.from({ length: CHANNELS * side * side }, () => Math.fround(rand() * 4 - 1)),
      channels: CHANNELS,
      h: side,
      w: side,
    })),
  );
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-camfuse-'));
  try {
    const index = items.map((perScale, i) =>
      perScale.map((s, k) => {
        const file = `cam_${i}_${k}.npy`;
        const pair = new Float32Array(2 * s.cam.length);
        pair.set(s.cam);
        pair.set(s.flipped, s.cam.length);
        writeFileSync(join(dir, file), writeNpyFloat32([2, s.channels, s.h, s.w], pair));
        return file;
      }),
    );
    writeFileSync(join(dir, 'index.json'), JSON.stringify({ items: index, size: [SIZE, SIZE] }));
    setWasmKernels(true);
    const wasm = ours(items);
    setWasmKernels(false);
    const js = ours(items);
    setWasmKernels(true);
    const per = (ms: number): string => `${(ms / IMAGES).toFixed(1)} ms/img`;
    console.log(`  Tessera, WebAssembly SIMD (1 thread)   ${per(wasm.ms)}`);
    console.log(
      `  Tessera, JavaScript kernels (1 thread) ${per(js.ms)}: the WebAssembly ones ${(js.ms / wasm.ms).toFixed(2)}x faster, bytes ${js.sha256 === wasm.sha256 ? 'identical' : 'DIFFERENT'}`,
    );
    const threads = [1, cpus().length];
    for (const n of threads) {
      const runs = [0, 1, 2].map(() => torchFusion(dir, n)).filter((r): r is TorchResult => r !== null);
      if (runs.length === 0) {
        console.log('  torch anchor: skipped (no python3 with torch; TESSERA_PYTHON names another)');
        break;
      }
      const ms = median(runs.map((r) => r.seconds * 1000));
      const same = runs[0]!.sha256 === wasm.sha256;
      console.log(
        `  torch 1.13, ToCo's steps, ${n} thread${n === 1 ? ' ' : 's'}      ${per(ms)}: Tessera (1 thread) ${(ms / wasm.ms).toFixed(2)}x faster, bytes ${same ? 'identical to torch' : 'DIFFERENT from torch'}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
