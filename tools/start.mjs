#!/usr/bin/env node
// npm start: the Electron window when Electron (and its binary) is installed; otherwise
// `tessera serve` on the default workspace ($TESSERA_WORKSPACE or ./.tessera), created if missing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const workspace = resolve(process.env.TESSERA_WORKSPACE || '.tessera');
const bin = resolve('bin/tessera.js');

function electronBinary() {
  try {
    // From plain Node, require('electron') returns the binary's path, and throws when the download was skipped.
    const path = createRequire(import.meta.url)('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const electron = electronBinary();
if (!existsSync(resolve(workspace, 'tessera.db'))) {
  // First start: a demo workspace (toy models labelled TOY, synthetic scenes, the sample photos).
  const args = process.argv.includes('--no-demo') ? [] : ['--demo'];
  const init = spawnSync(process.execPath, [bin, '--workspace', workspace, 'init', ...args], { stdio: 'inherit' });
  if (init.status !== 0) process.exit(init.status ?? 1);
}
const child =
  electron !== null
    ? spawn(electron, ['.', `--workspace=${workspace}`], { stdio: 'inherit' })
    : (console.log('Electron is not installed here: starting the browser UI instead.'),
      spawn(process.execPath, [bin, '--workspace', workspace, 'serve', ...process.argv.slice(2).filter((a) => a !== '--no-demo')], {
        stdio: 'inherit',
      }));
child.on('exit', (code) => process.exit(code ?? 0));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
