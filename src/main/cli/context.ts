import { resolve } from 'node:path';
import { createClient, inProcessTransport, type TesseraClient } from '../../shared';
import { createEngine, type Engine } from '../engine/engine';

export interface GlobalOptions {
  workspace?: string;
  debug?: boolean;
}

/** docs/design.md §6.3: --workspace, else $TESSERA_WORKSPACE, else ./.tessera */
export function workspaceDir(opts: GlobalOptions): string {
  return resolve(opts.workspace ?? (process.env['TESSERA_WORKSPACE'] || '.tessera'));
}

export interface Session {
  engine: Engine;
  client: TesseraClient;
}

/**
 * Opens the engine in this process and a client over it: the CLI speaks the same contract as the UI.
 * A one-shot command reads in its own thread (starting the read worker would cost more than it
 * saves); `serve` keeps heavy reads off its event loop with the worker.
 */
export function openSession(opts: GlobalOptions, create: boolean | 'init' = false, readWorker = false): Session {
  const engine = createEngine({
    workspace: workspaceDir(opts),
    create: create !== false,
    init: create === 'init',
    debug: opts.debug === true,
    readWorker,
  });
  if (engine.store.damage !== null)
    process.stderr.write(`warning: ${engine.store.file} is damaged; it is open read-only (run "tessera check")\n`);
  const client = createClient(inProcessTransport({ dispatch: engine.dispatch, subscribe: (l) => engine.events.subscribe(l) }));
  return { engine, client };
}

export async function withSession<T>(opts: GlobalOptions, fn: (s: Session) => Promise<T>, create: boolean | 'init' = false): Promise<T> {
  const session = openSession(opts, create);
  try {
    return await fn(session);
  } finally {
    await session.engine.close();
  }
}
