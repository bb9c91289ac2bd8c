import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';
import { electronEntries, nodeExternals, preloadEntries } from './tools/entries.mjs';

const resolved = (entries: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(entries).map(([name, source]) => [name, resolve(source)]));

// `npm run dev`: the Electron app built by electron-vite (watching). Production builds use
// tools/build.mjs; both take their entries from tools/entries.mjs, so out/electron gets the same
// main.js and worker files (inferenceWorker.js, readWorker.js, ...) here as there, and out/preload index.cjs.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/electron',
      sourcemap: true,
      rollupOptions: {
        input: resolved(electronEntries),
        external: [...nodeExternals],
        output: { entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      sourcemap: true,
      rollupOptions: { input: resolved(preloadEntries), output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: 'src/renderer',
    base: './',
    plugins: [react()],
    build: { outDir: 'out/renderer', sourcemap: true, rollupOptions: { input: resolve('src/renderer/index.html') } },
  },
});
