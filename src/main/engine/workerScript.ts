/**
 * Where a worker thread's script is. Built, it lies beside the bundle that starts it
 * (out/node/<name>.js, tools/entries.mjs). From source (tests, `tsx` scripts) it is the TypeScript
 * module run through tsx, unless TESSERA_WORKER_BUNDLES names a folder of built workers: the
 * benchmarks (`npm run bench` builds first) time the product's own workers, not tsx loading them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** `name`: the built worker's name (readWorker, poolWorker, inferenceWorker); `here`: the starting module's import.meta.url; `dev`: its tsx entry beside it. */
export function workerScript(name: string, here: string, dev: string): URL {
  const built = new URL(`./${name}.js`, here);
  if (existsSync(fileURLToPath(built))) return built;
  const bundles = process.env['TESSERA_WORKER_BUNDLES'];
  if (bundles !== undefined && bundles !== '' && existsSync(join(bundles, `${name}.js`))) return pathToFileURL(join(bundles, `${name}.js`));
  return new URL(dev, here);
}
