/** What the preload exposes as `window.tessera`; the renderer's IPC transport reads exactly this. */
export interface PreloadBridge {
  call(method: string, input: unknown): Promise<unknown>;
  subscribe(listener: (event: unknown) => void): () => void;
  /** The native open dialog (import paths); resolves with the chosen path or null. */
  pickPath(kind: 'folder' | 'file'): Promise<string | null>;
}
