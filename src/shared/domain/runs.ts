import { z } from 'zod';
import { Id } from './ids';

export const RunStatus = z.enum(['pending', 'running', 'complete', 'failed', 'cancelled']);
export type RunStatus = z.infer<typeof RunStatus>;

/** A run is one set of predictions on a dataset: made by a model here, or imported from elsewhere. */
export const RunSummary = z.object({
  id: Id,
  datasetId: Id,
  name: z.string(),
  source: z.enum(['model', 'import']),
  modelId: Id.nullable(),
  status: RunStatus,
  /** The execution provider actually used (cpu, cuda), null for imported runs. */
  executionProvider: z.string().nullable(),
  params: z.record(z.string(), z.unknown()),
  /** Model file hash, manifest, thresholds, prompt template, tool version (docs/design.md §3.7). */
  provenance: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  /**
   * The samples the run covers: for a complete run of masks every sample of the dataset (images, or
   * queries of a referring dataset; those with no stored region are all background) or those its
   * starts listed, as eval scores them; for any other run, those it holds results for.
   */
  predictedSamples: z.number().int(),
  /** It holds masks to show and score (not heatmaps only; store/repos/evaluation.ts runHasPredictions). */
  hasMasks: z.boolean(),
});
export type RunSummary = z.infer<typeof RunSummary>;
