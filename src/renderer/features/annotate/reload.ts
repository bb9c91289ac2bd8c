import type { AnnotationEditor } from '../../canvas/tools/AnnotationEditor';
import type { EditSync } from './editSync';
import { rebaseEdits, reloadNotice } from './rebase';

/**
 * Takes the stored map again (another tab's change, a CONFLICT) without losing anything of this tab's:
 * a stroke held or a polygon being drawn is never dropped for it. The reload waits for the gesture to
 * end and for the queue to settle (the gesture's edit goes out and is refused as made on the old map,
 * so kept), fetches the map, and applies it only if nothing began meanwhile (a stroke started, or an
 * edit sent, while the map was on its way was made on the old map too: wait and fetch again). Then
 * this tab's refused and waiting edits are applied again on top of the fresh map (rebase.ts), become
 * its undo stack (Ctrl+Z undoes them, by their engine ids) and are sent, with the notice saying so.
 * `othersEdited`: the stored map had moved past this tab's revision (another window or tab edited).
 */
export async function reloadSession(
  editor: AnnotationEditor,
  sync: EditSync,
  width: number,
  fetchFresh: () => Promise<{ state: { revision: number; canUndo: boolean; canRedo: boolean }; labels: Uint8Array }>,
): Promise<{ othersEdited: boolean }> {
  for (;;) {
    await editor.whenIdle();
    await sync.idle();
    const fresh = await fetchFresh();
    if (editor.isBusy() || sync.busy()) continue;
    // From here to the end nothing awaits: no gesture or edit can slip in between.
    const othersEdited = fresh.state.revision !== sync.getStatus().revision;
    const unsent = sync.takeUnsent();
    const rebased = rebaseEdits(fresh.labels, width, unsent.edits);
    editor.replaceLabels(fresh.labels, { own: rebased });
    sync.reset(fresh.state, reloadNotice(unsent.edits.length, rebased.length, unsent.steps, unsent.refused), unsent.refused?.changes ?? 0);
    for (const patch of rebased) sync.resend(patch);
    return { othersEdited };
  }
}
