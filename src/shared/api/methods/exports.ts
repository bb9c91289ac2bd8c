import { z } from 'zod';
import { Id, JobStarted } from '../../domain';

/**
 * voc: palette PNGs + split lists; coco: instances JSON (or results JSON for a run); npy: a run's
 * heatmaps; points: a seg-token run's point prompts, one JSON (SamplePoints) per sample.
 */
export const ExportFormat = z.enum(['voc', 'coco', 'npy', 'points']);
export type ExportFormat = z.infer<typeof ExportFormat>;

/** The result of a `datasets.export` job. */
export const ExportResult = z.object({
  outDir: z.string(),
  format: ExportFormat,
  /** Files written, relative to outDir. */
  files: z.number().int(),
  images: z.number().int(),
  /**
   * A run's export (voc, coco): images the run covers but has no results for, left out. Only an
   * unfinished run (killed, failed, cancelled) has any; a complete run's image without regions is an
   * all-background prediction and is written.
   */
  unpredicted: z.number().int().optional(),
  /** Ground truth to COCO: images whose ignore (255) pixels COCO cannot hold; they read back as background. */
  ignoreLeftOut: z.number().int().optional(),
  /**
   * Ground truth to COCO: images without ground truth, left out of `images` (COCO has no "not
   * annotated" image: a listed image without annotations reads back as all background).
   */
  unannotatedLeftOut: z.number().int().optional(),
  /**
   * How the export wrote what a reader could take otherwise (one line each): COCO with a class 0 that
   * is a real class (not named background, not a COCO import's), written as a category.
   */
  notes: z.array(z.string()).optional(),
});
export type ExportResult = z.infer<typeof ExportResult>;

export const exportMethods = {
  /**
   * Long work: writes ground truth (or, with runId, a run's predictions) into outDir; result is an
   * ExportResult. Never replaces a file already there unless `overwrite`, nor ever a dataset's image file.
   */
  'datasets.export': {
    input: z.object({
      datasetId: Id,
      runId: Id.optional(),
      format: ExportFormat,
      outDir: z.string().min(1),
      /** npy only: write heatmaps as stored, at model resolution, plus heatmaps.json with their geometry (default: at the image size). */
      raw: z.boolean().optional(),
      /**
       * Replace files already in outDir under names the export writes. Without it such an export is
       * refused (CONFLICT) before anything is written; other files in outDir always stay.
       */
      overwrite: z.boolean().optional(),
    }),
    output: JobStarted,
  },
} as const;
