#!/usr/bin/env node
// Builds everything `npm install` / `npm test` need: the Node entries (CLI + server, Electron main,
// preload) with esbuild, and the renderer with Vite. Native and first-use packages stay external (see below).
import { build } from 'esbuild';
import { build as viteBuild } from 'vite';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { cliMainEntry, electronEntries, nodeEntries, preloadEntries } from './entries.mjs';

const quiet = process.argv.includes('--quiet');
const t0 = Date.now();
rmSync('out', { recursive: true, force: true });

// Pure-JS packages every command loads go into the bundles: one file to compile instead of zod's
// many ES modules through Node's loader (CLI start 245 -> ~190 ms). Everything else stays external
// (native modules, packages loaded on first use, dev-only ones).
const bundled = new Set(['zod', 'commander', 'fflate', 'fast-png']);
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.optionalDependencies })
  .filter((name) => !bundled.has(name))
  .flatMap((name) => [name, `${name}/*`]);

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external,
  // Bundled CommonJS (commander) requires Node built-ins: give the ESM bundle a require.
  banner: { js: "import { createRequire as __tesseraRequire } from 'node:module'; const require = __tesseraRequire(import.meta.url);" },
  sourcemap: true,
  logLevel: 'warning',
};
const [nodeBuild] = await Promise.all([
  // The workers are entries beside each host bundle (tools/entries.mjs says who looks there).
  build({ ...node, entryPoints: nodeEntries, outdir: 'out/node', metafile: true }),
  // The CLI as CommonJS, run by out/node/cli.js with a code cache (src/main/cli/codeCache.ts);
  // import.meta.url becomes the bundle's own file URL.
  build({
    ...node,
    entryPoints: cliMainEntry,
    outdir: 'out/node',
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
    define: { 'import.meta.url': '__tesseraBundleUrl' },
    banner: { js: "const __tesseraBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  }),
  build({ ...node, entryPoints: electronEntries, outdir: 'out/electron' }),
  // A sandboxed preload must be one CommonJS file that requires nothing but electron.
  build({
    ...node,
    entryPoints: preloadEntries,
    outfile: undefined,
    outdir: 'out/preload',
    format: 'cjs',
    packages: undefined,
    banner: undefined,
    external: ['electron'],
    outExtension: { '.js': '.cjs' },
  }),
]);
// Workers load without zod and its locales: the import pool's (every import and prediction import,
// a CLI command, pays their start: 845 KB -> 90 KB, ~40 ms less) and the read worker (the app's first
// screen waits for it: 872 KB -> 65 KB). ApiError comes from src/shared/api/apiError.ts there.
for (const [entry, name] of [
  ['src/main/engine/workers/worker.ts', 'poolWorker'],
  ['src/main/engine/store/readWorker/worker.ts', 'readWorker'],
]) {
  const inputs = Object.values(nodeBuild.metafile.outputs).find((o) => o.entryPoint === entry)?.inputs ?? {};
  const heavy = Object.keys(inputs).filter((f) => f.includes('node_modules/zod/'));
  if (heavy.length > 0)
    throw new Error(`out/node/${name}.js bundles zod (${heavy[0]}): import ApiError from src/shared/api/apiError.ts there`);
}

// The CLI bundle runs as a vm.Script (src/main/cli/codeCache.ts), which has no loader for a dynamic
// import(): packages loaded on first use are required (src/main/engine/lazyPackages.ts).
{
  const cliMain = readFileSync('out/node/cli-main.cjs', 'utf8');
  const dynamic = /(?<![\w$.])import\(\s*[^)\s]/.exec(cliMain.replace(/\/\/[^\n]*/g, ''));
  if (dynamic !== null)
    throw new Error(`out/node/cli-main.cjs has a dynamic import (${dynamic[0]}...): require it in lazyPackages.ts instead`);
}

// The CLI's code cache, made now so the first command starts as fast as the next ones (a command
// writes it again where it is missing or was made by another Node).
execFileSync(process.execPath, ['out/node/cli.js', '--help'], { stdio: 'ignore' });

await viteBuild({ configFile: 'vite.config.ts', logLevel: quiet ? 'warn' : 'info' });
console.log(`build done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
