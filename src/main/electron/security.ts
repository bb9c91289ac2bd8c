import type { ElectronApi, IpcMainInvokeEventLike } from './electronApi';
import { APP_ORIGIN } from './protocol';

/** Blocks navigation away from the app, new windows and every permission request (docs/design.md §7). */
export function hardenContents(electron: ElectronApi): void {
  electron.app.on('web-contents-created', (_e, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (event, url) => {
      if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
    });
  });
  electron.session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
}

/** IPC is only answered for our own page, never for a frame that navigated elsewhere. */
export function isTrustedSender(event: IpcMainInvokeEventLike): boolean {
  return event.senderFrame !== null && event.senderFrame.url.startsWith(`${APP_ORIGIN}/`);
}
