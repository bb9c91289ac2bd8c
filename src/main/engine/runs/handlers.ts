import { ApiError } from '../../../shared/api/errors';
import type { Handlers } from '../api/dispatch';
import { readablePath } from '../api/writablePath';
import { importReadRoots, withReadRoots } from '../api/readScope';
import type { EngineDeps } from '../deps';
import { importPredictions } from '../datasets/predictions';
import { startImportJob } from '../datasets/importJob';
import { keepScoreListLater } from '../metrics/keepScoreList';
import { requireDataset } from '../store/repos/datasetReads';
import { startRun } from '../models/runJob';
import { deleteRun, renameRun, runDeletePlan } from './manage';

export function runHandlers(deps: EngineDeps) {
  return {
    'runs.list': async ({ datasetId }) => deps.repos.runs.list(datasetId),
    'runs.get': async ({ runId }) => {
      const run = deps.repos.runs.get(runId);
      if (run === undefined) throw new ApiError('NOT_FOUND', `run ${runId} not found`);
      return run;
    },
    'runs.start': async (input) => startRun(deps, input),
    'runs.importPredictions': async (input, call) => {
      requireDataset(deps.db, input.datasetId);
      // Web clients may read only under the roots `tessera serve` allows; checked before the job starts.
      input = { ...input, path: readablePath(input.path, call, deps.paths.root, 'predictions') };
      // ...and so is every file the job reads there (api/readScope.ts).
      const roots = importReadRoots(call, deps.paths.root);
      return startImportJob(
        deps,
        input.format,
        input,
        async (ctx) => {
          const result = await withReadRoots(roots, () => importPredictions(input, deps, ctx));
          if ((result.scored ?? 0) > 0) await keepScoreListLater(deps, result.datasetId, result.runId);
          return result;
        },
        ['runs', 'images'],
      );
    },
    'runs.rename': async ({ runId, name }) => renameRun(deps, runId, name),
    'runs.deletePlan': async ({ runId }) => runDeletePlan(deps, runId),
    'runs.delete': async ({ runId }) => deleteRun(deps, runId),
  } satisfies Partial<Handlers>;
}
