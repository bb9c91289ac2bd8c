import { z } from 'zod';
import { Id, ImportResult } from '../domain';
import type { JobState } from '../domain';
import { datasetMethods, PredictionsImportResult } from './methods/datasets';
import { ExportResult, exportMethods } from './methods/exports';
import { ReportResult, reportMethods } from './methods/reports';
import { RunProfile } from './methods/runs';
import type { MethodName } from './contract';

/** The result of a `runs.start` job (`tessera run --json`). A run with failed images ends as a failed job instead. */
export const RunResult = z.object({
  runId: Id,
  samples: z.number().int(),
  computed: z.number().int(),
  cached: z.number().int(),
  /** Samples already done before this job (a resumed run). */
  resumed: z.number().int(),
  failed: z.number().int(),
  failures: z.array(z.object({ item: z.string(), reason: z.string(), modelError: z.boolean() })),
  executionProvider: z.enum(['cpu', 'cuda']),
  /** Why the run fell back to the CPU (CUDA asked for but not usable), or null. */
  providerFallback: z.string().nullable(),
  profile: RunProfile,
});
export type RunResult = z.infer<typeof RunResult>;

/** The result of a `metrics.evaluate` job: how many samples were scored now and how many were up to date. */
export const EvaluationResult = z.object({
  images: z.number().int(),
  computed: z.number().int(),
  upToDate: z.number().int(),
  removed: z.number().int(),
  unpredicted: z.number().int(),
});
export type EvaluationResult = z.infer<typeof EvaluationResult>;

const withFormat = <T extends z.ZodRawShape, F extends string>(input: z.ZodObject<T>, format: F) =>
  input.extend({ format: z.literal(format) });

/**
 * Every kind of job: the params it is stored with (read back for the Jobs list's subject) and the
 * result it ends with. The engine validates each result against its kind's schema (a mismatch fails
 * the job as INTERNAL); clients parse a finished job's `result` with `jobResult(method, job)`, the
 * schema `jobStarters` gives the method that started it, instead of reading untyped keys.
 */
export const jobKinds = {
  /** Every dataset import (params: the method's input plus `format`) and `runs.importPredictions`. */
  'datasets.import': {
    params: z.union([
      withFormat(datasetMethods['datasets.importFolder'].input, 'folder'),
      withFormat(datasetMethods['datasets.importVoc'].input, 'voc'),
      withFormat(datasetMethods['datasets.importCoco'].input, 'coco'),
      withFormat(datasetMethods['datasets.importReasonSeg'].input, 'reasonseg'),
      withFormat(datasetMethods['datasets.importRefCoco'].input, 'refcoco'),
      datasetMethods['runs.importPredictions'].input,
    ]),
    result: z.union([ImportResult, PredictionsImportResult]),
  },
  'datasets.export': { params: exportMethods['datasets.export'].input, result: ExportResult },
  'metrics.evaluate': { params: z.object({ datasetId: Id, runId: Id }), result: EvaluationResult },
  'reports.create': { params: reportMethods['reports.create'].input, result: ReportResult },
  'runs.start': {
    /** Names as they were at the start, for the Jobs list once a run, model or dataset is renamed or deleted. */
    params: z.object({
      runId: Id,
      modelId: Id,
      datasetId: Id,
      ownerPid: z.number().int(),
      run: z.string(),
      model: z.string(),
      dataset: z.string(),
    }),
    result: RunResult,
  },
} as const;

export type JobKind = keyof typeof jobKinds;
export type JobParams<K extends JobKind> = z.input<(typeof jobKinds)[K]['params']>;
export type JobKindResult<K extends JobKind> = z.output<(typeof jobKinds)[K]['result']>;

/** The methods that start a job (their output holds its `jobId`): the kind each starts and the result that job ends with. */
export const jobStarters = {
  'datasets.importFolder': { kind: 'datasets.import', result: ImportResult },
  'datasets.importVoc': { kind: 'datasets.import', result: ImportResult },
  'datasets.importCoco': { kind: 'datasets.import', result: ImportResult },
  'datasets.importReasonSeg': { kind: 'datasets.import', result: ImportResult },
  'datasets.importRefCoco': { kind: 'datasets.import', result: ImportResult },
  'runs.importPredictions': { kind: 'datasets.import', result: PredictionsImportResult },
  'datasets.export': { kind: 'datasets.export', result: ExportResult },
  'metrics.evaluate': { kind: 'metrics.evaluate', result: EvaluationResult },
  'reports.create': { kind: 'reports.create', result: ReportResult },
  'runs.start': { kind: 'runs.start', result: RunResult },
} as const satisfies Partial<Record<MethodName, { kind: JobKind; result: z.ZodType }>>;

export type JobMethod = keyof typeof jobStarters;
export type JobResult<M extends JobMethod> = z.output<(typeof jobStarters)[M]['result']>;
export function isJobKind(kind: string): kind is JobKind {
  return Object.prototype.hasOwnProperty.call(jobKinds, kind);
}

/**
 * A finished job's result as the method that started it defines it; null while the job has none
 * (not finished, failed, cancelled) or when it does not match (an older engine's result).
 */
export function jobResult<M extends JobMethod>(method: M, job: Pick<JobState, 'result'> | null | undefined): JobResult<M> | null {
  if (job?.result == null) return null;
  const parsed = jobStarters[method].result.safeParse(job.result);
  return parsed.success ? (parsed.data as JobResult<M>) : null;
}
