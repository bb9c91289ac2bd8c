// Sandboxed preload: exposes the typed bridge (call + subscribe) and nothing else.
import type { PreloadBridge } from './bridge';

interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): void;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): void;
}
interface ElectronPreloadApi {
  contextBridge: { exposeInMainWorld(key: string, api: unknown): void };
  ipcRenderer: IpcRendererLike;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a sandboxed preload is CommonJS; electron's typings are optional here
const { contextBridge, ipcRenderer } = require('electron') as ElectronPreloadApi;

const bridge = {
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
} satisfies PreloadBridge;

contextBridge.exposeInMainWorld('tessera', bridge);
