import { z } from 'zod';
import { Id, RunSummary } from '../../domain';

export const runMethods = {
  'runs.list': { input: z.object({ datasetId: Id.optional() }), output: z.array(RunSummary) },
  'runs.get': { input: z.object({ runId: Id }), output: RunSummary },
} as const;
