import { z } from 'zod';
import { Id } from './ids';
import { BlobRef } from './blobs';
import { ClassInfo, PixelGrid } from './datasets';

/** Where an image stands in correction work; mirrors the CHECK on images.review_state (and tags' ReviewState). */
export const ImageReviewState = z.enum(['unreviewed', 'in-review', 'reviewed', 'rejected']);
export type ImageReviewState = z.infer<typeof ImageReviewState>;

export const ImageSummary = z.object({
  id: Id,
  datasetId: Id,
  fileName: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  hasGroundTruth: z.boolean(),
  reviewState: ImageReviewState,
  /** Names of the tags on the image, sorted. */
  tags: z.array(z.string()),
});
export type ImageSummary = z.infer<typeof ImageSummary>;

/** Gallery filters; every one given must hold (AND). */
export const ImageFilter = z.object({
  /** Images carrying this tag (on the image or on one of its samples). */
  tag: z.string().min(1).max(100).optional(),
  reviewState: ImageReviewState.optional(),
  hasGroundTruth: z.boolean().optional(),
  /** Images whose current ground truth has pixels of this class index. */
  classPresent: z.number().int().min(0).max(255).optional(),
  /** Images the run has results for (predictions or heatmaps). */
  runId: Id.optional(),
});
export type ImageFilter = z.infer<typeof ImageFilter>;

export const ImagePageInput = z.object({
  datasetId: Id,
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(1000).default(200),
  ...ImageFilter.shape,
});

export const ImagePage = z.object({ total: z.number().int(), items: z.array(ImageSummary) });
export type ImagePage = z.infer<typeof ImagePage>;

export const ImageDetail = ImageSummary.extend({
  path: z.string(),
  sha256: z.string(),
  bytes: z.number().int(),
  /** EXIF orientation tag of the file (1 when absent) and the pixel grid chosen at import; width/height are the grid's. */
  exifOrientation: z.number().int().min(1).max(8),
  grid: PixelGrid,
  classes: z.array(ClassInfo),
  image: BlobRef,
  groundTruth: BlobRef.nullable(),
  /** The image's samples: the semantic one (query null) and one per referring query. */
  samples: z.array(z.object({ id: Id, query: z.string().nullable() })),
});
export type ImageDetail = z.infer<typeof ImageDetail>;

/** How much two runs' label maps disagree on one image (compare view: "changed most" first). */
export const RunDisagreement = z.object({
  imageId: Id,
  fileName: z.string(),
  /** Pixels whose predicted class differs between the two runs. */
  differingPixels: z.number().int(),
  /** differingPixels / (width x height). */
  fraction: z.number(),
});
export type RunDisagreement = z.infer<typeof RunDisagreement>;
