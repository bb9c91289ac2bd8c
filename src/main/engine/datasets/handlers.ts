import { ApiError } from '../../../shared/api/errors';
import type { Handlers } from '../api/dispatch';
import type { EngineDeps } from '../deps';
import { importFolder } from './folder';

export function datasetHandlers(deps: EngineDeps) {
  return {
    'datasets.list': async () => deps.repos.datasets.list(),
    'datasets.get': async ({ datasetId }) => {
      const d = deps.repos.datasets.get(datasetId);
      if (d === undefined) throw new ApiError('NOT_FOUND', `dataset ${datasetId} not found`);
      return d;
    },
    'datasets.importFolder': async (input) => {
      const jobId = deps.jobs.start('datasets.import', { format: 'folder', ...input }, async (ctx) => {
        const result = await importFolder(input, deps, ctx);
        deps.events.emit('data.changed', { topics: ['datasets', 'images'] });
        return result;
      });
      return { jobId };
    },
  } satisfies Partial<Handlers>;
}
