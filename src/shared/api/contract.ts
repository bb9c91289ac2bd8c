import { z } from 'zod';
import { JobFinished, JobProgress } from '../domain';
import { workspaceMethods } from './methods/workspace';
import { datasetMethods } from './methods/datasets';
import { imageMethods } from './methods/images';
import { jobMethods } from './methods/jobs';
import { runMethods } from './methods/runs';
import { metricMethods } from './methods/metrics';
import { reportMethods } from './methods/reports';
import { tagMethods } from './methods/tags';
import { annotationMethods } from './methods/annotations';
import { exportMethods } from './methods/exports';
import { heatmapMethods } from './methods/heatmaps';
import { modelMethods } from './methods/models';
import { promptMethods } from './methods/prompts';
import { filterMethods } from './methods/filters';
import { manageMethods } from './methods/manage';

/**
 * Everything a client may ask of the engine: `noun.verb` -> input and output schemas. One file per
 * area under ./methods; add an area with one spread line here.
 */
export const methods = {
  ...workspaceMethods,
  ...datasetMethods,
  ...imageMethods,
  ...jobMethods,
  ...runMethods,
  ...metricMethods,
  ...reportMethods,
  ...tagMethods,
  ...annotationMethods,
  ...exportMethods,
  ...heatmapMethods,
  ...modelMethods,
  ...promptMethods,
  ...filterMethods,
  ...manageMethods,
} as const;

/**
 * What the engine announces. Clients follow a job by its events and, while it is live, also ask
 * `jobs.get` now and then (the renderer's useJob), so a job that ended before they subscribed, or
 * events lost in a WebSocket reconnect, still show; everything else is refetched on `data.changed`.
 */
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
