import { z } from 'zod';
import { Id } from './ids';

export const DatasetFormat = z.enum(['folder', 'voc', 'coco', 'reasonseg', 'refcoco']);
export type DatasetFormat = z.infer<typeof DatasetFormat>;

/** semantic: one label map per image; referring: one binary mask per (image, query); unlabelled: images only. */
export const DatasetTask = z.enum(['semantic', 'referring', 'unlabelled']);
export type DatasetTask = z.infer<typeof DatasetTask>;

export const Rgb = z.tuple([z.number().int(), z.number().int(), z.number().int()]);
export type Rgb = z.infer<typeof Rgb>;

export const ClassInfo = z.object({ index: z.number().int().min(0).max(255), name: z.string(), color: Rgb });
export type ClassInfo = z.infer<typeof ClassInfo>;

export const DatasetSummary = z.object({
  id: Id,
  name: z.string(),
  format: DatasetFormat,
  task: DatasetTask,
  sourcePath: z.string().nullable(),
  imageCount: z.number().int(),
  sampleCount: z.number().int(),
  annotatedImageCount: z.number().int(),
  classCount: z.number().int(),
  createdAt: z.string(),
});
export type DatasetSummary = z.infer<typeof DatasetSummary>;

/** A file that an import left out, and why. */
export const SkippedFile = z.object({ file: z.string(), reason: z.string() });
export type SkippedFile = z.infer<typeof SkippedFile>;

/**
 * An image's pixel grid, chosen at import: 'raw' = the pixels as stored (PIL, EXIF orientation
 * ignored), 'oriented' = EXIF orientation applied (OpenCV imread, LabelMe). See README "Pixel grid".
 */
export const PixelGrid = z.enum(['raw', 'oriented']);
export type PixelGrid = z.infer<typeof PixelGrid>;

/** An imported image whose EXIF orientation is not 1, and the grid chosen for it (with that grid's size). */
export const ImageOrientationNote = z.object({
  file: z.string(),
  orientation: z.number().int().min(2).max(8),
  grid: PixelGrid,
  width: z.number().int(),
  height: z.number().int(),
});
export type ImageOrientationNote = z.infer<typeof ImageOrientationNote>;

export const ImportResult = z.object({
  datasetId: Id,
  name: z.string(),
  images: z.number().int(),
  annotated: z.number().int(),
  skipped: z.array(SkippedFile),
  /** Every imported image with an EXIF orientation other than 1, and its grid. */
  orientations: z.array(ImageOrientationNote).default([]),
  /** How the import read input a reasonable reader could read otherwise (one line each). */
  notes: z.array(z.string()).default([]),
});
export type ImportResult = z.infer<typeof ImportResult>;
