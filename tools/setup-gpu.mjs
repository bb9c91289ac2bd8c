#!/usr/bin/env node
// npm run setup:gpu — opt-in install of onnxruntime-node's CUDA execution provider.
//   default     : onnxruntime-node's own installer (downloads the CUDA EP from NuGet; needs internet)
//   --from-npm  : for labs that reach only the npm registry: takes ORT 1.29.0's CUDA provider libraries
//                 from the npm package com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9 (built for CUDA 13)
// Either way the CUDA runtime (cudart, cuBLAS, cuDNN) must already be on the machine.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CUDA_PROVIDER, installCudaProvider, ortBinDir } from './gpu/packages.mjs';

const require = createRequire(import.meta.url);
const ortRoot = dirname(require.resolve('onnxruntime-node/package.json'));
const binDir = ortBinDir(ortRoot);
const providers = CUDA_PROVIDER.files;

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(
    `setup:gpu: CUDA provider install is for linux-x64; on ${process.platform}-${process.arch} Tessera uses the CPU (DirectML/CoreML are not wired yet).`,
  );
  process.exit(0);
}

if (process.argv.includes('--from-npm')) {
  // The same code path as `npm run gpu-bundle` (tools/gpu/packages.mjs); the package is cached in
  // ~/.cache/tessera (or $TESSERA_CACHE), so a second install needs no network.
  try {
    installCudaProvider({ ortRoot, log: (line) => console.log(line) });
  } catch (err) {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
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
