import { ApiError } from '../../../shared/api/apiError';
import type { RunSummary } from '../../../shared/domain';
import type { DatasetHeader } from '../store/repos/datasets';
import type { Repos } from '../store/store';

/** The dataset and a run of it, or a NOT_FOUND that names what is missing. */
export function requireDatasetRun(
  repos: Pick<Repos, 'datasets' | 'runs'>,
  datasetId: number,
  runId: number,
): { dataset: DatasetHeader; run: RunSummary } {
  const dataset = repos.datasets.header(datasetId);
  if (dataset === undefined) throw new ApiError('NOT_FOUND', `dataset ${datasetId} not found`);
  const run = repos.runs.get(runId);
  if (run === undefined || run.datasetId !== datasetId) {
    throw new ApiError('NOT_FOUND', `run ${runId} not found in dataset "${dataset.name}"`, { datasetId, runId });
  }
  return { dataset, run };
}
