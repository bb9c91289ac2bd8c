import type { EngineEvent, Transport } from '../../../shared';

/** The bridge the Electron preload exposes as window.tessera. */
export interface TesseraBridge {
  call(method: string, input: unknown): Promise<unknown>;
  subscribe(listener: (event: unknown) => void): () => void;
  /** Electron only: the native open dialog; resolves with the chosen path or null. */
  pickPath?(kind: 'folder' | 'file'): Promise<string | null>;
}

export function ipcTransport(bridge: TesseraBridge): Transport {
  return {
    call: (method, input) => bridge.call(method, input),
    subscribe: (listener) => bridge.subscribe((event) => listener(event as EngineEvent)),
    blobBase: () => 'tessera://blob/',
  };
}
