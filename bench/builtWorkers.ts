/**
 * Benchmarks time the product's worker threads: the built ones in out/node (TESSERA_WORKER_BUNDLES,
 * src/main/engine/workerScript.ts), not the TypeScript sources loaded through tsx in each new thread,
 * a start-up cost (and extra loader threads) the app does not have. Only when the build is newer than
 * every engine source; else a note, and the sources as before. `npm run bench` builds first.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundles = join(root, 'out', 'node');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

if (process.env['TESSERA_WORKER_BUNDLES'] === undefined) {
  const built = join(bundles, 'poolWorker.js');
  const fresh =
    existsSync(built) &&
    statSync(built).mtimeMs >= Math.max(newestSource(join(root, 'src', 'main')), newestSource(join(root, 'src', 'shared')));
  if (fresh) process.env['TESSERA_WORKER_BUNDLES'] = bundles;
  else console.log('note: out/node is missing or older than src: worker threads load TypeScript through tsx (run `npm run build`)');
}
