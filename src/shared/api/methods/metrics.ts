import { z } from 'zod';
import { Id, JobStarted } from '../../domain';

/** A score that may be undefined (0/0): null, never NaN, so it survives JSON (docs/design.md §6.2). */
const Score = z.number().nullable();

/** A tag name naming an evaluation subset: samples carrying it, or whose image carries it. */
const SubsetTag = z.string().min(1).max(100);

export const SemanticBlock = z.object({
  miou: Score,
  miou_gt_classes: Score,
  pixel_acc: Score,
  mean_acc: Score,
  fwiou: Score,
  per_class: z.array(z.object({ id: z.number().int(), name: z.string(), iou: Score, acc: Score })),
});
export type SemanticBlock = z.infer<typeof SemanticBlock>;

export const ReferringBlock = z.object({
  giou: Score,
  ciou: Score,
  pairs: z.number().int(),
  precision: z.record(z.string(), Score),
});
export type ReferringBlock = z.infer<typeof ReferringBlock>;

/** Exactly `tessera eval --json` (docs/design.md §6.2) plus the names of the metric definitions used. */
export const EvalResult = z.object({
  dataset: z.string(),
  run: z.string(),
  images: z.number().int(),
  semantic: SemanticBlock.nullable(),
  referring: ReferringBlock.nullable(),
  definitions: z.array(z.string()),
});
export type EvalResult = z.infer<typeof EvalResult>;

/** What `metrics.scores` returns: the eval object and how much of the dataset it covers. */
export const RunScores = EvalResult.extend({
  datasetId: Id,
  runId: Id,
  subset: z.string().nullable(),
  /** Samples with ground truth that an unfinished run has no result for yet: left out of every score. */
  unpredicted: z.number().int(),
});
export type RunScores = z.infer<typeof RunScores>;

/** One sample's score: image mIoU (semantic, mmseg convention within the image) or the pair IoU (referring). */
export const ImageScore = z.object({
  sampleId: Id,
  imageId: Id,
  fileName: z.string(),
  query: z.string().nullable(),
  score: Score,
});
export type ImageScore = z.infer<typeof ImageScore>;

/** A column of `ok` values, checked in one loop (zod's per-element array check costs ~0.5 µs a value). */
function column<T>(ok: (v: unknown) => v is T, what: string) {
  return z.custom<T[]>(
    (a) => {
      if (!Array.isArray(a)) return false;
      for (let k = 0; k < a.length; k++) if (!ok(a[k])) return false;
      return true;
    },
    { message: `expected an array of ${what}` },
  );
}
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const isString = (v: unknown): v is string => typeof v === 'string';
const isOptionalString = (v: unknown): v is string | null => v === null || typeof v === 'string';
const isScore = (v: unknown): v is number | null => v === null || (typeof v === 'number' && Number.isFinite(v));

/**
 * A run's per-image scores as columns, row k being (sampleIds[k], imageIds[k], fileNames[k],
 * queries[k], scores[k]) in gallery order. At 100k images columns are half the JSON of ImageScore
 * objects and parse and check in about a third of the time (docs/design.md §6.2).
 */
export const PerImageScores = z
  .object({
    sampleIds: column(isId, 'ids'),
    imageIds: column(isId, 'ids'),
    fileNames: column(isString, 'strings'),
    queries: column(isOptionalString, 'strings or nulls'),
    scores: column(isScore, 'finite numbers or nulls'),
  })
  .refine(
    (c) => [c.imageIds, c.fileNames, c.queries, c.scores].every((col) => col.length === c.sampleIds.length),
    'per-image score columns of different lengths',
  );
export type PerImageScores = z.infer<typeof PerImageScores>;

/** Rows of PerImageScores. */
export function perImageRows(c: PerImageScores): ImageScore[] {
  const out: ImageScore[] = new Array(c.sampleIds.length);
  for (let k = 0; k < out.length; k++)
    out[k] = { sampleId: c.sampleIds[k]!, imageId: c.imageIds[k]!, fileName: c.fileNames[k]!, query: c.queries[k]!, score: c.scores[k]! };
  return out;
}

/** PerImageScores of rows. */
export function perImageColumnsOf(rows: readonly ImageScore[]): PerImageScores {
  return {
    sampleIds: rows.map((r) => r.sampleId),
    imageIds: rows.map((r) => r.imageId),
    fileNames: rows.map((r) => r.fileName),
    queries: rows.map((r) => r.query),
    scores: rows.map((r) => r.score),
  };
}

export const PairedImage = ImageScore.omit({ score: true }).extend({ a: Score, b: Score, diff: Score });
export type PairedImage = z.infer<typeof PairedImage>;

/** B − A of a dataset metric and its seeded percentile bootstrap interval. */
const ComparedInterval = z.object({ estimate: z.number(), low: z.number(), high: z.number(), level: z.number() });

export const Comparison = z.object({
  dataset: z.string(),
  runs: z.tuple([z.string(), z.string()]),
  subset: z.string().nullable(),
  /** The dataset metric whose difference (B − A) is bootstrapped: `mmseg-miou` or `lisa-giou`. */
  metric: z.string(),
  /** The per-image score paired for wins/ties/losses: `image-miou` or `lisa-pair-iou`. */
  imageMetric: z.string(),
  /** Paired samples: those both runs have been evaluated on (on a referring dataset, queries: see `unit`). */
  images: z.number().int(),
  /**
   * What `images`, the wins and the bootstrap count and resample: `image` (semantic: one sample per
   * image) or `query` (referring: one sample per query, several per image).
   */
  unit: z.enum(['image', 'query']),
  /**
   * Paired images without a per-image score in a run (docs/design.md §5.5: for semantic datasets,
   * ground truth entirely ignore), and why (null when there are none). They are left out of the
   * wins / ties / losses, the mean difference and the bootstrap; `a`, `b` and the estimate are
   * unchanged by them (they add no pixels to the counts).
   */
  unscored: z.object({ images: z.number().int(), reason: z.string().nullable() }),
  a: Score,
  b: Score,
  difference: ComparedInterval.nullable(),
  /**
   * The dataset's other headline metrics, compared the same way over the same paired samples and the
   * same resamples (same seed): `lisa-ciou` on a referring dataset (LISA and READ report it beside
   * gIoU); none on a semantic one. `difference` is null, with `note` saying why, when a metric is
   * undefined on all the samples or on a resample (cIoU's ΣU = 0).
   */
  otherMetrics: z.array(
    z.object({ metric: z.string(), a: Score, b: Score, difference: ComparedInterval.nullable(), note: z.string().nullable() }),
  ),
  seed: z.number().int(),
  bootstrapSamples: z.number().int(),
  /** Over images where both runs have a defined per-image score (images − unscored.images). */
  paired: z.object({ wins: z.number().int(), ties: z.number().int(), losses: z.number().int(), meanDiff: Score }),
  /** Semantic only: per class, images where B's IoU for the class beat A's (largest gain first). */
  classes: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      bWins: z.number().int(),
      aWins: z.number().int(),
      images: z.array(z.object({ imageId: Id, fileName: z.string(), a: z.number(), b: z.number() })),
    }),
  ),
  perImage: z.array(PairedImage),
});
export type Comparison = z.infer<typeof Comparison>;

export const SubsetSummary = z.object({ name: z.string(), samples: z.number().int() });
export type SubsetSummary = z.infer<typeof SubsetSummary>;

export const CorrectionScores = z.object({
  subset: z.string().nullable(),
  /** Samples in the subset whose ground truth differs from the imported version. */
  correctedImages: z.number().int(),
  /** Against the imported ground truth (every region at version 1). */
  before: EvalResult,
  /** Against the current ground truth. */
  after: EvalResult,
});
export type CorrectionScores = z.infer<typeof CorrectionScores>;

const RunRef = z.object({ datasetId: Id, runId: Id, subset: SubsetTag.optional() });

export const metricMethods = {
  /** Long work: brings the run's stored per-sample counts up to date (only missing or stale ones). */
  'metrics.evaluate': { input: z.object({ datasetId: Id, runId: Id }), output: JobStarted },
  /** Scores as a SQL aggregate of the stored counts; stale counts are recomputed first. */
  'metrics.scores': { input: RunRef, output: RunScores },
  /** CAM quality of a cam-kind run: pseudo-label mIoU (GT classes) over background thresholds 0.00-0.95. */
  'metrics.camSweep': {
    input: RunRef,
    output: z.object({
      dataset: z.string(),
      run: z.string(),
      images: z.number().int(),
      definition: z.literal('toco-cam-sweep'),
      thresholds: z.array(z.number()),
      miou: z.array(z.number().nullable()),
      best: z.object({ threshold: z.number().nullable(), miou: z.number().nullable() }),
      /** Annotated images without a CAM the sweep can use (none stored, another shape): not in its mIoU. */
      leftOut: z.object({ images: z.number().int(), examples: z.array(z.string()), reasons: z.array(z.string()) }),
    }),
  },
  /** Per-image scores in gallery order, as columns (PerImageScores; perImageRows gives rows). */
  'metrics.perImage': {
    input: RunRef.extend({ classIdx: z.number().int().min(0).max(254).optional() }),
    output: PerImageScores,
  },
  'metrics.compare': {
    input: z.object({
      datasetId: Id,
      runIds: z.tuple([Id, Id]),
      subset: SubsetTag.optional(),
      seed: z
        .number()
        .int()
        .min(0)
        .max(2 ** 32 - 1)
        .default(1),
      samples: z.number().int().min(1).max(100_000).default(1000),
    }),
    output: Comparison,
  },
  /** Tags that name a non-empty subset of the dataset's samples. */
  'metrics.subsets': { input: z.object({ datasetId: Id }), output: z.array(SubsetSummary) },
  /** A run's scores before and after human corrections of the ground truth. */
  'metrics.corrections': { input: RunRef, output: CorrectionScores },
} as const;
