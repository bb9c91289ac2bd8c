import { z } from 'zod';
import { Id } from './ids';
import { BlobRef } from './blobs';
import { ClassInfo } from './datasets';

export const ImageSummary = z.object({
  id: Id,
  datasetId: Id,
  fileName: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  hasGroundTruth: z.boolean(),
});
export type ImageSummary = z.infer<typeof ImageSummary>;

export const ImagePageInput = z.object({
  datasetId: Id,
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(1000).default(200),
});

export const ImagePage = z.object({ total: z.number().int(), items: z.array(ImageSummary) });
export type ImagePage = z.infer<typeof ImagePage>;

export const ImageDetail = ImageSummary.extend({
  path: z.string(),
  sha256: z.string(),
  bytes: z.number().int(),
  classes: z.array(ClassInfo),
  image: BlobRef,
  groundTruth: BlobRef.nullable(),
});
export type ImageDetail = z.infer<typeof ImageDetail>;
