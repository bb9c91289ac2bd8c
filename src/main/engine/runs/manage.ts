import { ApiError } from '../../../shared/api/errors';
import type { DeletePlan, DeleteResult } from '../../../shared/api/methods/manage';
import type { RunSummary } from '../../../shared/domain';
import type { EngineDeps } from '../deps';
import { cacheHasOwners, liveJobOn } from '../datasets/manageCollect';

function requireRun(deps: EngineDeps, runId: number): RunSummary {
  const run = deps.repos.runs.get(runId);
  if (run === undefined) throw new ApiError('NOT_FOUND', `run ${runId} not found`);
  return run;
}

function datasetName(deps: EngineDeps, datasetId: number): string {
  return deps.repos.datasets.get(datasetId)?.name ?? String(datasetId);
}

export function renameRun(deps: EngineDeps, runId: number, name: string): RunSummary {
  const run = requireRun(deps, runId);
  if (run.name === name) return run;
  if (deps.repos.runs.byName(run.datasetId, name) !== undefined)
    throw new ApiError('CONFLICT', `dataset "${datasetName(deps, run.datasetId)}" has a run named "${name}" already: choose another name`);
  deps.db.prepare('UPDATE runs SET name = ? WHERE id = ?').run(name, runId);
  deps.events.emit('data.changed', { topics: ['runs', 'metrics', 'images'] });
  return requireRun(deps, runId);
}

const count = (deps: EngineDeps, sql: string, ...args: unknown[]): number => (deps.db.prepare(sql).get(...args) as { n: number }).n;

/**
 * A run's delete removes its predictions, heatmaps and metric rows. Cached model outputs stay: they
 * are keyed by model and image content, not by run, and make a rerun of the same model instant;
 * deleting the model (or the images' dataset) removes them.
 */
export function runDeletePlan(deps: EngineDeps, runId: number): DeletePlan {
  deps.repos.jobs.markInterrupted();
  const run = requireRun(deps, runId);
  const sha = typeof run.provenance['modelSha256'] === 'string' ? run.provenance['modelSha256'] : null;
  const cached =
    sha === null || !cacheHasOwners(deps.db)
      ? 0
      : count(
          deps,
          `SELECT COUNT(*) AS n FROM inference_cache WHERE model_sha256 = ? AND image_sha256 IN (
             SELECT i.sha256 FROM images i JOIN samples s ON s.image_id = i.id JOIN predictions p ON p.sample_id = s.id WHERE p.run_id = ?
             UNION SELECT i.sha256 FROM images i JOIN samples s ON s.image_id = i.id JOIN heatmaps h ON h.sample_id = s.id WHERE h.run_id = ?)`,
          sha,
          runId,
          runId,
        );
  const keeps = ['the dataset, its images and annotations, and the model stay'];
  if (cached > 0) {
    const model = typeof run.provenance['model'] === 'string' ? ` "${run.provenance['model']}"` : '';
    keeps.push(`${cached} cached model outputs stay for a rerun (they go when the model${model} or the dataset is deleted)`);
  }
  return {
    kind: 'run',
    id: run.id,
    name: run.name,
    goes: [
      { key: 'predictions', label: 'predictions', count: count(deps, 'SELECT COUNT(*) AS n FROM predictions WHERE run_id = ?', runId) },
      { key: 'heatmaps', label: 'heatmaps', count: count(deps, 'SELECT COUNT(*) AS n FROM heatmaps WHERE run_id = ?', runId) },
      { key: 'metricRows', label: 'metric rows', count: count(deps, 'SELECT COUNT(*) AS n FROM metric_rows WHERE run_id = ?', runId) },
    ],
    keeps,
    blockedBy: liveJobOn(deps.db, { runId }),
  };
}

export function deleteRun(deps: EngineDeps, runId: number): DeleteResult {
  const plan = runDeletePlan(deps, runId);
  if (plan.blockedBy !== null) throw new ApiError('CONFLICT', `run "${plan.name}" cannot be deleted now: ${plan.blockedBy}`);
  deps.db.transaction(() => {
    deps.db.prepare('DELETE FROM runs WHERE id = ?').run(runId);
  })();
  deps.logger.info(`deleted run ${runId} "${plan.name}" (${plan.goes.map((g) => `${g.key} ${g.count}`).join(', ')})`);
  deps.events.emit('data.changed', { topics: ['runs', 'metrics', 'images', 'heatmaps'] });
  return { plan, filesRemoved: 0 };
}
