import type { Browser } from 'playwright-core';
import { launchChromium } from '../../helpers/browser';
import { startServe } from '../../helpers/cli';

/** `tessera serve` on a workspace plus the Chromium that tests drive against it. */
export interface Ui {
  server: { url: string; stop(): Promise<void> };
  browser: Browser;
}

/** Starts `tessera serve` on the workspace (extra CLI arguments and environment optional) and Chromium. */
export async function startUi(workspace: string, opts: { args?: string[]; env?: Record<string, string> } = {}): Promise<Ui> {
  const server = await startServe(workspace, opts.args ?? [], opts.env ?? {});
  try {
    return { server, browser: await launchChromium() };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/** Closes the browser, stops the server and removes the test's folder (each step only if it got that far). */
export async function stopUi(ui: Ui | undefined, cleanup?: () => void): Promise<void> {
  await ui?.browser.close();
  await ui?.server.stop();
  cleanup?.();
}
