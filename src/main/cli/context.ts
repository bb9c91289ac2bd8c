import { resolve } from 'node:path';
import { createClient, inProcessTransport, type TesseraClient } from '../../shared';
import { createEngine, type Engine } from '../engine/engine';

export interface GlobalOptions {
  workspace?: string;
  debug?: boolean;
}

/** DESIGN §6: --workspace, else $TESSERA_WORKSPACE, else ./.tessera */
export function workspaceDir(opts: GlobalOptions): string {
  return resolve(opts.workspace ?? (process.env['TESSERA_WORKSPACE'] || '.tessera'));
}

export interface Session {
  engine: Engine;
  client: TesseraClient;
}

/** Opens the engine in this process and a client over it: the CLI speaks the same contract as the UI. */
export function openSession(opts: GlobalOptions, create = false): Session {
  const engine = createEngine({ workspace: workspaceDir(opts), create, debug: opts.debug === true });
  const client = createClient(inProcessTransport({ dispatch: engine.dispatch, subscribe: (l) => engine.events.subscribe(l) }));
  return { engine, client };
}

export async function withSession<T>(opts: GlobalOptions, fn: (s: Session) => Promise<T>, create = false): Promise<T> {
  const session = openSession(opts, create);
  try {
    return await fn(session);
  } finally {
    await session.engine.close();
  }
}
