import { useEffect } from 'react';
import { client } from '../../api/client';
import type { AnnotationEditor } from '../../canvas/tools/AnnotationEditor';
import { proposalRegion } from '../../canvas/tools/prompt/proposal';

export const NO_PROMPT_MODEL = 'no prompt-decoder model: add one with tessera models add';

/** base64 -> bytes (the proposal's mask: w*h bytes of 0/1). */
export function decodeBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Answers the prompt tool's "propose" intents with `annotations.propose` on the chosen model: the
 * network call lives here, in the feature layer, because the canvas layer never fetches. Only the
 * newest request is kept (a click aborts the call for the previous one). `modelId`: undefined while
 * the model list loads, null when no prompt-decoder model is registered (a click then does nothing).
 */
export function usePromptProposals(editor: AnnotationEditor, imageId: number, modelId: number | null | undefined): void {
  useEffect(() => {
    let inFlight: AbortController | null = null;
    const off = editor.onIntent((intent) => {
      if (intent.kind !== 'propose') return;
      inFlight?.abort();
      inFlight = null;
      const { requestId } = intent;
      if (modelId === null) {
        // After the tool's own handler returns: it emitted from inside a state change.
        queueMicrotask(() => editor.cancel());
        return;
      }
      if (modelId === undefined) {
        queueMicrotask(() => editor.deliver({ kind: 'proposal-failed', requestId, error: 'the model list is still loading' }));
        return;
      }
      const controller = new AbortController();
      inFlight = controller;
      const points = intent.points.map((p) => ({ x: p.x, y: p.y, label: p.label }));
      client
        .call('annotations.propose', { imageId, modelId, points }, { signal: controller.signal })
        .then((res) => {
          const region = proposalRegion(res.box, decodeBase64(res.mask), editor.width, editor.height);
          editor.deliver({ kind: 'proposal', requestId, region, score: res.score });
        })
        .catch((err: unknown) => {
          if (controller.signal.aborted) return;
          editor.deliver({ kind: 'proposal-failed', requestId, error: err instanceof Error ? err.message : String(err) });
        })
        .finally(() => {
          if (inFlight === controller) inFlight = null;
        });
    });
    return () => {
      off();
      // Another model (or leaving the page): points and proposal belong to the old one.
      if (inFlight !== null || editor.getSnapshot().preview?.kind === 'prompt') editor.cancel();
      inFlight?.abort();
    };
  }, [editor, imageId, modelId]);
}
