import type { EngineDeps } from '../deps';
import { runSamples, type RunSample } from '../store/repos/samples';

export type { RunSample };

/**
 * The samples a run covers, in a stable order: semantic datasets one per image, referring datasets
 * one per query. A subset is a tag on the image or on the sample.
 */
export function samplesForRun(deps: EngineDeps, datasetId: number, referring: boolean, subset?: string): RunSample[] {
  return runSamples(deps.db, datasetId, referring, subset);
}
