/**
 * Previous / next in the gallery's view (its filters and sort) around one image, so the viewer and
 * Annotate step through exactly what the gallery shows. Filters go through the images repository
 * (the same SQL as images.page); score order through metrics' per-image scores and the shared
 * comparator the gallery sorts with.
 */
import { ApiError } from '../../../shared/api/errors';
import type { ImageNeighbors, ImageSort } from '../../../shared/api/methods/images';
import type { ImageFilter } from '../../../shared/domain';
import { compareNames, compareScored, orderScored, unscoredImages } from '../../../shared/domain/imageOrder';
import { perImageColumnsOf } from '../../../shared/api/methods/metrics';
import type { Handlers } from '../api/dispatch';
import type { EngineDeps } from '../deps';
import { perImageScores } from '../metrics';

/** Position of `item` in `sorted`, or where it would be inserted (first index whose element comes after it). */
function locate<T>(sorted: readonly T[], isItem: (t: T) => boolean, after: (t: T) => boolean): { index: number | null; insertAt: number } {
  const index = sorted.findIndex(isItem);
  if (index >= 0) return { index, insertAt: index };
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (after(sorted[mid] as T)) hi = mid;
    else lo = mid + 1;
  }
  return { index: null, insertAt: lo };
}

export async function imageNeighbors(
  deps: Pick<EngineDeps, 'db' | 'repos'>,
  datasetId: number,
  imageId: number,
  sort: ImageSort,
  filter: ImageFilter,
): Promise<ImageNeighbors> {
  if (deps.repos.datasets.header(datasetId) === undefined) throw new ApiError('NOT_FOUND', `dataset ${datasetId} not found`);
  const image = deps.repos.images.get(imageId);
  if (image === undefined || image.dataset_id !== datasetId) {
    throw new ApiError('NOT_FOUND', `image ${imageId} not found in dataset ${datasetId}`);
  }
  const ids = deps.repos.images.ids(datasetId, filter);
  const self = { imageId, fileName: image.file_name };
  const names = new Map<number, string>();
  // File names only for the binary search of an image outside the view (a few lookups).
  const nameOf = (id: number): string => {
    let n = names.get(id);
    if (n === undefined) {
      n = deps.repos.images.get(id)?.file_name ?? '';
      names.set(id, n);
    }
    return n;
  };
  const byName = (list: readonly number[]) =>
    locate(
      list,
      (id) => id === imageId,
      (id) => compareNames({ imageId: id, fileName: nameOf(id) }, self) > 0,
    );
  let order: number[];
  let where: { index: number | null; insertAt: number };
  if (sort.by === 'name') {
    order = ids;
    where = byName(ids);
  } else {
    // The gallery's score view: scored images in score order, then those without a score, by name.
    const rows = await perImageScores(deps, datasetId, sort.runId);
    const columns = perImageColumnsOf(rows);
    const scored = orderScored(columns, new Set(ids), sort.order);
    const unscored = unscoredImages(columns, ids);
    order = [...scored.map((r) => r.imageId), ...unscored];
    const own = rows.find((r) => r.imageId === imageId);
    if (own === undefined) {
      const tail = byName(unscored);
      where = { index: tail.index === null ? null : scored.length + tail.index, insertAt: scored.length + tail.insertAt };
    } else {
      const cmp = compareScored(sort.order);
      where = locate(
        scored,
        (r) => r.imageId === imageId,
        (r) => cmp(r, own) > 0,
      );
    }
  }
  const { index, insertAt } = where;
  return {
    index,
    total: order.length,
    previousId: insertAt > 0 ? (order[insertAt - 1] ?? null) : null,
    nextId: (index === null ? order[insertAt] : order[insertAt + 1]) ?? null,
  };
}

/** Referring samples' queries per image (tiles of referring datasets). */
export function imageQueries(deps: Pick<EngineDeps, 'db' | 'repos'>, datasetId: number, imageIds: readonly number[]) {
  if (deps.repos.datasets.header(datasetId) === undefined) throw new ApiError('NOT_FOUND', `dataset ${datasetId} not found`);
  if (imageIds.length === 0) return [];
  const rows = deps.repos.images.queries(datasetId, imageIds);
  const byImage = new Map<number, string[]>();
  for (const r of rows) {
    const list = byImage.get(r.imageId) ?? [];
    list.push(r.query);
    byImage.set(r.imageId, list);
  }
  return [...byImage].map(([id, queries]) => ({ imageId: id, queries }));
}

export function imageNavigationHandlers(deps: EngineDeps) {
  return {
    'images.neighbors': async ({ datasetId, imageId, sort, ...filter }) => imageNeighbors(deps, datasetId, imageId, sort, filter),
    'images.queries': async ({ datasetId, imageIds }) => imageQueries(deps, datasetId, imageIds),
  } satisfies Partial<Handlers>;
}
