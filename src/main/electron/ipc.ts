import type { EngineEvent } from '../../shared/api/contract';
import type { Result } from '../../shared/api/errors';
import type { IpcMainInvokeEventLike, WebContentsLike } from './electronApi';
import { isTrustedSender } from './security';

/** The part of Electron's ipcMain the shell uses (a fake one in tests). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
}

/** What the IPC side needs of the engine. */
export interface IpcEngine {
  dispatch(method: string, input: unknown, ctx: { transport: 'ipc' }): Promise<Result<unknown>>;
  events: { subscribe(listener: (event: EngineEvent) => void): () => void };
}

/**
 * The main-process half of the bridge the preload builds (src/preload/bridge.ts): `tessera:call`
 * dispatches to the engine, `tessera:pickPath` opens the native dialog, both for the app's own
 * frames only.
 */
export function serveIpc(ipcMain: IpcMainLike, engine: IpcEngine, pickPath: (kind: 'folder' | 'file') => Promise<string | null>): void {
  ipcMain.handle('tessera:call', async (event, method, input) => {
    // Electron keeps only `message` of a thrown error, so errors travel as Result data.
    if (!isTrustedSender(event)) return { ok: false, error: { code: 'UNAUTHORIZED', message: 'untrusted sender' } };
    return engine.dispatch(String(method), input, { transport: 'ipc' });
  });
  ipcMain.handle('tessera:pickPath', async (event, kind) => {
    if (!isTrustedSender(event)) return null;
    return pickPath(kind === 'file' ? 'file' : 'folder');
  });
}

/** Sends every engine event to a window on `tessera:event`; returns the unsubscribe. */
export function forwardEvents(engine: IpcEngine, contents: WebContentsLike): () => void {
  return engine.events.subscribe((ev) => {
    if (!contents.isDestroyed()) contents.send('tessera:event', ev);
  });
}
