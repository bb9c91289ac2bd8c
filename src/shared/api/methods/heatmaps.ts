import { z } from 'zod';
import { BlobRef, Id } from '../../domain';
import { HeatmapGeometry } from '../../domain/heatmapGeometry';
import { NamedHeatmapMeta } from '../../domain/heatmapMeta';

/**
 * One stored heatmap of a run for one sample of an image, its `meta` typed by its name (see
 * NamedHeatmapMeta in domain/heatmapMeta.ts): `cam` [C,h,w] {classIds?}; `patch_tokens` [N,D]
 * {gridH, gridW}; `seg_similarity` [h,w] {points: [{x,y,label,score}], decoder, query} (see
 * SamplePoints); `token_importance` [h,w] {anchors, buffers, registers}; `probability` [h,w]
 * {threshold}; `cls_attention`, `token_pagerank`, `embedding_norm` and imported `heatmap` maps as they are.
 */
export const HeatmapInfo = z.intersection(
  NamedHeatmapMeta,
  z.object({
    sampleId: Id,
    /** The sample's text query (referring / reasoning samples); null for the image's semantic sample. */
    query: z.string().nullable(),
    shape: z.array(z.number().int().nonnegative()),
    dtype: z.enum(['float16', 'float32', 'uint8']),
    /** Where the map sits on the image (model runs); null: the map covers the whole image (imported maps). */
    geometry: HeatmapGeometry.nullable(),
    /** Raw little-endian values in `dtype`, row-major over `shape`. */
    blob: BlobRef,
  }),
);
export type HeatmapInfo = z.output<typeof HeatmapInfo>;

/** A point label as SAM reads it: 1 positive, 0 negative, -1 "not a point" (READ's neutral points, SAM's padding point). */
export const PointLabel = z.union([z.literal(1), z.literal(0), z.literal(-1)]);

const Xy = z.tuple([z.number(), z.number()]);

/**
 * The point prompts of one sample of a seg-token run (READ's Similarity as Points) and exactly
 * what its SAM decoder received. Also the content of each `export --format points` file.
 */
export const SamplePoints = z.object({
  sampleId: Id,
  imageId: Id,
  fileName: z.string(),
  query: z.string().nullable(),
  /** The image in pixels: the frame of `points`. */
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** [rows, cols] of the <SEG> similarity map the points were picked from (READ-7B: [24, 24]). */
  similaritySize: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  /**
   * [x, y] in image pixels in READ's order: positives by descending similarity, negatives by
   * ascending similarity, then neutral cells row-major; the first num_points of that list.
   */
  points: z.array(Xy),
  labels: z.array(PointLabel),
  /** Each point's cell value in the downsampled, min-max normalized map, in [0, 1]. */
  scores: z.array(z.number()),
  /** The decoder model's name, or null (no decoder: the mask is the thresholded similarity). */
  decoder: z.string().nullable(),
  /** What the decoder was fed; null without a decoder (or for runs made before it was recorded). */
  decoderPrompt: z
    .object({
      /** SAM's input frame: the longest image side resized to this many pixels (1024). */
      frame: z.number().int().positive(),
      /** point_coords [N + 1, 2] in that frame (float32 values), SAM's (0, 0) padding point last. */
      coords: z.array(Xy),
      /** point_labels [N + 1]: the points' labels, then -1 for the padding point. */
      labels: z.array(PointLabel),
    })
    .nullable(),
});
export type SamplePoints = z.infer<typeof SamplePoints>;

export const heatmapMethods = {
  /** Every heatmap a run stored for any sample of the image, by sample then name. */
  'heatmaps.list': { input: z.object({ runId: Id, imageId: Id }), output: z.array(HeatmapInfo) },
  /** The SasP point prompts (and the decoder's exact prompt) of each sample of the image in a seg-token run; [] for other runs. */
  'heatmaps.points': { input: z.object({ runId: Id, imageId: Id }), output: z.array(SamplePoints) },
} as const;
