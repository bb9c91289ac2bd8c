import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// One renderer bundle for both hosts: relative base so it loads from tessera:// (Electron) and http:// (serve).
export default defineConfig({
  root: 'src/renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../../out/renderer', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 2000 },
});
