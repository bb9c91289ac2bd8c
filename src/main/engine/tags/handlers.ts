import { ApiError } from '../../../shared/api/errors';
import type { Handlers } from '../api/dispatch';
import type { EngineDeps } from '../deps';

// TODO(datasets helper): implement tags.* and images.setReviewState over the tags, image_tags,
// sample_tags tables and images.review_state (store/repos/tags.ts), emitting data.changed ['tags','images'].
function notYet(method: string): never {
  throw new ApiError('INTERNAL', `${method} is not implemented yet`);
}

export function tagHandlers(_deps: EngineDeps) {
  return {
    'tags.list': async () => notYet('tags.list'),
    'tags.apply': async () => notYet('tags.apply'),
    'tags.remove': async () => notYet('tags.remove'),
    'images.setReviewState': async () => notYet('images.setReviewState'),
  } satisfies Partial<Handlers>;
}
