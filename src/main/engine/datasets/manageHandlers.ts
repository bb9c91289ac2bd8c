import type { Handlers } from '../api/dispatch';
import type { EngineDeps } from '../deps';
import { deleteModel, modelDeletePlan, renameModel } from '../models/manage';
import { deleteRun, renameRun, runDeletePlan } from '../runs/manage';
import { addClasses, datasetDeletePlan, deleteDataset, listClasses, renameDataset, updateClass } from './manage';

/** Rename and delete datasets, runs and models; a dataset's classes (shared/api/methods/manage.ts). */
export function manageHandlers(deps: EngineDeps) {
  return {
    'datasets.rename': async ({ datasetId, name }) => renameDataset(deps, datasetId, name),
    'datasets.deletePlan': async ({ datasetId }) => {
      const { orphans: _orphans, ...plan } = datasetDeletePlan(deps, datasetId);
      return plan;
    },
    'datasets.delete': async ({ datasetId }) => deleteDataset(deps, datasetId),
    'runs.rename': async ({ runId, name }) => renameRun(deps, runId, name),
    'runs.deletePlan': async ({ runId }) => runDeletePlan(deps, runId),
    'runs.delete': async ({ runId }) => deleteRun(deps, runId),
    'models.rename': async ({ modelId, name }) => renameModel(deps, modelId, name),
    'models.deletePlan': async ({ modelId }) => modelDeletePlan(deps, modelId),
    'models.delete': async ({ modelId }) => deleteModel(deps, modelId),
    'classes.list': async ({ datasetId }) => listClasses(deps, datasetId),
    'classes.update': async (input) => updateClass(deps, input),
    'classes.add': async (input) => addClasses(deps, input),
  } satisfies Partial<Handlers>;
}
