import { ApiError } from '../../../shared/api/errors';
import type { Handlers } from '../api/dispatch';
import type { EngineDeps } from '../deps';

export function runHandlers(deps: EngineDeps) {
  return {
    'runs.list': async ({ datasetId }) => deps.repos.runs.list(datasetId),
    'runs.get': async ({ runId }) => {
      const run = deps.repos.runs.get(runId);
      if (run === undefined) throw new ApiError('NOT_FOUND', `run ${runId} not found`);
      return run;
    },
  } satisfies Partial<Handlers>;
}
