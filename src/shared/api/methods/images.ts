import { z } from 'zod';
import { Id, ImageDetail, ImageFilter, ImagePage, ImagePageInput, ImageSummary, RunDisagreement } from '../../domain';

/** The gallery's order: file name, or a run's per-image score (undefined scores last; ties by file name; then the images the run has no score for, by name). */
export const ImageSort = z.discriminatedUnion('by', [
  z.object({ by: z.literal('name') }),
  z.object({ by: z.literal('score'), runId: Id, order: z.enum(['asc', 'desc']) }),
]);
export type ImageSort = z.infer<typeof ImageSort>;

/** Where an image stands in a filtered, sorted gallery and who is before and after it. */
export const ImageNeighbors = z.object({
  /** 0-based position in the view; null when the image is not in it (an edit moved it out). */
  index: z.number().int().min(0).nullable(),
  total: z.number().int().min(0),
  previousId: Id.nullable(),
  nextId: Id.nullable(),
});
export type ImageNeighbors = z.infer<typeof ImageNeighbors>;

export const imageMethods = {
  /** A page of a dataset's images in file-name order, narrowed by the optional filters. */
  'images.page': { input: ImagePageInput, output: ImagePage },
  /** Ids of every image matching the filters, in gallery order (select all; sort by a score fetched elsewhere). */
  'images.ids': { input: z.object({ datasetId: Id, ...ImageFilter.shape }), output: z.array(Id) },
  /**
   * Tile summaries (size, ground truth, review state, tags) of the dataset's images among `imageIds`, in
   * that order; ids not in the dataset are left out. A score-sorted gallery knows only ids, names and
   * scores: it asks for the tiles it shows.
   */
  'images.summaries': {
    input: z.object({ datasetId: Id, imageIds: z.array(Id).max(1000) }),
    output: z.array(ImageSummary),
  },
  'images.get': { input: z.object({ imageId: Id }), output: ImageDetail },
  /**
   * Previous and next image of the gallery view (filters + sort) around an image, and its position.
   * An image outside the view (e.g. marked reviewed under a review filter) gets the neighbours of the
   * place it would have: navigation keeps going from there.
   */
  'images.neighbors': {
    input: z.object({ datasetId: Id, imageId: Id, sort: ImageSort.default({ by: 'name' }), ...ImageFilter.shape }),
    output: ImageNeighbors,
  },
  /** The text queries of referring samples, per image (gallery tiles of referring datasets). */
  'images.queries': {
    input: z.object({ datasetId: Id, imageIds: z.array(Id).max(1000) }),
    output: z.array(z.object({ imageId: Id, queries: z.array(z.string()) })),
  },
  /** Images of a dataset ordered by how many pixels two runs label differently, most first. */
  'images.rankByRunDisagreement': {
    input: z.object({ datasetId: Id, runA: Id, runB: Id, limit: z.number().int().min(1).max(1000).default(50) }),
    output: z.array(RunDisagreement),
  },
} as const;
