import { resolve } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import type { ExportFormat, ExportResult } from '../../../shared/api/methods/exports';
import type { JobContext } from '../jobs/JobRunner';
import { exportCoco } from './exportCoco';
import { exportNpy } from './exportNpy';
import { exportPoints } from './exportPoints';
import { exportVoc } from './exportVoc';
import { writeStaged } from './exportStaging';
import { registeredImagesAmong } from './registeredFiles';
import { requireDataset, requireRun } from '../store/repos/datasetReads';
import type { StoreDeps } from './staging';

export interface ExportParams {
  datasetId: number;
  runId?: number | undefined;
  format: ExportFormat;
  outDir: string;
  /** npy: heatmaps at model resolution instead of the image size. */
  raw?: boolean | undefined;
  /**
   * Replace files already in outDir under names the export writes (default: refuse, CONFLICT, before
   * writing any). A dataset's image file is never replaced, even with overwrite.
   */
  overwrite?: boolean | undefined;
}

/** One exporter per format; the dataset (and run) must exist before anything is written. */
export async function exportDataset(params: ExportParams, deps: StoreDeps, ctx: JobContext): Promise<ExportResult> {
  requireDataset(deps.db, params.datasetId);
  if (params.runId !== undefined) requireRun(deps.db, params.datasetId, params.runId);
  if (params.raw === true && params.format !== 'npy')
    throw new ApiError('INVALID_INPUT', `raw applies to npy heatmaps only, not to ${params.format} export`);
  const outDir = resolve(params.outDir);
  if (params.format === 'npy' && params.runId === undefined)
    throw new ApiError('INVALID_INPUT', "npy export writes a run's heatmaps: give --run");
  if (params.format === 'points' && params.runId === undefined)
    throw new ApiError('INVALID_INPUT', "points export writes a seg-token run's point prompts: give --run");
  // All or nothing: written into a staging folder beside outDir, renamed into place at the end;
  // refused whole when a file already in outDir would be replaced, unless overwrite; always when it
  // is an image file of a dataset in the workspace.
  const write = async (dir: string) => {
    switch (params.format) {
      case 'voc':
        return exportVoc(deps, params.datasetId, params.runId, dir, ctx);
      case 'coco':
        return exportCoco(deps, params.datasetId, params.runId, dir, ctx);
      case 'npy':
        return exportNpy(deps, params.datasetId, params.runId as number, dir, ctx, { raw: params.raw === true });
      case 'points':
        return exportPoints(deps, params.datasetId, params.runId as number, dir, ctx);
    }
  };
  // A dataset's own image file is never replaced, even with overwrite.
  const counts = await writeStaged(outDir, write, {
    overwrite: params.overwrite,
    registeredImages: (files) => registeredImagesAmong(deps.db, files),
  });
  return { outDir, format: params.format, ...counts };
}
