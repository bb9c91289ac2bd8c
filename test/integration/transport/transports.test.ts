import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiError, createClient, inProcessTransport } from '../../../src/shared';
import { startServer } from '../../../src/main/server/server';
import { forwardEvents, serveIpc } from '../../../src/main/electron/ipc';
import { createBridge } from '../../../src/preload/bridge';
import { httpTransport } from '../../../src/renderer/api/transports/http';
import { ipcTransport } from '../../../src/renderer/api/transports/ipc';
import { contractConformance } from './conformance';
import { fakeIpc } from './fakeIpc';

// The same contract tests over each transport a client can use.

contractConformance('the in-process transport (CLI, tests)', async (engine) => ({
  client: createClient(inProcessTransport({ dispatch: engine.dispatch, subscribe: (l) => engine.events.subscribe(l) })),
  close: () => undefined,
}));

contractConformance('HTTP + WebSocket (tessera serve, the browser UI transport)', async (engine, { root }) => {
  // The renderer's own transport, in Node: `ws` stands in for the browser's WebSocket.
  (globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
  const server = await startServer({
    engine,
    host: '127.0.0.1',
    port: 0,
    token: 'conformance-token-0123',
    staticDir: null,
    allowDirs: [root],
  });
  const transport = httpTransport({ origin: `http://127.0.0.1:${server.port}`, token: 'conformance-token-0123' });
  return {
    client: createClient(transport),
    close: async () => {
      transport.close();
      await server.close();
    },
  };
});

const APP_FRAME = 'tessera://app/index.html';

contractConformance('IPC (the Electron shell: main-process handlers, preload bridge, renderer transport)', async (engine) => {
  const ipc = fakeIpc(APP_FRAME);
  serveIpc(ipc.ipcMain, engine, async () => null);
  const unsubscribe = forwardEvents(engine, ipc.contents);
  return { client: createClient(ipcTransport(createBridge(ipc.ipcRenderer))), close: unsubscribe };
});

describe('IPC answers the app only', () => {
  it('refuses calls and the file dialog from a frame that is not the app', async () => {
    const ipc = fakeIpc('https://evil.example/');
    let dialogs = 0;
    const engine = { dispatch: async () => ({ ok: true as const, value: [] }), events: { subscribe: () => () => undefined } };
    serveIpc(ipc.ipcMain, engine, async () => {
      dialogs++;
      return '/picked';
    });
    const bridge = createBridge(ipc.ipcRenderer);
    const refused = await createClient(ipcTransport(bridge))
      .call('datasets.list', {})
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ code: 'UNAUTHORIZED', message: 'untrusted sender' });
    expect(await bridge.pickPath('folder')).toBeNull();
    expect(dialogs).toBe(0);
  });

  it("passes the app's file dialog choice through the bridge", async () => {
    const ipc = fakeIpc(APP_FRAME);
    const asked: string[] = [];
    serveIpc(
      ipc.ipcMain,
      { dispatch: async () => ({ ok: true as const, value: null }), events: { subscribe: () => () => undefined } },
      async (kind) => {
        asked.push(kind);
        return kind === 'file' ? '/data/coco.json' : null;
      },
    );
    const bridge = createBridge(ipc.ipcRenderer);
    expect(await bridge.pickPath('file')).toBe('/data/coco.json');
    expect(await bridge.pickPath('folder')).toBeNull();
    expect(asked).toEqual(['file', 'folder']);
  });
});
