import { ApiError } from '../../../shared/api/errors';
import type { Handlers } from '../api/dispatch';
import type { EngineDeps } from '../deps';
import { toImageSummary } from '../store/repos/images';
import { rankByRunDisagreement } from './disagreement';
import { setReviewStates } from '../tags/bulk';

export function imageHandlers(deps: EngineDeps) {
  function requireDataset(datasetId: number): void {
    if (deps.repos.datasets.header(datasetId) === undefined) throw new ApiError('NOT_FOUND', `dataset ${datasetId} not found`);
  }
  return {
    // Pages and id lists are read in the read worker (store/readWorker): never on the engine's event loop.
    'images.page': async ({ datasetId, offset, limit, ...filter }) =>
      deps.reads.read({ op: 'images.page', datasetId, offset, limit, filter }),
    'images.ids': async ({ datasetId, ...filter }) => deps.reads.read({ op: 'images.ids', datasetId, filter }),
    'images.summaries': async ({ datasetId, imageIds }) => deps.reads.read({ op: 'images.summaries', datasetId, imageIds }),
    'images.get': async ({ imageId }) => {
      const row = deps.repos.images.get(imageId);
      if (row === undefined) throw new ApiError('NOT_FOUND', `image ${imageId} not found`);
      return {
        ...toImageSummary(row),
        path: row.path,
        sha256: row.sha256,
        bytes: row.bytes,
        exifOrientation: row.exif_orientation,
        grid: row.grid,
        classes: deps.repos.datasets.classes(row.dataset_id),
        image: { kind: 'image' as const, imageId },
        groundTruth: row.has_gt === 1 ? { kind: 'labelmap' as const, imageId, source: 'gt' as const } : null,
        samples: deps.repos.images.samples(imageId),
      };
    },
    'images.rankByRunDisagreement': async ({ datasetId, runA, runB, limit }) => {
      requireDataset(datasetId);
      return rankByRunDisagreement(deps, datasetId, runA, runB, limit);
    },
    // Review state is stored beside tags; announced as data.changed ['tags', 'images'] like a tag change.
    // Written in slices, all or nothing for the caller (tags/bulk.ts).
    'images.setReviewState': async ({ imageIds, state }, call) => ({
      updated: await setReviewStates(deps, imageIds, state, call.signal ?? new AbortController().signal),
    }),
  } satisfies Partial<Handlers>;
}
