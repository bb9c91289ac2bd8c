import { ApiError } from '../../../shared/api/errors';
import type { Handlers } from '../api/dispatch';
import type { EngineDeps } from '../deps';
import { applyEdit, stepHistory, type EditOptions } from './labelMapEdits';
import { querySamples, setSampleQuery } from './sampleQuery';

/**
 * annotations.* and samples.setQuery: label-map edits as new annotation versions with an undo history
 * in SQLite, and query editing of reasoning samples. `options` exists for tests (a small history budget).
 */
export function annotationHandlers(deps: EngineDeps, options: EditOptions = {}) {
  return {
    'annotations.get': async ({ imageId }) => {
      if (deps.repos.images.get(imageId) === undefined) throw new ApiError('NOT_FOUND', `image ${imageId} not found`);
      const sampleId = deps.repos.images.semanticSampleId(imageId);
      const history = deps.repos.annotations.history;
      const depth = history.depth(imageId);
      return {
        imageId,
        sampleId: sampleId ?? null,
        revision: history.revision(imageId),
        canUndo: depth.undo > 0,
        canRedo: depth.redo > 0,
        labelMap: { kind: 'labelmap' as const, imageId, source: 'gt' as const },
        regions:
          sampleId === undefined
            ? []
            : deps.repos.annotations.regionsForSample(sampleId).map((r) => ({ ...r, source: r.source as 'import' | 'edit' | 'prompt' })),
        querySamples: querySamples(deps.db, imageId),
      };
    },
    'annotations.applyEdit': async (input) => applyEdit(deps, input, options),
    'annotations.undo': async ({ imageId }) => stepHistory(deps, imageId, 'undo'),
    'annotations.redo': async ({ imageId }) => stepHistory(deps, imageId, 'redo'),
    'samples.setQuery': async ({ sampleId, query }) => {
      const result = setSampleQuery(deps.db, sampleId, query);
      deps.events.emit('data.changed', { topics: ['samples', 'images', 'annotations'] });
      return result;
    },
  } satisfies Partial<Handlers>;
}
