/**
 * The built CLI's entry (out/node/cli.js): runs the CLI bundle (out/node/cli-main.cjs) with its V8
 * code cache (codeCache.ts). TESSERA_CODE_CACHE=0 runs it without one.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { runWithCodeCache } from './codeCache';

const bundle = fileURLToPath(new URL('./cli-main.cjs', import.meta.url));
if (process.env['TESSERA_CODE_CACHE'] === '0') createRequire(import.meta.url)(bundle);
else runWithCodeCache(bundle);
