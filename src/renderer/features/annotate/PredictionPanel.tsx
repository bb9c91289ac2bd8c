import { useMemo, useState, useSyncExternalStore } from 'react';
import { runDisplayName } from '../../../shared';
import type { AnnotationEditor } from '../../canvas/tools/AnnotationEditor';
import { ErrorBanner } from '../../components/ErrorBanner';
import { className, type PickableClass } from './classes';
import type { PredictionLayer } from './predictionLayer';

/** The classes a label map uses (background included), in index order. */
function presentClasses(labels: Uint8Array | null): number[] {
  if (labels === null) return [];
  const seen = new Uint8Array(256);
  for (let i = 0; i < labels.length; i++) seen[labels[i] as number] = 1;
  return Array.from(seen.keys()).filter((c) => seen[c] === 1);
}

/**
 * A run's prediction as a layer (run picker, show, opacity) and "copy prediction into ground truth":
 * the whole image, one class, or one connected region (the Copy region tool, C) — each one edit, so
 * one undo step and one saved version.
 */
export function PredictionPanel(props: {
  editor: AnnotationEditor;
  layer: PredictionLayer;
  classes: readonly PickableClass[];
}): React.JSX.Element {
  const { editor, layer } = props;
  const snap = useSyncExternalStore(editor.subscribe, editor.getSnapshot);
  const present = useMemo(() => presentClasses(layer.labels), [layer.labels]);
  const [copyClass, setCopyClass] = useState<number | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const nonBackground = present.filter((c) => c !== 0);
  const chosen =
    copyClass !== null && present.includes(copyClass)
      ? copyClass
      : nonBackground.includes(snap.activeClass)
        ? snap.activeClass
        : (nonBackground[0] ?? null);
  const ready = layer.labels !== null && snap.hasReference;
  const copied = (n: number, what: string): void =>
    setNote(n === 0 ? `Nothing to copy: the ground truth already matches ${what}.` : `Copied ${what}: ${n} px changed (Ctrl+Z undoes it).`);
  return (
    <details className="panel-section annotate-prediction" open data-testid="prediction-panel">
      <summary>Prediction</summary>
      <label className="annotate-brush">
        Run
        <select
          data-testid="prediction-run"
          value={layer.runId ?? ''}
          onChange={(e) => {
            setNote(null);
            layer.setRunId(e.target.value === '' ? null : Number(e.target.value));
            e.currentTarget.blur(); // the annotate keys (C, B, ...) work again at once
          }}
        >
          <option value="">none</option>
          {layer.runs.map((r) => (
            <option key={r.id} value={r.id}>
              {runDisplayName(r)}
            </option>
          ))}
        </select>
      </label>
      {layer.runId !== null ? (
        <>
          <div className="annotate-pred-view">
            <label>
              <input
                type="checkbox"
                data-testid="prediction-visible"
                checked={layer.visible}
                onChange={(e) => layer.setVisible(e.target.checked)}
              />{' '}
              show (outlines)
            </label>
            <input
              type="range"
              aria-label="Prediction opacity"
              data-testid="prediction-opacity"
              min={0}
              max={1}
              step={0.05}
              value={layer.opacity}
              onChange={(e) => layer.setOpacity(Number(e.target.value))}
            />
          </div>
          {layer.loading ? <p className="muted">Loading prediction…</p> : null}
          {layer.labels !== null && nonBackground.length === 0 ? <p className="muted">The run predicts only background here.</p> : null}
          <p className="annotate-copy-title">Copy into ground truth</p>
          <div className="annotate-copy">
            <button
              data-testid="copy-pred-all"
              disabled={!ready}
              title="The ground truth becomes the prediction everywhere (one edit)"
              onClick={() => copied(editor.copyFromReference({ kind: 'all' }), 'the whole prediction')}
            >
              Whole image
            </button>
            <button
              data-testid="copy-pred-region"
              disabled={!ready}
              aria-pressed={snap.toolId === 'copy'}
              className={snap.toolId === 'copy' ? 'active' : ''}
              title="Copy region tool (C): click a predicted region to copy it"
              onClick={() => {
                setNote('Click a region of the prediction to copy it.');
                editor.setTool('copy');
              }}
            >
              Region… <kbd>C</kbd>
            </button>
          </div>
          <div className="annotate-copy">
            <select
              data-testid="copy-pred-class-select"
              aria-label="Class to copy"
              disabled={!ready || present.length === 0}
              value={chosen ?? ''}
              onChange={(e) => setCopyClass(Number(e.target.value))}
            >
              {present.map((c) => (
                <option key={c} value={c}>
                  {c === 0 ? 'background' : className(props.classes, c)}
                </option>
              ))}
            </select>
            <button
              data-testid="copy-pred-class"
              disabled={!ready || chosen === null}
              title="The pixels the run predicts as this class get it (other pixels keep theirs)"
              onClick={() => {
                if (chosen === null) return;
                copied(
                  editor.copyFromReference({ kind: 'class', classIdx: chosen }),
                  chosen === 0 ? 'background' : className(props.classes, chosen),
                );
              }}
            >
              Copy class
            </button>
          </div>
          {note !== null ? (
            <p className="muted" data-testid="copy-note">
              {note}
            </p>
          ) : null}
        </>
      ) : (
        <p className="muted">Pick a run to show its prediction and copy it into the ground truth.</p>
      )}
      {layer.error ? <ErrorBanner error={layer.error} /> : null}
    </details>
  );
}
