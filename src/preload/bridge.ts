import type { TesseraBridge } from '../shared/api/bridge';

/** The part of Electron's ipcRenderer the bridge uses (a fake one in tests). */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): void;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): void;
}

/**
 * `window.tessera` over IPC: calls go to the main process's `tessera:call` handler
 * (src/main/electron/ipc.ts), engine events come back on `tessera:event`.
 */
export function createBridge(ipcRenderer: IpcRendererLike): TesseraBridge {
  return {
    call: (method: string, input: unknown) => ipcRenderer.invoke('tessera:call', method, input),
    subscribe: (listener: (event: unknown) => void) => {
      const handler = (_e: unknown, payload: unknown): void => listener(payload);
      ipcRenderer.on('tessera:event', handler);
      return () => ipcRenderer.removeListener('tessera:event', handler);
    },
    pickPath: async (kind: 'folder' | 'file') => {
      const picked = await ipcRenderer.invoke('tessera:pickPath', kind);
      return typeof picked === 'string' ? picked : null;
    },
  } satisfies TesseraBridge;
}
