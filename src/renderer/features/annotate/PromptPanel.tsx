import { useMemo, useState, useSyncExternalStore } from 'react';
import { useQuery } from '@tanstack/react-query';
import { apiQuery } from '../../api/queries';
import { ErrorBanner } from '../../components/ErrorBanner';
import type { AnnotationEditor } from '../../canvas/tools/AnnotationEditor';
import type { ToolPreview } from '../../canvas/tools/Tool';
import { regionArea } from '../../canvas/tools/prompt/proposal';
import { NO_PROMPT_MODEL, usePromptProposals } from './promptProposals';

type PromptPreview = Extract<ToolPreview, { kind: 'prompt' }>;

function statusOf(p: PromptPreview | null, area: number): { state: string; text: string } {
  if (p === null) return { state: 'idle', text: 'Click the object; Shift, Alt or right click marks what is not the object.' };
  if (p.error !== null) return { state: 'error', text: p.error };
  if (p.pending) return { state: 'pending', text: 'Asking the model…' };
  if (p.proposal === null) return { state: 'empty', text: 'No pixel proposed: add a point on the object.' };
  const score = p.score === null ? '' : ` · score ${p.score.toFixed(2)}`;
  return { state: 'ready', text: `Proposal: ${area} px${score}. Enter accepts it with the active class.` };
}

/**
 * The prompt tool's panel: which prompt-decoder model answers the clicks (toys labelled TOY), what the
 * model proposed, Accept and Clear. It also answers the tool's intents (usePromptProposals), so it is
 * mounted whatever the tool and shows itself only while the prompt tool is active.
 */
export function PromptPanel({ editor, imageId }: { editor: AnnotationEditor; imageId: number }): React.JSX.Element | null {
  const snap = useSyncExternalStore(editor.subscribe, editor.getSnapshot);
  const models = useQuery(apiQuery('models.list', {}));
  const decoders = useMemo(() => (models.data ?? []).filter((m) => m.kind === 'prompt-decoder'), [models.data]);
  const [chosen, setChosen] = useState<number | null>(null);
  const model = decoders.find((m) => m.id === chosen) ?? decoders[0] ?? null;
  usePromptProposals(editor, imageId, models.isPending ? undefined : (model?.id ?? null));
  const preview = snap.preview?.kind === 'prompt' ? snap.preview : null;
  const proposal = preview?.proposal ?? null;
  const area = useMemo(() => regionArea(proposal), [proposal]);
  if (snap.toolId !== 'prompt') return null;
  const status = statusOf(preview, area);
  return (
    <div className="annotate-prompt" data-testid="prompt-panel">
      <h3>Prompt model</h3>
      {models.error ? <ErrorBanner error={models.error} /> : null}
      {models.isPending ? <p className="muted">Loading models…</p> : null}
      {!models.isPending && model === null ? (
        <p className="annotate-save error" data-testid="prompt-no-model">
          {NO_PROMPT_MODEL}
        </p>
      ) : null}
      {model !== null ? (
        <label className="annotate-brush">
          <span>Model {model.toy ? <span className="badge toy">TOY</span> : null}</span>
          <select data-testid="prompt-model" value={model.id} onChange={(e) => setChosen(Number(e.target.value))}>
            {decoders.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
                {m.toy ? ' (TOY)' : ''}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {model !== null ? (
        <>
          <p className="annotate-save" data-testid="prompt-status" data-state={status.state} data-area={area}>
            {status.text}
          </p>
          <div className="view-buttons">
            <button
              data-testid="prompt-accept"
              disabled={status.state !== 'ready'}
              onClick={() => editor.keyDown('Enter')}
              title="Accept (Enter)"
            >
              Accept
            </button>
            <button data-testid="prompt-clear" disabled={preview === null} onClick={() => editor.cancel()} title="Clear (Esc)">
              Clear
            </button>
          </div>
        </>
      ) : null}
    </div>
  );
}
