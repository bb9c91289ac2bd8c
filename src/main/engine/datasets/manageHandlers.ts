import type { Handlers } from '../api/dispatch';
import type { EngineDeps } from '../deps';
import { addClasses, datasetDeletePlan, deleteDataset, listClasses, renameDataset, updateClass } from './manage';

/** Rename and delete datasets; a dataset's classes (shared/api/methods/manage.ts; runs and models: their own folders). */
export function manageHandlers(deps: EngineDeps) {
  return {
    'datasets.rename': async ({ datasetId, name }) => renameDataset(deps, datasetId, name),
    'datasets.deletePlan': async ({ datasetId }) => {
      const { orphans: _orphans, files: _files, ...plan } = await datasetDeletePlan(deps, datasetId);
      return plan;
    },
    'datasets.delete': async ({ datasetId }) => deleteDataset(deps, datasetId),
    'classes.list': async ({ datasetId }) => listClasses(deps, datasetId),
    'classes.update': async (input) => updateClass(deps, input),
    'classes.add': async (input) => addClasses(deps, input),
  } satisfies Partial<Handlers>;
}
