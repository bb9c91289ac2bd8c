import type { EngineDeps } from '../deps';
import type { JobContext } from '../jobs/JobRunner';

/** Starts an import as a 'datasets.import' job; when it lands, announces `topics` as data.changed. */
export function startImportJob(
  deps: EngineDeps,
  format: string,
  params: object,
  body: (ctx: JobContext) => Promise<object>,
  topics = ['datasets', 'images'],
): { jobId: string } {
  const jobId = deps.jobs.start('datasets.import', { format, ...params }, async (ctx) => {
    const result = await body(ctx);
    deps.events.emit('data.changed', { topics });
    return { ...result };
  });
  return { jobId };
}
