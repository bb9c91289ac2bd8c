import { applyPatch, type MaskPatch } from '../../canvas/tools/history/maskPatch';
import { cropBox } from '../../../shared/pure/maskBox';

/**
 * Edits this tab could not save because the stored map changed first (another window or tab, or an
 * edit sent after a network outage): each is applied again on the fresh map, keeping exactly the pixels
 * it changed (before != after) set to what it set them to, every other pixel of its box as the fresh
 * map has it. So both people's strokes stay; where they overlap, this tab's, which came later, wins.
 * Applies them to `labels` in place and returns them as patches of the fresh map (edits that change
 * nothing there any more are left out).
 */
export function rebaseEdits(labels: Uint8Array, width: number, edits: readonly MaskPatch[]): MaskPatch[] {
  const out: MaskPatch[] = [];
  for (const edit of edits) {
    const before = cropBox(labels, width, edit);
    const after = before.slice();
    let changed = false;
    for (let i = 0; i < after.length; i++) {
      if (edit.before[i] === edit.after[i] || after[i] === edit.after[i]) continue;
      after[i] = edit.after[i] as number;
      changed = true;
    }
    if (!changed) continue;
    const patch: MaskPatch = { x: edit.x, y: edit.y, w: edit.w, h: edit.h, before, after };
    applyPatch(labels, width, patch, 'after');
    out.push(patch);
  }
  return out;
}

type UnsentOp = { kind: 'edit'; patch: MaskPatch } | { kind: 'undo' | 'redo'; local: MaskPatch | null };

/**
 * What the unsent operations amount to, as the canvas's own stack played them: an undo of the edit
 * just before it cancels that edit, a redo brings its patch back; an undo or redo of something already
 * saved cannot be replayed on a changed map (`steps` counts them, to say so).
 */
export function netEdits(ops: readonly UnsentOp[]): { edits: MaskPatch[]; steps: number } {
  const edits: MaskPatch[] = [];
  let steps = 0;
  for (const op of ops) {
    if (op.kind === 'edit') edits.push(op.patch);
    else if (op.kind === 'undo' && op.local !== null && edits.at(-1) === op.local) edits.pop();
    else if (op.kind === 'redo' && op.local !== null) edits.push(op.local);
    else steps++;
  }
  return { edits, steps };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What a reload did with this tab's unsaved changes, in words (null: it had none). */
export function reloadNotice(
  kept: number,
  rebased: number,
  steps: number,
  refused: { changes: number; message: string } | null,
): string | null {
  const parts: string[] = [];
  if (kept === 0 && steps > 0) {
    parts.push(
      `Another window or tab changed this image first: your ${plural(steps, 'undo or redo')} ${steps === 1 ? 'was' : 'were'} not done, so as not to step its edit instead of yours; nothing was changed.`,
    );
  } else if (kept > 0) {
    parts.push(
      `Another window or tab changed this image first: ${
        kept === 0
          ? 'none of your edits were waiting'
          : rebased === kept
            ? `your ${plural(kept, 'edit')} ${kept === 1 ? 'was' : 'were'} applied again on top of its change`
            : `of your ${plural(kept, 'edit')}, ${rebased} ${rebased === 1 ? 'was' : 'were'} applied again on top of its change (the others change nothing there now)`
      }${steps > 0 ? `; ${plural(steps, 'undo or redo')} of saved edits ${steps === 1 ? 'was' : 'were'} not replayed` : ''}.`,
    );
  }
  if (refused !== null) parts.push(`${plural(refused.changes, 'unsaved change')} could not be saved: ${refused.message}`);
  return parts.length === 0 ? null : parts.join(' ');
}
