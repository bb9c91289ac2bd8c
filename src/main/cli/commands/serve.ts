import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApiError } from '../../../shared/api/errors';
import { startServer, type RunningServer } from '../../server/server';
import { openSession, type GlobalOptions } from '../context';
import { errorText, printLine } from '../output';
import { readServeState, writeServeState } from '../serveState';

/** The built renderer sits beside the built CLI (out/node/cli.js -> out/renderer). */
export function rendererDir(): string | null {
  const dir = fileURLToPath(new URL('../renderer/', import.meta.url));
  return existsSync(`${dir}index.html`) ? dir : null;
}

export function registerServe(program: Command, globals: () => GlobalOptions): void {
  program
    .command('serve')
    .description('serve the browser UI and the API on this machine (token-protected)')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--port <port>', "port (default: the last launch's on this workspace when free, else any free port; 0 = any)")
    .option('--new-token', "make a new access token (by default a restart keeps the last launch's, so open tabs keep working)")
    .option(
      '--allow-dir <dir>',
      'a folder browser clients may import and add models from (repeatable; default: the current folder and your home folder; the workspace always)',
      (dir: string, all: string[] | undefined) => [...(all ?? []), dir],
    )
    .action(async (opts: { host: string; port?: string; newToken?: boolean; allowDir?: string[] }) => {
      const port = Number(opts.port ?? '0');
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        process.stderr.write(`error: --port must be an integer 0-65535, got "${opts.port}"\n`);
        process.exit(2);
      }
      const { engine } = openSession(globals(), false, true);
      const staticDir = rendererDir();
      if (staticDir === null) process.stderr.write('warning: the UI is not built (run "npm run build"); serving the API only\n');
      // The last launch's token and port, so a restart leaves open tabs working (cli/serveState.ts).
      const kept = readServeState(engine.paths.cache, engine.paths.root);
      const token = opts.newToken !== true && kept !== null ? kept.token : randomBytes(24).toString('base64url');
      const start = (at: number): Promise<RunningServer> =>
        startServer({ engine, host: opts.host, port: at, token, staticDir, allowDirs: opts.allowDir });
      let server: RunningServer;
      try {
        const again = opts.port === undefined && kept !== null ? await start(kept.port).catch(() => null) : null;
        server = again ?? (await start(port));
        if (engine.store.readOnly === null) writeServeState(engine.paths.cache, { port: server.port, token, workspace: engine.paths.root });
      } catch (err) {
        await engine.close();
        if (!(err instanceof ApiError)) throw err;
        process.stderr.write(errorText(err.message));
        process.exit(2);
      }
      // Said once the address is bound: an address that cannot be bound exposes nothing.
      if (!['127.0.0.1', 'localhost', '::1'].includes(opts.host)) {
        process.stderr.write(
          `warning: serving on ${opts.host}: anyone who can reach this address and learns the token can read and change this workspace\n`,
        );
      }
      printLine(`Tessera is serving ${engine.paths.root}`);
      printLine(`browser clients may read files under: ${server.readRoots.join(', ')} (and write only inside the workspace)`);
      printLine(`open ${server.url}`);
      const stop = async (): Promise<void> => {
        await server.close();
        await engine.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
