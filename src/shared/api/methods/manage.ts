import { z } from 'zod';
import { ClassInfo, DatasetSummary, hasNoControl, Id, MAX_CLASS_NAME_LENGTH, ModelSummary, Rgb, RunSummary } from '../../domain';

/** No control characters (a line break in a name would break tables, CSV and one-line errors). */
const noControl = hasNoControl;

const Name = z
  .string()
  .trim()
  .min(1, 'a name cannot be empty')
  .max(200, 'a name has at most 200 characters')
  .refine(noControl, 'a name cannot hold control characters or line breaks');
const ClassName = z
  .string()
  .trim()
  .min(1, 'a class name cannot be empty')
  .max(MAX_CLASS_NAME_LENGTH, `a class name has at most ${MAX_CLASS_NAME_LENGTH} characters`)
  .refine(noControl, 'a class name cannot hold control characters or line breaks');
const Color = Rgb.refine((c) => c.every((v) => v >= 0 && v <= 255), 'colour channels are 0-255');

/**
 * What a delete removes, counted before anything is touched (`*.deletePlan`) and again as it
 * happens (`*.delete` returns the plan it carried out). `goes` lists each kind of stored thing with
 * its count; `keeps` says in words what stays (image files, model files, runs' provenance);
 * `blockedBy` is why the delete would be refused now (a job still running on it), or null.
 */
export const DeletePlan = z.object({
  kind: z.enum(['dataset', 'run', 'model']),
  id: Id,
  name: z.string(),
  goes: z.array(
    z.object({
      /** Stable key: images, samples, annotations, runs, predictions, heatmaps, metricRows, cachedOutputs, embeddings, thumbnails, savedFilters, tagLinks. */
      key: z.string(),
      label: z.string(),
      count: z.number().int(),
    }),
  ),
  keeps: z.array(z.string()),
  blockedBy: z.string().nullable(),
});
export type DeletePlan = z.infer<typeof DeletePlan>;

/** The result of a delete: the plan carried out, and the cache files removed from disk. */
export const DeleteResult = z.object({ plan: DeletePlan, filesRemoved: z.number().int() });
export type DeleteResult = z.infer<typeof DeleteResult>;

/**
 * Renaming and deleting datasets, runs and models, and a dataset's classes. Deletes are all or
 * nothing in one transaction (foreign keys cascade); cached outputs, embeddings and thumbnails that
 * nothing references any more are collected. A model that runs reference can be deleted: the runs
 * keep their predictions and provenance (model name, sha256, manifest) and their model link becomes null.
 */
export const manageMethods = {
  'datasets.rename': { input: z.object({ datasetId: Id, name: Name }), output: DatasetSummary },
  'datasets.deletePlan': { input: z.object({ datasetId: Id }), output: DeletePlan },
  'datasets.delete': { input: z.object({ datasetId: Id }), output: DeleteResult },
  'runs.rename': { input: z.object({ runId: Id, name: Name }), output: RunSummary },
  'runs.deletePlan': { input: z.object({ runId: Id }), output: DeletePlan },
  'runs.delete': { input: z.object({ runId: Id }), output: DeleteResult },
  'models.rename': { input: z.object({ modelId: Id, name: Name }), output: ModelSummary },
  'models.deletePlan': { input: z.object({ modelId: Id }), output: DeletePlan },
  'models.delete': { input: z.object({ modelId: Id }), output: DeleteResult },
  'classes.list': { input: z.object({ datasetId: Id }), output: z.array(ClassInfo) },
  /** Renames and/or recolours one class (index = its label value). Names are unique within a dataset. */
  'classes.update': {
    input: z.object({ datasetId: Id, index: z.number().int().min(0).max(254), name: ClassName.optional(), color: Color.optional() }),
    output: z.array(ClassInfo),
  },
  /**
   * Adds classes at the next free label values. A dataset without classes (an unlabelled import)
   * gets `background` at 0 first unless the first name given is background. Colours default to the VOC palette.
   */
  'classes.add': {
    input: z.object({
      datasetId: Id,
      classes: z
        .array(z.object({ name: ClassName, color: Color.optional() }))
        .min(1)
        .max(255, {
          error: (iss) =>
            `at most 255 classes (label values 0-254; 255 is ignore); got ${Array.isArray(iss.input) ? iss.input.length : 'more'}`,
        }),
    }),
    output: z.array(ClassInfo),
  },
} as const;
