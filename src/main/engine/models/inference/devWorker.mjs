// Development/test entry of the inference worker: registers tsx in this thread, then loads the
// TypeScript worker. Built apps use out/*/inferenceWorker.js instead (tools/build.mjs).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
