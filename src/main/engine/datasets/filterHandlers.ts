import { ApiError } from '../../../shared/api/errors';
import type { Handlers } from '../api/dispatch';
import type { EngineDeps } from '../deps';

export function filterHandlers(deps: EngineDeps) {
  const requireDataset = (datasetId: number): void => {
    if (deps.repos.datasets.header(datasetId) === undefined) throw new ApiError('NOT_FOUND', `dataset ${datasetId} not found`);
  };
  return {
    'filters.list': async ({ datasetId }) => {
      requireDataset(datasetId);
      return deps.repos.savedFilters.list(datasetId);
    },
    'filters.save': async ({ datasetId, name, filter }) => {
      requireDataset(datasetId);
      const saved = deps.repos.savedFilters.save(datasetId, name, filter);
      deps.events.emit('data.changed', { topics: ['filters'] });
      return saved;
    },
    'filters.delete': async ({ id }) => {
      if (!deps.repos.savedFilters.remove(id)) throw new ApiError('NOT_FOUND', `saved filter ${id} not found`);
      deps.events.emit('data.changed', { topics: ['filters'] });
      return {};
    },
  } satisfies Partial<Handlers>;
}
