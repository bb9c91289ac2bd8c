import { ApiError } from '../../../shared/api/errors';
import type { Handlers } from '../api/dispatch';
import type { EngineDeps } from '../deps';

/**
 * Tags (evaluation subsets). Every change is one transaction and is announced as data.changed
 * ['tags', 'images'] so galleries and tag lists refetch. Per-image review state: images/handlers.ts.
 */
export function tagHandlers(deps: EngineDeps) {
  const tags = deps.repos.tags;
  const requireRows = (imageIds: readonly number[], sampleIds: readonly number[]): void => {
    const images = tags.missing('images', imageIds);
    if (images.length > 0)
      throw new ApiError('NOT_FOUND', `image ${images[0]} not found${images.length > 1 ? ` (and ${images.length - 1} more)` : ''}`);
    const samples = tags.missing('samples', sampleIds);
    if (samples.length > 0)
      throw new ApiError('NOT_FOUND', `sample ${samples[0]} not found${samples.length > 1 ? ` (and ${samples.length - 1} more)` : ''}`);
  };
  const changed = (): void => deps.events.emit('data.changed', { topics: ['tags', 'images'] });
  return {
    'tags.list': async ({ datasetId }) => {
      if (datasetId !== undefined && deps.repos.datasets.header(datasetId) === undefined)
        throw new ApiError('NOT_FOUND', `dataset ${datasetId} not found`);
      return tags.list(datasetId);
    },
    'tags.apply': async ({ tag, imageIds, sampleIds }) => {
      requireRows(imageIds, sampleIds);
      const result = deps.db.transaction(() => {
        const tagId = tags.ensure(tag);
        return { tagId, applied: tags.apply(tagId, imageIds, sampleIds) };
      })();
      changed();
      return result;
    },
    'tags.remove': async ({ tag, imageIds, sampleIds }) => {
      const tagId = tags.idOf(tag);
      if (tagId === undefined) throw new ApiError('NOT_FOUND', `tag "${tag}" not found`);
      requireRows(imageIds, sampleIds);
      const removed = deps.db.transaction(() => tags.remove(tagId, imageIds, sampleIds))();
      changed();
      return { removed };
    },
  } satisfies Partial<Handlers>;
}
