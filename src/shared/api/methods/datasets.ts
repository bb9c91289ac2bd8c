import { z } from 'zod';
import { DatasetSummary, hasNoControl, Id, JobStarted, SkippedFile } from '../../domain';

const Path = z.string().min(1);
/** A dataset's or run's name as given: trimmed ("basic " is "basic"), one line, not empty. */
const Name = z
  .string()
  .trim()
  .min(1, 'a name cannot be empty')
  .max(200, 'a name has at most 200 characters')
  .refine(hasNoControl, 'a name cannot hold control characters or line breaks');
const DatasetName = Name;
const RunName = Name;

/** Formats `runs.importPredictions` reads (README "Import predictions" describes each layout). */
export const PredictionFormat = z.enum(['png', 'coco-results', 'npy', 'toco-cam']);
export type PredictionFormat = z.infer<typeof PredictionFormat>;

/** The result of a `runs.importPredictions` job. */
export const PredictionsImportResult = z.object({
  runId: Id,
  name: z.string(),
  datasetId: Id,
  /** Images that received at least one prediction or heatmap. */
  images: z.number().int(),
  /** Prediction regions (masks) and heatmaps written. */
  regions: z.number().int(),
  heatmaps: z.number().int(),
  /**
   * Images scored against their ground truth while imported (PNG masks of a semantic dataset): `eval`
   * has nothing to count for them. Absent from import jobs recorded before it was added.
   */
  scored: z.number().int().optional(),
  skipped: z.array(SkippedFile),
  /**
   * PNG imports: images of the dataset with no prediction file (a complete run scores them as all
   * background), or, with several queries per image, without one for some query (`a.jpg (q1, q2)`), out
   * of how many, and the first few of their names. Absent when every image has a file.
   */
  withoutFile: z
    .object({
      images: z.number().int(),
      of: z.number().int(),
      examples: z.array(z.string()),
      /**
       * When the files cover whole splits and every image without one is in another split (a val
       * folder imported into a dataset of train, val and test): the splits with files and without.
       */
      splits: z.object({ covered: z.array(z.string()), without: z.array(z.string()) }).optional(),
    })
    .optional(),
  /** How the import read input a reasonable reader could read otherwise (one line each), e.g. low result scores. */
  notes: z.array(z.string()).optional(),
});
export type PredictionsImportResult = z.infer<typeof PredictionsImportResult>;

/**
 * Dataset import and lookup. Every import is a job whose result is an ImportResult; each validates
 * all its input before writing, and writes in one transaction.
 */
export const datasetMethods = {
  'datasets.list': { input: z.object({}), output: z.array(DatasetSummary) },
  'datasets.get': { input: z.object({ datasetId: Id }), output: DatasetSummary },
  /** Long work: starts an import job; its result is an ImportResult. */
  'datasets.importFolder': {
    input: z.object({
      dir: z.string().min(1),
      masksDir: z.string().min(1).optional(),
      name: DatasetName.optional(),
      /** Grey masks read as binary: value > maskThreshold is the object (soft, anti-aliased masks). */
      maskThreshold: z.number().int().min(0).max(254).optional(),
      /** mmseg's reduce_zero_label (ADE20K): mask value 0 becomes ignore (255), every other value v becomes v - 1. */
      reduceZeroLabel: z.boolean().optional(),
    }),
    output: JobStarted,
  },
  /** PASCAL VOC root (JPEGImages, SegmentationClass[Aug], ImageSets/Segmentation); all splits unless `split`. */
  'datasets.importVoc': {
    input: z.object({ root: Path, split: z.string().min(1).max(100).optional(), name: DatasetName.optional() }),
    output: JobStarted,
  },
  /** COCO instances JSON (streamed) + the folder its `file_name`s live in. */
  'datasets.importCoco': {
    input: z.object({ annotations: Path, imagesDir: Path, name: DatasetName.optional() }),
    output: JobStarted,
  },
  /** ReasonSeg folder: {train,val,test}/<name>.jpg + <name>.json (or one such folder). */
  'datasets.importReasonSeg': {
    input: z.object({ dir: Path, name: DatasetName.optional() }),
    output: JobStarted,
  },
  /** RefCOCO-style refs JSON + the COCO instances JSON they point into + the image folder. */
  'datasets.importRefCoco': {
    input: z.object({
      refs: Path,
      instances: Path,
      imagesDir: Path,
      split: z.string().min(1).max(100).optional(),
      name: DatasetName.optional(),
    }),
    output: JobStarted,
  },
  /** Image ids of a dataset chosen by file name and/or split (what the CLI's --images / --split mean). */
  'datasets.selectImages': {
    input: z.object({ datasetId: Id, fileNames: z.array(z.string().min(1)).max(100_000).optional(), split: z.string().min(1).optional() }),
    output: z.object({ imageIds: z.array(Id), unknownFileNames: z.array(z.string()), splits: z.array(z.string()) }),
  },
  /** Long work: predictions made elsewhere become a run (source 'import'); the result is a PredictionsImportResult. */
  'runs.importPredictions': {
    input: z.object({
      datasetId: Id,
      run: RunName,
      format: PredictionFormat,
      path: Path,
      /** coco-results: leave out results scoring below this (and those without a score). */
      minScore: z.number().finite().optional(),
      /** png: grey values above this are the target / class 1 (probability maps; referring or two-class datasets). */
      maskThreshold: z.number().int().min(0).max(254).optional(),
      /** png: files written as class + 1 (mmseg's format_only on a reduce_zero_label dataset): value v is class v - 1. */
      reduceZeroLabel: z.boolean().optional(),
      /**
       * The caller scores the run right after (`import predictions --eval`): refused before the job
       * starts, with nothing imported, when eval would refuse the run (a dataset without ground truth
       * or classes; heatmaps, which eval does not score as masks).
       */
      evaluate: z.boolean().optional(),
    }),
    output: JobStarted,
  },
} as const;
