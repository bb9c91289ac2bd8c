import { ApiError } from '../../../shared/api/errors';
import type { Handlers } from '../api/dispatch';
import { readablePath } from '../api/writablePath';
import type { EngineDeps } from '../deps';
import { loadManifest } from './manifest';
import { addModel } from './registry';
import { modelInspectHandlers } from './inspectHandlers';
import { deleteModel, modelDeletePlan, renameModel } from './manage';

export function modelHandlers(deps: EngineDeps) {
  return {
    ...modelInspectHandlers(deps),
    'models.add': async ({ manifestPath, replace }, call) => {
      const path = readablePath(manifestPath, call, deps.paths.root, 'manifest');
      if (call.transport === 'http') {
        // Every file the manifest names is read too: each must be readable for this web client.
        const { files } = await loadManifest(path, { quote: false });
        for (const [role, file] of Object.entries(files)) readablePath(file, call, deps.paths.root, `${path}: files.${role}`);
      }
      return addModel(deps, deps.inference, path, { replace: replace === true });
    },
    'models.list': async () => deps.repos.models.list(),
    'models.get': async ({ modelId }) => {
      const m = deps.repos.models.get(modelId);
      if (m === undefined) throw new ApiError('NOT_FOUND', `model ${modelId} not found`);
      return m;
    },
    'models.rename': async ({ modelId, name }) => renameModel(deps, modelId, name),
    'models.deletePlan': async ({ modelId }) => modelDeletePlan(deps, modelId),
    'models.delete': async ({ modelId }) => deleteModel(deps, modelId),
  } satisfies Partial<Handlers>;
}
