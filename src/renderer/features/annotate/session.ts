import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { AnnotationState } from '../../../shared/api/methods/annotations';
import { client } from '../../api/client';
import { AnnotationEditor } from '../../canvas/tools/AnnotationEditor';
import { EditSync, type SyncStatus } from './editSync';
import { toWirePatch } from './patchWire';
import { reloadSession } from './reload';

export interface AnnotationSession {
  editor: AnnotationEditor;
  sync: EditSync;
  /** Fetches the stored label map and revision again (after a conflict or another window's edit). */
  reload(): Promise<void>;
  /** The sample edited, and its query (null: the image's label map; else the query's binary mask). */
  sampleId: number;
  query: string | null;
  /**
   * Another window or tab changed this image since this page loaded it: the engine's history (shared
   * by every window) may end with that window's edit, so this tab undoes and redoes only its own edits
   * still on its stack, never further (AnnotatePage's undo): a Ctrl+Z here undid the other tab's stroke.
   */
  othersEdited: boolean;
}

async function fetchLabels(state: AnnotationState): Promise<Uint8Array> {
  // no-store: the URL stays the same across edits, so a cached copy would be an old revision.
  const res = await fetch(client.blobUrl(state.labelMap), { credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) throw new Error(`the label map could not be loaded (${res.status})`);
  return new Uint8Array(await res.arrayBuffer());
}

const wait = (ms: number): Promise<void> => new Promise((r) => window.setTimeout(r, ms));

/**
 * One image's editing session: the editor (the canvas's store) and the autosave queue, wired so each
 * committed edit is sent at once. A stroke in progress is committed when the page is hidden or closed
 * (visibilitychange / pagehide), so a closed window loses nothing that was drawn; closing or reloading
 * the tab while edits are still unsaved (the server down or restarting) asks first (beforeunload).
 */
export function useAnnotationSession(
  imageId: number,
  size: { width: number; height: number } | null,
  /** A referring/reasoning query whose binary mask is edited; undefined: the image's label map (or first query). */
  sampleId?: number,
): { session: AnnotationSession | null; error: unknown } {
  const [session, setSession] = useState<AnnotationSession | null>(null);
  const [error, setError] = useState<unknown>(null);
  const width = size?.width ?? 0;
  const height = size?.height ?? 0;
  useEffect(() => {
    if (width === 0 || height === 0) return;
    let live = true;
    let built: AnnotationSession | null = null;
    void (async () => {
      const target = sampleId === undefined ? { imageId } : { imageId, sampleId };
      const state = await client.call('annotations.get', target);
      if (state.sampleId === null) return;
      const labels = await fetchLabels(state);
      if (!live) return;
      const sync = new EditSync({
        imageId,
        ...(state.query === null ? {} : { sampleId: state.sampleId }),
        revision: state.revision,
        canUndo: state.canUndo,
        canRedo: state.canRedo,
        api: {
          applyEdit: (input) => client.call('annotations.applyEdit', input),
          undo: (input) => client.call('annotations.undo', input),
          redo: (input) => client.call('annotations.redo', input),
        },
        encode: toWirePatch,
        wait,
      });
      const editor = new AnnotationEditor({ width, height, labels, onEdit: (p) => sync.edit(p) });
      let reloading: Promise<void> | null = null;
      const reload = (): Promise<void> =>
        (reloading ??= (async () => {
          try {
            const { othersEdited } = await reloadSession(editor, sync, width, async () => {
              const fresh = await client.call('annotations.get', target);
              return { state: fresh, labels: await fetchLabels(fresh) };
            });
            if (othersEdited && built !== null) built.othersEdited = true;
          } finally {
            reloading = null;
          }
        })());
      built = { editor, sync, reload, sampleId: state.sampleId, query: state.query, othersEdited: false };
      setSession(built);
    })().catch((err: unknown) => live && setError(err));
    const flush = (): void => built?.editor.flush();
    const onVisibility = (): void => {
      if (document.visibilityState === 'hidden') flush();
    };
    // Closing or reloading the tab while edits are not saved yet asks first (the browser's own prompt).
    const onBeforeUnload = (e: BeforeUnloadEvent): void => {
      if ((built?.sync.getStatus().pending ?? 0) === 0) return;
      e.preventDefault();
      e.returnValue = '';
    };
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('pagehide', flush);
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => {
      live = false;
      flush();
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('pagehide', flush);
      // Leaving the page keeps the queue sending (and the prompt) until everything is saved.
      const sync = built?.sync;
      if (sync !== undefined && sync.getStatus().pending > 0)
        void sync.idle().then(() => window.removeEventListener('beforeunload', onBeforeUnload));
      else window.removeEventListener('beforeunload', onBeforeUnload);
      setSession(null);
    };
  }, [imageId, width, height, sampleId]);
  return { session, error };
}

const idleStatus: SyncStatus = { pending: 0, revision: 0, canUndo: false, canRedo: false, error: null, needsReload: false, notice: null };
const noop = (): (() => void) => () => undefined;

/** The autosave status, reloading the map whenever the queue says it must. */
export function useSyncStatus(session: AnnotationSession | null, storedRevision: number | undefined): SyncStatus {
  const status = useSyncExternalStore(session?.sync.subscribe ?? noop, session?.sync.getStatus ?? (() => idleStatus));
  const reloadRef = useRef(session?.reload);
  reloadRef.current = session?.reload;
  useEffect(() => {
    if (status.needsReload) void reloadRef.current?.();
  }, [status.needsReload]);
  // Another window or tab edited this image: its revision is ahead of ours and nothing of ours is in flight.
  useEffect(() => {
    if (storedRevision !== undefined && storedRevision > status.revision && status.pending === 0) void reloadRef.current?.();
  }, [storedRevision, status.revision, status.pending]);
  return status;
}
