import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../server/server';
import { openSession, type GlobalOptions } from '../context';
import { printLine } from '../output';

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
    .option('--port <port>', 'port (0 = any free port)', '0')
    .action(async (opts: { host: string; port: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        process.stderr.write(`error: --port must be an integer 0-65535, got "${opts.port}"\n`);
        process.exit(2);
      }
      const loopback = ['127.0.0.1', 'localhost', '::1'].includes(opts.host);
      if (!loopback) {
        process.stderr.write(
          `warning: serving on ${opts.host}: anyone who can reach this address and learns the token can read and change this workspace\n`,
        );
      }
      const { engine } = openSession(globals());
      const staticDir = rendererDir();
      if (staticDir === null) process.stderr.write('warning: the UI is not built (run "npm run build"); serving the API only\n');
      const server = await startServer({ engine, host: opts.host, port, token: randomBytes(24).toString('base64url'), staticDir });
      printLine(`Tessera is serving ${engine.paths.root}`);
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
