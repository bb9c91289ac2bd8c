// The bundles Tessera is made of, in one list for both builds: tools/build.mjs (`npm run build`,
// esbuild) and electron.vite.config.ts (`npm run dev`, electron-vite). Keys are output names
// (<outdir>/<key>.js); values are sources relative to the repository root.

/**
 * Workers started from a file beside their host bundle (InferenceClient, ReadWorker and workers/pool.ts
 * look for <key>.js next to the bundle that imports them), so every host bundle carries them.
 */
export const workerEntries = {
  inferenceWorker: 'src/main/engine/models/inference/worker.ts',
  readWorker: 'src/main/engine/store/readWorker/worker.ts',
  poolWorker: 'src/main/engine/workers/worker.ts',
};

/**
 * out/node: the CLI and `tessera serve` (plain Node, no Electron). cli.js is a small ES module that
 * runs the CLI itself, cli-main.cjs (a CommonJS bundle, cliMainEntry), with a V8 code cache
 * (src/main/cli/codeCache.ts).
 */
export const nodeEntries = { cli: 'src/main/cli/launch.ts', ...workerEntries };

/** out/node/cli-main.cjs: the CLI, CommonJS so that it can be compiled with a code cache. */
export const cliMainEntry = { 'cli-main': 'src/main/cli/index.ts' };

/** out/electron: the Electron main process. */
export const electronEntries = { main: 'src/main/electron/main.ts', ...workerEntries };

/** out/preload: the sandboxed preload, one CommonJS file (index.cjs) that requires nothing but electron. */
export const preloadEntries = { index: 'src/preload/index.ts' };

/** Native modules and other packages that stay outside every Node bundle. */
export const nodeExternals = ['better-sqlite3', 'onnxruntime-node', 'sharp', 'ws'];
