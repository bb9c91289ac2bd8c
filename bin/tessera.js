#!/usr/bin/env node
// Thin launcher: the CLI is built into out/node by `npm install` (prepare) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../out/node/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(built))) {
  process.stderr.write('error: Tessera is not built yet; run "npm run build" in the checkout\n');
  process.exit(1);
}
await import(built.href);
