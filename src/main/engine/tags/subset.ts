import { ApiError } from '../../../shared/api/errors';
import type { EngineDeps } from '../deps';

export interface Subset {
  /** Samples in the subset, in id order: what `run` and `eval` iterate. */
  sampleIds: number[];
  /** Their images, distinct, in first-sample order. */
  imageIds: number[];
}

/**
 * The samples (and images) of a dataset, narrowed to a tag when one is given (`--subset TAG`): a
 * sample is in when its image or the sample itself carries the tag. An unknown dataset or tag is
 * NOT_FOUND; a tag that marks nothing in this dataset gives empty lists (the caller decides
 * whether that is an error).
 */
export function resolveSubset(deps: Pick<EngineDeps, 'repos'>, datasetId: number, tag?: string): Subset {
  if (deps.repos.datasets.header(datasetId) === undefined) throw new ApiError('NOT_FOUND', `dataset ${datasetId} not found`);
  let tagId: number | null = null;
  if (tag !== undefined) {
    const id = deps.repos.tags.idOf(tag);
    if (id === undefined) throw new ApiError('NOT_FOUND', `tag "${tag}" not found`);
    tagId = id;
  }
  const rows = deps.repos.tags.subset(datasetId, tagId);
  const imageIds: number[] = [];
  const seen = new Set<number>();
  for (const r of rows) {
    if (seen.has(r.imageId)) continue;
    seen.add(r.imageId);
    imageIds.push(r.imageId);
  }
  return { sampleIds: rows.map((r) => r.sampleId), imageIds };
}
