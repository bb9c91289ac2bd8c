import { ApiError } from '../../../shared/api/errors';
import type { Handlers } from '../api/dispatch';
import { readablePath } from '../api/writablePath';
import { importReadRoots, withReadRoots } from '../api/readScope';
import type { EngineDeps } from '../deps';
import { importPredictions } from '../datasets/predictions';
import { startImportJob } from '../datasets/importJob';
import { keepScoreListLater } from '../metrics/keepScoreList';
import { requireDataset } from '../store/repos/datasetReads';
import { requireScorableDataset } from '../metrics/evaluationSet';
import type { PredictionFormat } from '../../../shared/api/methods/datasets';
import { startRun } from '../models/runJob';
import { deleteRun, renameRun, runDeletePlan } from './manage';

/** What `metrics.evaluate` would refuse about a run imported in `format` on the dataset (nothing is read yet). */
function requireScorableImport(deps: EngineDeps, datasetId: number, format: PredictionFormat): void {
  const dataset = deps.repos.datasets.header(datasetId);
  if (dataset === undefined) throw new ApiError('NOT_FOUND', `dataset ${datasetId} not found`);
  requireScorableDataset(deps.db, dataset);
  if (format === 'npy' || format === 'toco-cam')
    throw new ApiError(
      'INVALID_INPUT',
      `--format ${format} imports heatmaps, and eval scores masks: import them without evaluating (eval --cam-sweep scores ${format === 'toco-cam' ? 'CAM dicts' : '[C,H,W] CAMs'})`,
    );
}

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
      // Scored right after (import predictions --eval): what eval would refuse is refused now, with no run made.
      if (input.evaluate === true) requireScorableImport(deps, input.datasetId, input.format);
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
