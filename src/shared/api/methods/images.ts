import { z } from 'zod';
import { Id, ImageDetail, ImageFilter, ImagePage, ImagePageInput, RunDisagreement } from '../../domain';

export const imageMethods = {
  /** A page of a dataset's images in file-name order, narrowed by the optional filters. */
  'images.page': { input: ImagePageInput, output: ImagePage },
  /** Ids of every image matching the filters, in gallery order (select all; sort by a score fetched elsewhere). */
  'images.ids': { input: z.object({ datasetId: Id, ...ImageFilter.shape }), output: z.array(Id) },
  'images.get': { input: z.object({ imageId: Id }), output: ImageDetail },
  /** Images of a dataset ordered by how many pixels two runs label differently, most first. */
  'images.rankByRunDisagreement': {
    input: z.object({ datasetId: Id, runA: Id, runB: Id, limit: z.number().int().min(1).max(1000).default(50) }),
    output: z.array(RunDisagreement),
  },
} as const;
