import { createClient, inProcessTransport, type TesseraClient, type JobFinished } from '../../src/shared';
import { createEngine, type Engine } from '../../src/main/engine/engine';

export function openTestEngine(workspace: string): { engine: Engine; client: TesseraClient } {
  const engine = createEngine({ workspace, create: true });
  const client = createClient(inProcessTransport({ dispatch: engine.dispatch, subscribe: (l) => engine.events.subscribe(l) }));
  return { engine, client };
}

/** Starts a job through `start` and resolves with its job.finished event. */
export async function finishJob(client: TesseraClient, start: () => Promise<{ jobId: string }>): Promise<JobFinished> {
  const seen = new Map<string, JobFinished>();
  let resolveWait: ((f: JobFinished) => void) | null = null;
  let wanted: string | null = null;
  const off = client.on('job.finished', (f) => {
    if (f.jobId === wanted && resolveWait !== null) resolveWait(f);
    else seen.set(f.jobId, f);
  });
  try {
    const { jobId } = await start();
    wanted = jobId;
    const early = seen.get(jobId);
    if (early !== undefined) return early;
    return await new Promise<JobFinished>((r) => {
      resolveWait = r;
    });
  } finally {
    off();
  }
}
