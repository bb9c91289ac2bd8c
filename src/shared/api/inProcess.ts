import type { Result } from './errors';
import type { EngineEvent } from './contract';
import type { AbortSignalLike, Transport } from './client';

/** The engine side a transport needs: a dispatcher and an event source. */
export interface EngineEndpoint {
  dispatch(method: string, input: unknown, ctx?: { signal?: AbortSignalLike | undefined }): Promise<Result<unknown>>;
  subscribe(listener: (event: EngineEvent) => void): () => void;
}

/**
 * A transport that calls the engine in the same process (CLI, tests). It still round-trips through
 * JSON so that in-process callers see exactly what IPC and HTTP callers see.
 */
export function inProcessTransport(endpoint: EngineEndpoint, blobBase = 'blob:'): Transport {
  return {
    async call(method, input, opts) {
      const result = await endpoint.dispatch(method, JSON.parse(JSON.stringify(input ?? {})) as unknown, { signal: opts?.signal });
      return JSON.parse(JSON.stringify(result)) as unknown;
    },
    subscribe(listener) {
      return endpoint.subscribe((event) => listener(JSON.parse(JSON.stringify(event)) as EngineEvent));
    },
    blobBase: () => blobBase,
  };
}
