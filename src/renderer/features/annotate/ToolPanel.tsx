import { useSyncExternalStore } from 'react';
import type { AnnotationEditor } from '../../canvas/tools/AnnotationEditor';
import { MAX_BRUSH_RADIUS, MIN_BRUSH_RADIUS } from '../../canvas/tools/AnnotationEditor';
import { TOOLS } from '../../canvas/tools/registry';
import type { SyncStatus } from './editSync';
import type { PickableClass } from './classes';
import { ClassPicker } from './ClassPicker';

function saveText(status: SyncStatus): string {
  if (status.error !== null) return status.error;
  if (status.pending > 0) return `Saving… (${status.pending})`;
  return `All edits saved · revision ${status.revision}`;
}

/**
 * The autosave status and what the last reload did with unsaved changes: the page shows it at the
 * foot of the panel, outside its scrolling part, so it is always in view and never over the class list.
 */
export function SaveStatus({ status }: { status: SyncStatus }): React.JSX.Element {
  return (
    <>
      <p
        className={status.error !== null ? 'annotate-save error' : 'annotate-save'}
        data-testid="save-status"
        data-pending={status.pending}
        data-revision={status.revision}
      >
        {saveText(status)}
      </p>
      {status.notice !== null && (
        <p className="annotate-save notice" role="status" data-testid="save-notice">
          {status.notice}
        </p>
      )}
    </>
  );
}

/**
 * Tools, brush size, classes and undo/redo (the autosave status is SaveStatus). `children` (the
 * Prediction section) go between the brush and the class list, so they are in view on a small window
 * whatever the number of classes.
 */
export function ToolPanel(props: {
  editor: AnnotationEditor;
  status: SyncStatus;
  classes: readonly PickableClass[];
  onUndo(): void;
  onRedo(): void;
  children?: React.ReactNode;
}): React.JSX.Element {
  const { editor, status } = props;
  const snap = useSyncExternalStore(editor.subscribe, editor.getSnapshot);
  return (
    <>
      <h3>Tools</h3>
      <div className="annotate-tools" role="toolbar" aria-label="Annotation tools">
        {TOOLS.map((t) => (
          <button
            key={t.id}
            data-testid={`tool-${t.id}`}
            aria-pressed={snap.toolId === t.id}
            className={snap.toolId === t.id ? 'active' : ''}
            disabled={snap.locked}
            title={`${t.label} (${t.shortcut.toUpperCase()}): ${t.hint}`}
            onClick={() => editor.setTool(t.id)}
          >
            {t.label} <kbd>{t.shortcut.toUpperCase()}</kbd>
          </button>
        ))}
      </div>
      <label className="annotate-brush">
        <span data-testid="brush-radius">
          Brush radius {snap.brushRadius} px <kbd>[</kbd> <kbd>]</kbd>
        </span>
        <input
          type="range"
          data-testid="brush-size"
          min={MIN_BRUSH_RADIUS}
          max={64}
          step={0.5}
          value={Math.min(64, snap.brushRadius)}
          onChange={(e) => editor.setBrushRadius(Math.min(MAX_BRUSH_RADIUS, Number(e.target.value)))}
        />
      </label>
      {props.children}
      <h3>Class</h3>
      {snap.locked ? (
        <p className="muted" data-testid="no-classes-hint" role="note">
          No classes to paint with yet: add one above the image.
        </p>
      ) : (
        <ClassPicker editor={editor} classes={props.classes} />
      )}
      <h3>History</h3>
      <div className="view-buttons">
        <button
          data-testid="undo"
          disabled={!snap.canUndo && !status.canUndo && status.pending === 0}
          onClick={props.onUndo}
          title="Undo (Ctrl+Z)"
        >
          Undo
        </button>
        <button
          data-testid="redo"
          disabled={!snap.canRedo && !status.canRedo && status.pending === 0}
          onClick={props.onRedo}
          title="Redo (Ctrl+Shift+Z)"
        >
          Redo
        </button>
      </div>
    </>
  );
}
