import { ApiError } from '../../../shared/api/errors';
import type { DeletePlan, DeleteResult } from '../../../shared/api/methods/manage';
import type { ModelSummary } from '../../../shared/domain';
import type { EngineDeps } from '../deps';
import { deleteModelCaches, liveJobOn, modelCacheCounts } from '../datasets/manageCollect';

/** Manifest params that name another registered model (runtime.ts companionFingerprints). */
const COMPANION_KEYS = ['decoder', 'encoder_model'] as const;

function requireModel(deps: EngineDeps, modelId: number): ModelSummary {
  const m = deps.repos.models.get(modelId);
  if (m === undefined) throw new ApiError('NOT_FOUND', `model ${modelId} not found`);
  return m;
}

/** Models whose manifest calls `name` (as decoder or encoder_model), as "other (params.decoder)". */
function dependents(deps: EngineDeps, name: string): string[] {
  const out: string[] = [];
  for (const m of deps.repos.models.list()) {
    const params = (m.manifest['params'] ?? {}) as Record<string, unknown>;
    for (const key of COMPANION_KEYS) if (params[key] === name && m.name !== name) out.push(`"${m.name}" (params.${key})`);
  }
  return out;
}

/**
 * Renames a model in the registry. Runs keep the name recorded in their provenance (what the model
 * was called when they ran) and their link to the model. A model another manifest calls by name
 * cannot be renamed (that manifest would lose it).
 */
export function renameModel(deps: EngineDeps, modelId: number, name: string): ModelSummary {
  const m = requireModel(deps, modelId);
  if (m.name === name) return m;
  if (deps.repos.models.byName(name) !== undefined)
    throw new ApiError('CONFLICT', `a model named "${name}" exists already: choose another name`);
  const users = dependents(deps, m.name);
  if (users.length > 0)
    throw new ApiError('CONFLICT', `model "${m.name}" is called by name from ${users.join(', ')}: rename or delete that model first`);
  deps.repos.models.rename(modelId, name);
  deps.events.emit('data.changed', { topics: ['models', 'runs'] });
  return requireModel(deps, modelId);
}

/**
 * Deleting a model that runs reference is allowed: the runs keep their predictions, scores and
 * provenance (model name, sha256, manifest, toy flag) and their model link becomes null (the schema's
 * ON DELETE SET NULL); they can no longer be resumed. Its cached outputs and embeddings go unless
 * another registered model has the same file. The ONNX and manifest files are never touched.
 */
export function modelDeletePlan(deps: EngineDeps, modelId: number): DeletePlan {
  deps.repos.jobs.markInterrupted();
  const m = requireModel(deps, modelId);
  const shared = deps.repos.models.shaShared(modelId, m.sha256);
  const caches = shared ? { cachedOutputs: 0, embeddings: 0 } : modelCacheCounts(deps.db, deps.paths.cache, m.sha256);
  const runs = deps.repos.models.runsOf(modelId);
  const keeps = [`the model's files stay on disk (${m.path})`];
  if (runs.length > 0) {
    const names = runs.slice(0, 8).map((r) => `${r.dataset}/${r.name}`);
    keeps.push(
      `${runs.length} run${runs.length === 1 ? '' : 's'} (${names.join(', ')}${runs.length > 8 ? ', …' : ''}) keep their predictions, scores and provenance (model name, sha256, manifest) but can no longer be resumed`,
    );
  }
  if (shared) keeps.push('cached outputs stay: another registered model has the same file');
  const users = dependents(deps, m.name);
  const blockedBy =
    liveJobOn(deps.repos.jobs, { modelId }) ??
    (users.length > 0 ? `${users.join(', ')} call${users.length === 1 ? 's' : ''} it by name: delete that model first` : null);
  return {
    kind: 'model',
    id: m.id,
    name: m.name,
    goes: [
      { key: 'model', label: 'registry entry', count: 1 },
      { key: 'cachedOutputs', label: 'cached model outputs', count: caches.cachedOutputs },
      { key: 'embeddings', label: 'cached image embeddings', count: caches.embeddings },
    ],
    keeps,
    blockedBy,
  };
}

export function deleteModel(deps: EngineDeps, modelId: number): DeleteResult {
  const plan = modelDeletePlan(deps, modelId);
  if (plan.blockedBy !== null) throw new ApiError('CONFLICT', `model "${plan.name}" cannot be deleted now: ${plan.blockedBy}`);
  const m = requireModel(deps, modelId);
  const shared = deps.repos.models.shaShared(modelId, m.sha256);
  deps.db.transaction(() => {
    deps.repos.models.delete(modelId);
    if (!shared) deleteModelCaches(deps.db, deps.paths.cache, m.sha256);
  })();
  deps.logger.info(`deleted model ${modelId} "${plan.name}" (${plan.goes.map((g) => `${g.key} ${g.count}`).join(', ')})`);
  deps.events.emit('data.changed', { topics: ['models', 'runs'] });
  return { plan, filesRemoved: 0 };
}
