// Development/test entry of the read worker: registers tsx in this thread, then loads the TypeScript
// worker. Built apps use out/*/readWorker.js instead (tools/build.mjs).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
