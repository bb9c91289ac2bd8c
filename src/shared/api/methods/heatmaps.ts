import { z } from 'zod';
import { BlobRef, Id } from '../../domain';
import { HeatmapGeometry } from '../../domain/heatmapGeometry';

/**
 * One stored heatmap of a run for one sample of an image. Names the UI knows (written by model runs):
 * `cam` [C,h,w] meta {classIds?}; `patch_tokens` [N,D] meta {gridH, gridW}; `seg_similarity` [h,w]
 * meta {points: [{x,y,label}], query}; `token_importance` [h,w] meta {anchors, buffers, registers}.
 */
export const HeatmapInfo = z.object({
  name: z.string(),
  sampleId: Id,
  /** The sample's text query (referring / reasoning samples); null for the image's semantic sample. */
  query: z.string().nullable(),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.enum(['float16', 'float32', 'uint8']),
  meta: z.record(z.string(), z.unknown()),
  /** Where the map sits on the image (model runs); null: the map covers the whole image (imported maps). */
  geometry: HeatmapGeometry.nullable(),
  /** Raw little-endian values in `dtype`, row-major over `shape`. */
  blob: BlobRef,
});
export type HeatmapInfo = z.infer<typeof HeatmapInfo>;

export const heatmapMethods = {
  /** Every heatmap a run stored for any sample of the image, by sample then name. */
  'heatmaps.list': { input: z.object({ runId: Id, imageId: Id }), output: z.array(HeatmapInfo) },
} as const;
