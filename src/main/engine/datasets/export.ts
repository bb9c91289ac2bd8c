import { resolve } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import type { ExportFormat, ExportResult } from '../../../shared/api/methods/exports';
import type { JobContext } from '../jobs/JobRunner';
import { exportCoco } from './exportCoco';
import { exportNpy } from './exportNpy';
import { exportPoints } from './exportPoints';
import { exportVoc } from './exportVoc';
import { requireDataset, requireRun } from './readback';
import type { StoreDeps } from './staging';

export interface ExportParams {
  datasetId: number;
  runId?: number | undefined;
  format: ExportFormat;
  outDir: string;
  /** npy: heatmaps at model resolution instead of the image size. */
  raw?: boolean | undefined;
}

/** One exporter per format; the dataset (and run) must exist before anything is written. */
export async function exportDataset(params: ExportParams, deps: StoreDeps, ctx: JobContext): Promise<ExportResult> {
  requireDataset(deps.db, params.datasetId);
  if (params.runId !== undefined) requireRun(deps.db, params.datasetId, params.runId);
  if (params.raw === true && params.format !== 'npy')
    throw new ApiError('INVALID_INPUT', `raw applies to npy heatmaps only, not to ${params.format} export`);
  const outDir = resolve(params.outDir);
  let counts;
  switch (params.format) {
    case 'voc':
      counts = await exportVoc(deps, params.datasetId, params.runId, outDir, ctx);
      break;
    case 'coco':
      counts = await exportCoco(deps, params.datasetId, params.runId, outDir, ctx);
      break;
    case 'npy':
      if (params.runId === undefined) throw new ApiError('INVALID_INPUT', "npy export writes a run's heatmaps: give --run");
      counts = await exportNpy(deps, params.datasetId, params.runId, outDir, ctx, { raw: params.raw === true });
      break;
    case 'points':
      if (params.runId === undefined)
        throw new ApiError('INVALID_INPUT', "points export writes a seg-token run's point prompts: give --run");
      counts = await exportPoints(deps, params.datasetId, params.runId, outDir, ctx);
      break;
  }
  return { outDir, format: params.format, ...counts };
}
