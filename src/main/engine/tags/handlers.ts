import { ApiError } from '../../../shared/api/errors';
import type { Handlers } from '../api/dispatch';
import type { EngineDeps } from '../deps';
import { applyTag, removeTag } from './bulk';

/**
 * Tags (evaluation subsets). A change of up to 100,000 ids is written in slices and stays all or
 * nothing for its caller (tags/bulk.ts), and is announced as data.changed ['tags', 'images'] so
 * galleries and tag lists refetch. Per-image review state: images/handlers.ts.
 */
export function tagHandlers(deps: EngineDeps) {
  const tags = deps.repos.tags;
  return {
    'tags.list': async ({ datasetId }) => {
      if (datasetId !== undefined && deps.repos.datasets.header(datasetId) === undefined)
        throw new ApiError('NOT_FOUND', `dataset ${datasetId} not found`);
      return tags.list(datasetId);
    },
    'tags.apply': async ({ tag, imageIds, sampleIds }, call) =>
      applyTag(deps, tag, imageIds, sampleIds, call.signal ?? new AbortController().signal),
    'tags.remove': async ({ tag, imageIds, sampleIds }, call) => {
      const tagId = tags.idOf(tag);
      if (tagId === undefined) throw new ApiError('NOT_FOUND', `tag "${tag}" not found`);
      return { removed: await removeTag(deps, tagId, imageIds, sampleIds, call.signal ?? new AbortController().signal) };
    },
  } satisfies Partial<Handlers>;
}
