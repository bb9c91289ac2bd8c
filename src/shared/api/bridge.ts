/**
 * What the Electron preload exposes as `window.tessera` (src/preload/bridge.ts builds it with
 * `satisfies TesseraBridge`) and what the renderer's IPC transport reads: one type, so the two
 * sides cannot drift. Calls return the engine's Result envelope; events are EngineEvents, checked by
 * the client against the contract.
 */
export interface TesseraBridge {
  call(method: string, input: unknown): Promise<unknown>;
  subscribe(listener: (event: unknown) => void): () => void;
  /** The native open dialog (import paths); resolves with the chosen path or null. */
  pickPath(kind: 'folder' | 'file'): Promise<string | null>;
}
