import { ApiError } from '../../../shared/api/errors';
import type { Handlers } from '../api/dispatch';
import type { EngineDeps } from '../deps';
import { addModel } from './registry';
import { startRun } from './runJob';

export function modelHandlers(deps: EngineDeps) {
  return {
    'models.add': async ({ manifestPath }) => addModel(deps, deps.inference, manifestPath),
    'models.list': async () => deps.repos.models.list(),
    'models.get': async ({ modelId }) => {
      const m = deps.repos.models.get(modelId);
      if (m === undefined) throw new ApiError('NOT_FOUND', `model ${modelId} not found`);
      return m;
    },
    'runs.start': async (input) => startRun(deps, input),
  } satisfies Partial<Handlers>;
}
