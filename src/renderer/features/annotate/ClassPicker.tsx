import { useState, useSyncExternalStore } from 'react';
import type { AnnotationEditor, EditorSnapshot } from '../../canvas/tools/AnnotationEditor';
import type { PickableClass } from './classes';

/** Classes whose name contains the text (any case), or whose index is the number typed. */
export function filterClasses(classes: readonly PickableClass[], text: string): PickableClass[] {
  const t = text.trim().toLowerCase();
  if (t === '') return [...classes];
  return classes.filter((c) => c.name.toLowerCase().includes(t) || String(c.index) === t);
}

/** The class a commit just wrote, when it should be flashed: a SAM proposal accepted, a prediction region copied. */
export function flashedClass(snap: EditorSnapshot): { seq: number; value: number } | null {
  const c = snap.lastCommit;
  if (c === null || c.value === null) return null;
  return c.toolId === 'prompt' || c.toolId === 'copy' || c.toolId === 'copy-class' ? { seq: c.seq, value: c.value } : null;
}

export const CLASS_FILTER_ID = 'annotate-class-filter';

/**
 * The active class: every class in a list (keys 1–9 pick classes 1–9), with a filter to reach the rest
 * by typing (`/` focuses it, Enter picks the highlighted match, arrows move, Esc leaves). The class an
 * accepted proposal went to flashes.
 */
export function ClassPicker({ editor, classes }: { editor: AnnotationEditor; classes: readonly PickableClass[] }): React.JSX.Element {
  const snap = useSyncExternalStore(editor.subscribe, editor.getSnapshot);
  const [text, setText] = useState('');
  const [highlight, setHighlight] = useState(0);
  const shown = filterClasses(classes, text);
  const flash = flashedClass(snap);
  const pick = (c: PickableClass | undefined): void => {
    if (c !== undefined) editor.setActiveClass(c.index);
  };
  return (
    <div className="annotate-class-picker">
      <input
        id={CLASS_FILTER_ID}
        data-testid="class-filter"
        type="search"
        placeholder={`Find one of ${classes.length} classes (/)`}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setHighlight(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            pick(shown[Math.min(highlight, shown.length - 1)]);
            setText('');
            e.currentTarget.blur();
          } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            setHighlight((h) => Math.max(0, Math.min(shown.length - 1, h + (e.key === 'ArrowDown' ? 1 : -1))));
          } else if (e.key === 'Escape') {
            e.preventDefault();
            setText('');
            e.currentTarget.blur();
          }
        }}
      />
      <ul className="annotate-classes" data-testid="class-list">
        {shown.map((c, i) => (
          <li key={c.index}>
            <button
              data-testid={`class-${c.index}`}
              aria-pressed={snap.activeClass === c.index}
              className={[snap.activeClass === c.index ? 'active' : '', text !== '' && i === highlight ? 'highlight' : ''].join(' ').trim()}
              onClick={() => editor.setActiveClass(c.index)}
            >
              {flash !== null && flash.value === c.index ? (
                <span key={flash.seq} className="class-flash-ring" data-testid="class-flash-ring" />
              ) : null}
              <span className="swatch" style={{ background: `rgb(${c.color.join(',')})` }} />
              {c.index <= 9 && c.index >= 1 ? <kbd>{c.index}</kbd> : null} {c.name}
            </button>
          </li>
        ))}
        {shown.length === 0 ? <li className="muted">No class matches “{text}”.</li> : null}
      </ul>
    </div>
  );
}

/** Over the canvas: "→ class" for a moment after a proposal is accepted or a prediction region copied. */
export function CommitFlash({
  editor,
  classes,
}: {
  editor: AnnotationEditor;
  classes: readonly PickableClass[];
}): React.JSX.Element | null {
  const snap = useSyncExternalStore(editor.subscribe, editor.getSnapshot);
  const flash = flashedClass(snap);
  if (flash === null) return null;
  const c = classes.find((k) => k.index === flash.value);
  return (
    <div key={flash.seq} className="annotate-commit-flash" data-testid="commit-flash" data-class={flash.value}>
      <span className="swatch" style={{ background: `rgb(${(c?.color ?? [200, 200, 200]).join(',')})` }} />
      added to {c?.name ?? `class ${flash.value}`}
    </div>
  );
}
