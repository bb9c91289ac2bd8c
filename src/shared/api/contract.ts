import { z } from 'zod';
import { DatasetSummary, JobId, ImageDetail, ImagePage, ImagePageInput, JobFinished, JobProgress, JobStarted, JobState, Id } from '../domain';

/** Everything a client may ask of the engine: `noun.verb` -> input and output schemas. */
export const methods = {
  'workspace.info': {
    input: z.object({}),
    output: z.object({ path: z.string(), schemaVersion: z.number().int(), toolVersion: z.string() }),
  },
  'datasets.list': { input: z.object({}), output: z.array(DatasetSummary) },
  'datasets.get': { input: z.object({ datasetId: Id }), output: DatasetSummary },
  /** Long work: starts an import job; its result is an ImportResult. */
  'datasets.importFolder': {
    input: z.object({
      dir: z.string().min(1),
      masksDir: z.string().min(1).optional(),
      name: z.string().min(1).max(200).optional(),
    }),
    output: JobStarted,
  },
  'images.page': { input: ImagePageInput, output: ImagePage },
  'images.get': { input: z.object({ imageId: Id }), output: ImageDetail },
  'jobs.list': { input: z.object({}), output: z.array(JobState) },
  'jobs.get': { input: z.object({ jobId: JobId }), output: JobState },
  'jobs.cancel': { input: z.object({ jobId: JobId }), output: z.object({}) },
} as const;

/** What the engine announces; clients never poll. */
export const events = {
  'job.progress': JobProgress,
  'job.finished': JobFinished,
  /** Topics are method prefixes (`datasets`, `images`, ...): clients refetch queries under them. */
  'data.changed': z.object({ topics: z.array(z.string()) }),
} as const;

export type MethodName = keyof typeof methods;
export type EventName = keyof typeof events;
export type Input<M extends MethodName> = z.input<(typeof methods)[M]['input']>;
export type ParsedInput<M extends MethodName> = z.output<(typeof methods)[M]['input']>;
export type Output<M extends MethodName> = z.output<(typeof methods)[M]['output']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

/** A message pushed from engine to clients. */
export interface EngineEvent<E extends EventName = EventName> {
  name: E;
  payload: EventPayload<E>;
}

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}

export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(events, name);
}
