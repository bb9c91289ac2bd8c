import {
  ApiError,
  jobResult,
  type Input,
  type JobFinished,
  type JobMethod,
  type JobResult,
  type Output,
  type TesseraClient,
} from '../../shared';

/**
 * Calls a method that starts a job and waits for the job, printing progress to stderr on a
 * terminal; resolves with the job's result as its kind defines it (src/shared/api/jobKinds.ts).
 * Ctrl-C cancels the job (each finished item is already committed), then exits once the engine
 * says it stopped. `onStarted` sees the method's own output (e.g. `runs.start`'s runId).
 */
export async function runJob<M extends JobMethod>(
  client: TesseraClient,
  method: M,
  input: Input<M>,
  onStarted?: (started: Output<M>) => void,
): Promise<JobResult<M>> {
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
    const started = await client.call(method, input);
    onStarted?.(started);
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
    const typed = jobResult(method, result);
    if (typed === null) throw new ApiError('INTERNAL', `${method}: the job's result does not match its kind`);
    return typed;
  } finally {
    process.off('SIGINT', onSigint);
    offFinished();
    offProgress();
  }
}
