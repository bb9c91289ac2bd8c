import { ApiError } from '../../../shared/api/errors';
import type { DeletePlan, DeleteResult } from '../../../shared/api/methods/manage';
import type { RunSummary } from '../../../shared/domain';
import type { EngineDeps } from '../deps';
import { liveJobOn } from '../datasets/manageCollect';
import { hideForDelete, removeHiddenRun } from '../datasets/slicedWrite';
import { cachedOutputsInRun, cachedOutputsOfRun } from '../store/repos/inferenceCache';

function requireRun(deps: EngineDeps, runId: number): RunSummary {
  const run = deps.repos.runs.get(runId);
  if (run === undefined) throw new ApiError('NOT_FOUND', `run ${runId} not found`);
  return run;
}

function datasetName(deps: EngineDeps, datasetId: number): string {
  return deps.repos.datasets.header(datasetId)?.name ?? String(datasetId);
}

export function renameRun(deps: EngineDeps, runId: number, name: string): RunSummary {
  const run = requireRun(deps, runId);
  if (run.name === name) return run;
  if (deps.repos.runs.byName(run.datasetId, name) !== undefined)
    throw new ApiError('CONFLICT', `dataset "${datasetName(deps, run.datasetId)}" has a run named "${name}" already: choose another name`);
  deps.repos.runs.rename(runId, name);
  deps.events.emit('data.changed', { topics: ['runs', 'metrics', 'images'] });
  return requireRun(deps, runId);
}

/**
 * A run's delete removes its predictions, heatmaps and metric rows, and the cached model outputs whose
 * heatmaps are its rows (migration 20: a rerun computes those maps again). Other cached outputs stay:
 * they are keyed by model and image content, not by run, and make a rerun of the same model instant;
 * deleting the model (or the images' dataset) removes them.
 */
export function runDeletePlan(deps: EngineDeps, runId: number): DeletePlan {
  deps.repos.jobs.markInterrupted();
  const run = requireRun(deps, runId);
  const sha = typeof run.provenance['modelSha256'] === 'string' ? run.provenance['modelSha256'] : null;
  const cached = sha === null ? 0 : cachedOutputsOfRun(deps.db, sha, runId);
  const keeps = ['the dataset, its images and annotations, and the model stay'];
  if (cached > 0) {
    const model = typeof run.provenance['model'] === 'string' ? ` "${run.provenance['model']}"` : '';
    keeps.push(`${cached} cached model outputs stay for a rerun (they go when the model${model} or the dataset is deleted)`);
  }
  const results = deps.repos.runs.resultCounts(runId);
  const cachedHere = cachedOutputsInRun(deps.db, runId);
  return {
    kind: 'run',
    id: run.id,
    name: run.name,
    goes: [
      { key: 'predictions', label: 'predictions', count: results.predictions },
      { key: 'heatmaps', label: 'heatmaps', count: results.heatmaps },
      { key: 'metricRows', label: 'metric rows', count: results.metricRows },
      ...(cachedHere > 0
        ? [
            {
              key: 'cachedOutputs',
              label: "cached model outputs whose heatmaps are this run's (a rerun computes them again)",
              count: cachedHere,
            },
          ]
        : []),
    ],
    keeps,
    blockedBy: liveJobOn(deps.repos.jobs, { runId }),
  };
}

/** Deletes a run: hidden at once, its rows then removed in slices (datasets/slicedWrite.ts), the engine answering meanwhile. */
export async function deleteRun(deps: EngineDeps, runId: number): Promise<DeleteResult> {
  const plan = runDeletePlan(deps, runId);
  if (plan.blockedBy !== null) throw new ApiError('CONFLICT', `run "${plan.name}" cannot be deleted now: ${plan.blockedBy}`);
  hideForDelete(deps.db, 'runs', runId);
  deps.events.emit('data.changed', { topics: ['runs', 'metrics', 'images', 'heatmaps'] });
  await removeHiddenRun(deps.db, deps.repos, runId);
  deps.logger.info(`deleted run ${runId} "${plan.name}" (${plan.goes.map((g) => `${g.key} ${g.count}`).join(', ')})`);
  deps.events.emit('data.changed', { topics: ['runs', 'metrics', 'images', 'heatmaps'] });
  return { plan, filesRemoved: 0 };
}
