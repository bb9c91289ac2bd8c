import { createClient, type TesseraBridge, type TesseraClient } from '../../shared';
import { httpTransport } from './transports/http';
import { ipcTransport } from './transports/ipc';

declare global {
  interface Window {
    tessera?: TesseraBridge;
  }
}

/** The renderer's one client: IPC inside Electron, HTTP/WS in a browser. Nothing else knows which. */
export const client: TesseraClient = createClient(window.tessera !== undefined ? ipcTransport(window.tessera) : httpTransport());
