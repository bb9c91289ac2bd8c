import { ApiError } from '../../../shared/api/errors';
import type { RunDisagreement } from '../../../shared/domain';
import { paintLabelMap } from '../masks/labelMap';
import type { EngineDeps } from '../deps';

/** Label value that no class uses: pixels a run did not predict. Two runs that both left a pixel out agree on it. */
const UNPREDICTED = 255;

/**
 * Ranks a dataset's images by how many pixels two runs label differently (the compare view's "changed
 * most" list when no per-image scores exist). Paints both runs' semantic predictions per image and
 * counts differing pixels; images neither run predicted are left out.
 */
export function rankByRunDisagreement(deps: EngineDeps, datasetId: number, runA: number, runB: number, limit: number): RunDisagreement[] {
  for (const runId of [runA, runB]) {
    const run = deps.repos.runs.get(runId);
    if (run === undefined) throw new ApiError('NOT_FOUND', `run ${runId} not found`);
    if (run.datasetId !== datasetId)
      throw new ApiError('INVALID_INPUT', `run ${runId} ("${run.name}") belongs to dataset ${run.datasetId}, not ${datasetId}`);
  }
  const out: RunDisagreement[] = [];
  for (const image of deps.repos.images.listForDataset(datasetId)) {
    const sampleId = deps.repos.images.semanticSampleId(image.id);
    if (sampleId === undefined) continue;
    const a = deps.repos.predictions.forSample(runA, sampleId);
    const b = deps.repos.predictions.forSample(runB, sampleId);
    if (a.length === 0 && b.length === 0) continue;
    const mapA = paintLabelMap(a, image.height, image.width, UNPREDICTED);
    const mapB = paintLabelMap(b, image.height, image.width, UNPREDICTED);
    let differing = 0;
    for (let i = 0; i < mapA.length; i++) if (mapA[i] !== mapB[i]) differing++;
    out.push({ imageId: image.id, fileName: image.file_name, differingPixels: differing, fraction: differing / mapA.length });
  }
  out.sort((x, y) => y.differingPixels - x.differingPixels || x.fileName.localeCompare(y.fileName) || x.imageId - y.imageId);
  return out.slice(0, limit);
}
