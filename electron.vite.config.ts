import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';

// `npm run dev`: the Electron app with renderer hot reload. Production builds use tools/build.mjs,
// which emits the same three entries into out/ (electron, preload, renderer).
export default defineConfig({
  main: {
    build: {
      outDir: 'out/electron',
      rollupOptions: {
        input: { main: resolve('src/main/electron/main.ts') },
        external: ['better-sqlite3', 'onnxruntime-node', 'sharp', 'ws'],
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: { input: { index: resolve('src/preload/index.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: 'src/renderer',
    base: './',
    plugins: [react()],
    build: { outDir: 'out/renderer', rollupOptions: { input: resolve('src/renderer/index.html') } },
  },
});
