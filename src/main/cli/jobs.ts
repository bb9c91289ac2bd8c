import { ApiError, type JobFinished, type TesseraClient } from '../../shared';

/**
 * Starts a job and waits for it, printing progress to stderr on a terminal. Ctrl-C cancels the job
 * (each finished item is already committed), then exits once the engine says it stopped.
 */
export async function runJob(client: TesseraClient, start: () => Promise<{ jobId: string }>): Promise<Record<string, unknown>> {
  const finished = new Map<string, JobFinished>();
  const waiters = new Map<string, (f: JobFinished) => void>();
  const offFinished = client.on('job.finished', (f) => {
    const waiter = waiters.get(f.jobId);
    if (waiter !== undefined) waiter(f);
    else finished.set(f.jobId, f);
  });
  const tty = process.stderr.isTTY === true;
  const offProgress = client.on('job.progress', (p) => {
    if (tty) process.stderr.write(`\r${p.stage}: ${p.done}/${p.total}\x1b[K`);
  });
  let jobId: string | null = null;
  const onSigint = (): void => {
    if (jobId !== null) void client.call('jobs.cancel', { jobId });
  };
  process.once('SIGINT', onSigint);
  try {
    const started = await start();
    jobId = started.jobId;
    const id = jobId;
    const result = await new Promise<JobFinished>((resolveWait) => {
      const early = finished.get(id);
      if (early !== undefined) resolveWait(early);
      else waiters.set(id, resolveWait);
    });
    if (tty) process.stderr.write('\r\x1b[K');
    if (result.status !== 'succeeded') {
      throw result.error === null ? new ApiError('INTERNAL', `job ${result.status}`) : ApiError.fromData(result.error);
    }
    return result.result ?? {};
  } finally {
    process.off('SIGINT', onSigint);
    offFinished();
    offProgress();
  }
}
