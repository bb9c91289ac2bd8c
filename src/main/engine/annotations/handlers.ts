import { ApiError } from '../../../shared/api/errors';
import type { Handlers } from '../api/dispatch';
import type { EngineDeps } from '../deps';
import { cropMaskToBox } from '../../../shared/pure/maskBox';
import { runPromptDecoder } from '../models/promptDecoder';
import { applyEdit, editTarget, stepHistory, type EditOptions } from './labelMapEdits';
import { querySamples, setSampleQuery } from './sampleQuery';

/**
 * annotations.* and samples.setQuery: proposals from a prompt decoder, label-map edits as new annotation versions with an undo history
 * in SQLite, and query editing of reasoning samples. `options` exists for tests (a small history budget).
 */
export function annotationHandlers(deps: EngineDeps, options: EditOptions = {}) {
  return {
    'annotations.get': async ({ imageId, sampleId: asked }) => {
      if (deps.repos.images.get(imageId) === undefined) throw new ApiError('NOT_FOUND', `image ${imageId} not found`);
      const samples = deps.repos.images.samples(imageId);
      const hasSample = asked !== undefined || samples.length > 0;
      const target = hasSample ? editTarget(deps, imageId, asked) : null;
      const sample = target === null ? undefined : samples.find((s) => s.id === target.sampleId);
      const query = sample?.query ?? null;
      const history = deps.repos.annotations.history;
      const depth = target === null ? { undo: 0, redo: 0 } : history.depth(imageId, target.sampleId);
      return {
        imageId,
        sampleId: target?.sampleId ?? null,
        query,
        revision: history.revision(imageId),
        canUndo: depth.undo > 0,
        canRedo: depth.redo > 0,
        labelMap:
          target !== null && query !== null
            ? { kind: 'labelmap' as const, imageId, source: 'gt' as const, sampleId: target.sampleId }
            : { kind: 'labelmap' as const, imageId, source: 'gt' as const },
        regions:
          target === null
            ? []
            : deps.repos.annotations
                .regionsForSample(target.sampleId)
                .map((r) => ({ ...r, source: r.source as 'import' | 'edit' | 'prompt' })),
        querySamples: querySamples(deps.db, imageId),
      };
    },
    'annotations.applyEdit': async (input) => applyEdit(deps, input, options),
    'annotations.undo': async ({ imageId, sampleId, baseRevision, editId }) =>
      stepHistory(deps, imageId, 'undo', sampleId, baseRevision, editId),
    'annotations.redo': async ({ imageId, sampleId, baseRevision, editId }) =>
      stepHistory(deps, imageId, 'redo', sampleId, baseRevision, editId),
    'samples.setQuery': async ({ sampleId, query }) => {
      const result = setSampleQuery(deps.db, sampleId, query);
      deps.events.emit('data.changed', { topics: ['samples', 'images', 'annotations'] });
      return result;
    },
    'annotations.propose': async (input) => {
      const { mask, width, height, score } = await runPromptDecoder(deps, input);
      const found = cropMaskToBox(mask, width, height);
      const scoreOrNull = Number.isFinite(score) ? score : null;
      if (found === null) return { width, height, box: null, mask: '', area: 0, score: scoreOrNull };
      return { width, height, box: found.box, mask: Buffer.from(found.crop).toString('base64'), area: found.area, score: scoreOrNull };
    },
  } satisfies Partial<Handlers>;
}
