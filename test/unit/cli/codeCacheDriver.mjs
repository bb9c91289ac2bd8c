// Runs src/main/cli/codeCache.ts on one file in a fresh process (a fresh V8, so no compilation is
// shared with the test's own): node codeCacheDriver.mjs FILE [save] -> {"use", "seen", "saved"}.
import { register } from 'tsx/esm/api';

register();
const { loadWithCodeCache } = await import('../../../src/main/cli/codeCache.ts');
const [file, save] = process.argv.slice(2);
const loaded = loadWithCodeCache(file);
loaded.run();
const saved = save === 'save' ? loaded.save() : null;
process.stdout.write(JSON.stringify({ use: loaded.use, seen: globalThis.codeCacheTest ?? null, saved }));
