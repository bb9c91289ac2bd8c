// Sandboxed preload: exposes the typed bridge (call + subscribe + pickPath) and nothing else.
import { createBridge, type IpcRendererLike } from './bridge';

interface ElectronPreloadApi {
  contextBridge: { exposeInMainWorld(key: string, api: unknown): void };
  ipcRenderer: IpcRendererLike;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a sandboxed preload is CommonJS; electron's typings are optional here
const { contextBridge, ipcRenderer } = require('electron') as ElectronPreloadApi;

contextBridge.exposeInMainWorld('tessera', createBridge(ipcRenderer));
