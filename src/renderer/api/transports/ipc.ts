import type { EngineEvent, TesseraBridge, Transport } from '../../../shared';

/** Electron: calls and events over the bridge the preload exposes as window.tessera (one type: TesseraBridge). */
export function ipcTransport(bridge: TesseraBridge): Transport {
  return {
    call: (method, input) => bridge.call(method, input),
    subscribe: (listener) => bridge.subscribe((event) => listener(event as EngineEvent)),
    blobBase: () => 'tessera://blob/',
  };
}
