#!/usr/bin/env node
// Builds everything `npm install` / `npm test` need: the Node entries (CLI + server, Electron main,
// preload) with esbuild, and the renderer with Vite. Dependencies stay external (native modules).
import { build } from 'esbuild';
import { build as viteBuild } from 'vite';
import { rmSync } from 'node:fs';
import { electronEntries, nodeEntries, preloadEntries } from './entries.mjs';

const quiet = process.argv.includes('--quiet');
const t0 = Date.now();
rmSync('out', { recursive: true, force: true });

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
};
await Promise.all([
  // The workers are entries beside each host bundle (tools/entries.mjs says who looks there).
  build({ ...node, entryPoints: nodeEntries, outdir: 'out/node' }),
  build({ ...node, entryPoints: electronEntries, outdir: 'out/electron', external: ['electron'] }),
  // A sandboxed preload must be one CommonJS file that requires nothing but electron.
  build({
    ...node,
    entryPoints: preloadEntries,
    outfile: undefined,
    outdir: 'out/preload',
    format: 'cjs',
    packages: undefined,
    external: ['electron'],
    outExtension: { '.js': '.cjs' },
  }),
]);
await viteBuild({ configFile: 'vite.config.ts', logLevel: quiet ? 'warn' : 'info' });
console.log(`build done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
