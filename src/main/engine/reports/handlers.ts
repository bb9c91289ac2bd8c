import type { Handlers } from '../api/dispatch';
import type { EngineDeps } from '../deps';
import { writablePath } from '../api/writablePath';
import { requireDatasetRun } from '../metrics/lookup';
import { createReport } from './createReport';
import { readReportFile } from './reportFile';

export function reportHandlers(deps: EngineDeps) {
  return {
    'reports.create': async (input, call) => {
      if (input.out !== undefined) input = { ...input, out: writablePath(input.out, call, deps.paths.root, 'report') };
      // Unknown runs fail the call itself, before a job exists.
      for (const runId of input.runIds) requireDatasetRun(deps.repos, input.datasetId, runId);
      const jobId = deps.jobs.start('reports.create', input, async (ctx) => ({
        ...(await createReport({ ...deps, workspaceRoot: deps.paths.root }, input, ctx)),
      }));
      return { jobId };
    },
    'reports.file': async ({ path }, call) => readReportFile(deps.paths.root, path, call.transport === 'http'),
  } satisfies Partial<Handlers>;
}
