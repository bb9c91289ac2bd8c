import { spawn, spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/tessera.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The process's id (files a process names after itself, e.g. onnxruntime's /tmp/mat-debug-<pid>.log). */
  pid: number;
}

/** Runs the built `tessera` command exactly as a user would (node bin/tessera.js ...). */
export function tessera(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? REPO,
    env: { ...process.env, TESSERA_WORKSPACE: '', ...opts.env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  const result = { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr } as CliResult;
  // Not enumerable: tests compare results with toEqual({ code, stdout, stderr }).
  Object.defineProperty(result, 'pid', { value: r.pid, enumerable: false });
  return result;
}

/**
 * Starts `tessera serve` in the workspace's parent folder (as a user starts it in their project
 * folder, which browser clients may then read from) and resolves with the printed URL once it listens.
 */
export function startServe(
  workspace: string,
  extraArgs: string[] = [],
  env: Record<string, string> = {},
  /** null: no --port (serve takes its last launch's port when free). */
  port: string | null = '0',
): Promise<{ url: string; stop(): Promise<void> }> {
  const portArgs = port === null ? [] : ['--port', port];
  const child = spawn(process.execPath, [BIN, '--workspace', workspace, 'serve', ...portArgs, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: dirname(resolve(workspace)),
    env: { ...process.env, ...env },
  });
  return new Promise((resolveStart, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`tessera serve did not start: ${err}`)), 30_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /open (http:\/\/\S+)/.exec(out);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolveStart({
          url: m[1],
          stop: () =>
            new Promise<void>((r) => {
              child.once('exit', () => r());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tessera serve exited with ${code}: ${err}`));
    });
  });
}
