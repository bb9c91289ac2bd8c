import { createRequire } from 'node:module';

/**
 * The slice of Electron's API the shell uses, typed here because the Electron package (and its
 * typings) is an optional dependency that is absent on machines that cannot download its binary.
 * Loading it through createRequire keeps `tsc` green there; the shell stays thin enough that this
 * small surface is easy to keep right (docs/adr/0003-electron-optional.md).
 */
export interface WebContentsLike {
  id: number;
  send(channel: string, payload: unknown): void;
  setWindowOpenHandler(handler: () => { action: 'deny' }): void;
  on(event: 'will-navigate', listener: (event: { preventDefault(): void }, url: string) => void): void;
  isDestroyed(): boolean;
}

/** A window's contents, which can also print (Electron >= 20: margins in inches, pageSize a name such as 'A4'). */
export interface PrintableWebContentsLike extends WebContentsLike {
  printToPDF(options: {
    pageSize?: string;
    printBackground?: boolean;
    margins?: { top: number; bottom: number; left: number; right: number };
  }): Promise<Uint8Array>;
}

export interface BrowserWindowLike {
  webContents: PrintableWebContentsLike;
  loadURL(url: string): Promise<void>;
  loadFile(path: string): Promise<void>;
  on(event: 'closed', listener: () => void): void;
  destroy(): void;
}

export interface IpcMainInvokeEventLike {
  sender: WebContentsLike;
  senderFrame: { url: string } | null;
}

export interface ElectronApi {
  app: {
    whenReady(): Promise<void>;
    on(event: 'window-all-closed' | 'before-quit', listener: () => void): void;
    on(event: 'web-contents-created', listener: (e: unknown, contents: WebContentsLike) => void): void;
    quit(): void;
    getPath(name: 'userData'): string;
    commandLine: { getSwitchValue(name: string): string };
  };
  BrowserWindow: new (options: Record<string, unknown>) => BrowserWindowLike;
  ipcMain: { handle(channel: string, listener: (event: IpcMainInvokeEventLike, ...args: unknown[]) => Promise<unknown>): void };
  protocol: {
    registerSchemesAsPrivileged(schemes: Array<{ scheme: string; privileges: Record<string, boolean> }>): void;
    handle(scheme: string, handler: (request: Request) => Promise<Response> | Response): void;
  };
  dialog: {
    showOpenDialog(
      window: BrowserWindowLike,
      options: { properties: Array<'openDirectory' | 'openFile'> },
    ): Promise<{ canceled: boolean; filePaths: string[] }>;
  };
  session: {
    defaultSession: {
      setPermissionRequestHandler(handler: (wc: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
    };
  };
}

export function loadElectron(): ElectronApi {
  return createRequire(import.meta.url)('electron') as ElectronApi;
}
