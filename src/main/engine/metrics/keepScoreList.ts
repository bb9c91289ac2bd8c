import type { EngineDeps } from '../deps';

/**
 * After a run's per-sample scores were stored (an evaluation, a prediction import that scored as it
 * read): the read worker lists the run's per-image scores when idle, or when the engine closes, and
 * keeps them in the store, so a later process's first score sort reads one row
 * (store/scoreSnapshots.ts). Queuing costs nothing here; without a worker nothing is kept.
 */
export async function keepScoreListLater(deps: EngineDeps, datasetId: number, runId: number): Promise<void> {
  await deps.reads.read({ op: 'metrics.keepPerImage', datasetId, runId }).catch((err: unknown) => {
    deps.logger.error(`could not queue the per-image scores of run ${runId} to be kept; a score sort lists them instead`, err);
  });
}
