import { ApiError, ResultEnvelope } from './errors';
import type { EngineEvent, EventName, EventPayload, Input, MethodName, Output } from './contract';
import { events, methods } from './contract';
import { blobPath, type BlobRef } from '../domain/blobs';

/** Structural stand-in for AbortSignal: src/shared has no DOM or Node lib. */
export interface AbortSignalLike {
  readonly aborted: boolean;
}

/** The wire: how a call reaches the engine and how events come back. IPC, HTTP/WS and in-process implement it. */
export interface Transport {
  call(method: string, input: unknown, opts?: { signal?: AbortSignalLike }): Promise<unknown>;
  subscribe(listener: (event: EngineEvent) => void): () => void;
  /** Base of blob URLs: `/blob/` in web mode, `tessera://blob/` in Electron. */
  blobBase(): string;
}

export interface TesseraClient {
  call<M extends MethodName>(method: M, input: Input<M>, opts?: { signal?: AbortSignalLike }): Promise<Output<M>>;
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void;
  blobUrl(ref: BlobRef): string;
}

/** Wraps a transport: unwraps the Result envelope, validates outputs and events, rethrows errors as ApiError. */
export function createClient(transport: Transport): TesseraClient {
  return {
    async call(method, input, opts) {
      const raw = await transport.call(method, input, opts);
      const envelope = ResultEnvelope.safeParse(raw);
      if (!envelope.success) throw new ApiError('INTERNAL', `${method}: malformed response from the engine`);
      if (!envelope.data.ok) throw ApiError.fromData(envelope.data.error);
      const parsed = methods[method].output.safeParse(envelope.data.value);
      if (!parsed.success) throw new ApiError('INTERNAL', `${method}: response does not match the contract`);
      return parsed.data as Output<typeof method>;
    },
    on(name, listener) {
      return transport.subscribe((event) => {
        if (event.name !== name) return;
        const parsed = events[name].safeParse(event.payload);
        if (parsed.success) listener(parsed.data as EventPayload<typeof name>);
      });
    },
    blobUrl(ref) {
      return transport.blobBase() + blobPath(ref);
    },
  };
}
