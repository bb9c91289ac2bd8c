#!/usr/bin/env node
// npm run setup:gpu — opt-in install of onnxruntime-node's CUDA execution provider.
//   default     : onnxruntime-node's own installer (downloads the CUDA EP from NuGet; needs internet)
//   --from-npm  : for labs that reach only the npm registry: takes ORT 1.29.0's CUDA provider libraries
//                 from the npm package com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9 (built for CUDA 13)
// Either way the CUDA runtime (cudart, cuBLAS, cuDNN) must already be on the machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const ortRoot = dirname(require.resolve('onnxruntime-node/package.json'));
const ortVersion = require('onnxruntime-node/package.json').version;
const binDir = join(ortRoot, 'bin', 'napi-v6', process.platform, process.arch);
const providers = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'];

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(
    `setup:gpu: CUDA provider install is for linux-x64; on ${process.platform}-${process.arch} Tessera uses the CPU (DirectML/CoreML are not wired yet).`,
  );
  process.exit(0);
}

function findFile(dir, name) {
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) {
      const hit = findFile(full, name);
      if (hit) return hit;
    } else if (entry === name) return full;
  }
  return null;
}

if (process.argv.includes('--from-npm')) {
  if (ortVersion !== '1.29.0') {
    console.error(`error: --from-npm carries ORT 1.29.0's CUDA provider; onnxruntime-node here is ${ortVersion}`);
    process.exit(1);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'tessera-gpu-'));
  try {
    execFileSync('npm', ['pack', 'com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9', '--silent'], {
      cwd: tmp,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    execFileSync('tar', ['xzf', tgz], { cwd: tmp });
    for (const name of providers) {
      const src = findFile(tmp, name);
      if (!src) throw new Error(`${name} not found in the package`);
      copyFileSync(src, join(binDir, name));
      console.log(`installed ${name} -> ${binDir}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
} else {
  const r = spawnSync(process.execPath, [join(ortRoot, 'script', 'install.js'), '--onnxruntime-node-install=cuda12'], {
    cwd: ortRoot,
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    console.error(
      'error: the CUDA provider download failed; on a machine that reaches only the npm registry use "npm run setup:gpu -- --from-npm"',
    );
    process.exit(1);
  }
}
const missing = providers.filter((p) => !existsSync(join(binDir, p)));
if (missing.length > 0) {
  console.error(`error: still missing ${missing.join(', ')} in ${binDir}`);
  process.exit(1);
}
console.log('CUDA provider installed. Runs with --device auto|cuda now try CUDA first and fall back to the CPU visibly.');
