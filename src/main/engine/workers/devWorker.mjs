// Development/test entry of the pool worker: registers tsx in this thread, then loads the TypeScript
// worker. Built apps use out/*/poolWorker.js instead (tools/build.mjs).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
