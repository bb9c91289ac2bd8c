import type { IpcMainInvokeEventLike, WebContentsLike } from '../../../src/main/electron/electronApi';
import type { IpcMainLike } from '../../../src/main/electron/ipc';
import type { IpcRendererLike } from '../../../src/preload/bridge';

type Handler = (event: IpcMainInvokeEventLike, ...args: unknown[]) => Promise<unknown>;
type Listener = (event: unknown, payload: unknown) => void;

/**
 * An ipcMain / ipcRenderer pair joined in one Node process, as Electron joins them across
 * processes: invoke reaches the one handler of its channel, with the sender's frame; arguments,
 * results and sent payloads are structured clones (no functions, no class instances survive), and
 * sends arrive later, in order. A handler that throws rejects the invoke with only the message, as
 * Electron does.
 */
export function fakeIpc(frameUrl: string): { ipcMain: IpcMainLike; ipcRenderer: IpcRendererLike; contents: WebContentsLike } {
  const handlers = new Map<string, Handler>();
  const listeners = new Map<string, Set<Listener>>();
  const contents: WebContentsLike = {
    id: 1,
    send(channel, payload) {
      const copy = structuredClone(payload);
      setImmediate(() => {
        for (const l of listeners.get(channel) ?? []) l({ sender: null }, copy);
      });
    },
    setWindowOpenHandler: () => undefined,
    on: () => undefined,
    isDestroyed: () => false,
  };
  const ipcMain: IpcMainLike = {
    handle(channel, listener) {
      if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      handlers.set(channel, listener);
    },
  };
  const ipcRenderer: IpcRendererLike = {
    async invoke(channel, ...args) {
      const handler = handlers.get(channel);
      if (handler === undefined) throw new Error(`Error invoking remote method '${channel}': No handler registered`);
      try {
        return structuredClone(await handler({ sender: contents, senderFrame: { url: frameUrl } }, ...structuredClone(args)));
      } catch (err) {
        throw new Error(`Error invoking remote method '${channel}': ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    },
    on(channel, listener) {
      const set = listeners.get(channel) ?? new Set<Listener>();
      set.add(listener);
      listeners.set(channel, set);
    },
    removeListener(channel, listener) {
      listeners.get(channel)?.delete(listener);
    },
  };
  return { ipcMain, ipcRenderer, contents };
}
