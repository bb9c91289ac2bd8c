import { perImageColumnsOf } from '../../../shared/api/methods/metrics';
import { perImageWire } from '../store/readWorker/perImageColumns';
import type { Handlers } from '../api/dispatch';
import type { EngineDeps } from '../deps';
import { camQuality } from './camQuality';
import { compareRuns } from './compare';
import { correctionScores } from './corrections';
import { evaluateRunJob } from './evaluateRun';
import { keepScoreListLater } from './keepScoreList';
import { requireDatasetRun } from './lookup';
import { datasetSubsets, perImageScores, runScores } from './scores';
import { checkSubsetInDataset } from '../store/repos/metricRows';

export function metricHandlers(deps: EngineDeps) {
  return {
    'metrics.evaluate': async ({ datasetId, runId }) => {
      const { dataset, run } = requireDatasetRun(deps.repos, datasetId, runId);
      const jobId = deps.jobs.start('metrics.evaluate', { datasetId, runId }, async (ctx) => {
        const result = await evaluateRunJob(deps, dataset, run, ctx);
        deps.events.emit('data.changed', { topics: ['metrics'] });
        await keepScoreListLater(deps, datasetId, runId);
        return result;
      });
      return { jobId };
    },
    // Up-to-date runs are scored in the read worker; a run whose rows need a catch-up (a write) here.
    'metrics.scores': async ({ datasetId, runId, subset }) => {
      checkSubsetInDataset(deps.db, datasetId, subset);
      return (await deps.reads.read({ op: 'metrics.scores', datasetId, runId, subset })) ?? runScores(deps, datasetId, runId, subset);
    },
    'metrics.camSweep': async ({ datasetId, runId, subset }) => camQuality(deps, datasetId, runId, subset),
    'metrics.perImage': async ({ datasetId, runId, subset, classIdx }) => {
      const columns = await deps.reads.read({ op: 'metrics.perImage', datasetId, runId, subset, classIdx });
      return columns !== null ? perImageWire(columns) : perImageColumnsOf(await perImageScores(deps, datasetId, runId, subset, classIdx));
    },
    // Read and paired in the read worker, a big bootstrap in the worker pool (metrics/compare.ts).
    'metrics.compare': async ({ datasetId, runIds, subset, seed, samples }) =>
      compareRuns(deps, datasetId, runIds, { subset, seed, samples }),
    'metrics.subsets': async ({ datasetId }) => datasetSubsets(deps.db, datasetId),
    'metrics.corrections': async ({ datasetId, runId, subset }) => {
      checkSubsetInDataset(deps.db, datasetId, subset);
      return correctionScores(deps, datasetId, runId, subset);
    },
  } satisfies Partial<Handlers>;
}
