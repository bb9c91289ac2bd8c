import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { createEngine } from '../engine/engine';
import { loadElectron } from './electronApi';
import { protocolHandler, APP_ORIGIN, SCHEME } from './protocol';
import { hardenContents } from './security';
import { forwardEvents, serveIpc } from './ipc';
import { electronPdfPrinter } from './pdfPrinter';

// The Electron shell: window, IPC bridge, protocol. No business logic lives here.
const electron = loadElectron();
const { app, BrowserWindow, ipcMain, protocol, dialog } = electron;
const here = fileURLToPath(new URL('.', import.meta.url));

protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

async function start(): Promise<void> {
  await app.whenReady();
  const workspace =
    app.commandLine.getSwitchValue('workspace') || process.env['TESSERA_WORKSPACE'] || join(app.getPath('userData'), 'workspace');
  // PDF reports print through Electron itself: no system Chromium needed (Windows, macOS).
  const engine = createEngine({ workspace: resolve(workspace), create: true, pdfPrinter: electronPdfPrinter(electron) });
  hardenContents(electron);
  protocol.handle(SCHEME, protocolHandler(engine, join(here, '../renderer')));

  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Tessera',
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  serveIpc(ipcMain, engine, async (kind) => {
    const result = await dialog.showOpenDialog(win, { properties: [kind === 'file' ? 'openFile' : 'openDirectory'] });
    return result.canceled ? null : (result.filePaths[0] ?? null);
  });
  const unsubscribe = forwardEvents(engine, win.webContents);
  win.on('closed', unsubscribe);
  app.on('window-all-closed', () => {
    void engine.close().then(() => app.quit());
  });
  await win.loadURL(`${APP_ORIGIN}/index.html`);
}

void start();
