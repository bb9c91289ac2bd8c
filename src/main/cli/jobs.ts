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

/** How often a job's progress is printed as a line when stderr is not a terminal. */
const PROGRESS_LINE_MS = 10_000;

/**
 * Calls a method that starts a job and waits for the job, printing progress to stderr on a
 * terminal; resolves with the job's result as its kind defines it (src/shared/api/jobKinds.ts).
 * Ctrl-C or SIGTERM cancels the job (each finished item is already committed), then exits once the
 * engine says it stopped. `onStarted` sees the method's own output (e.g. `runs.start`'s runId).
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
  // Not a terminal (nohup, a batch job's log): a plain line at most every 10 s, none for short jobs.
  let lastLine = performance.now();
  const offProgress = client.on('job.progress', (p) => {
    if (tty) process.stderr.write(`\r${p.stage}: ${p.done}/${p.total}\x1b[K`);
    else if (performance.now() - lastLine >= PROGRESS_LINE_MS) {
      lastLine = performance.now();
      process.stderr.write(`${p.stage}: ${p.done}/${p.total}\n`);
    }
  });
  let jobId: string | null = null;
  let stopAsked = false;
  // Ctrl-C, and SIGTERM as `timeout`, Slurm's preemption and `docker stop` send it: the job is
  // cancelled as from the UI (the run shows cancelled and resumes; an export removes its staging
  // folder). A signal while the job is being started cancels it as soon as it has an id.
  const onStop = (): void => {
    stopAsked = true;
    if (jobId !== null) void client.call('jobs.cancel', { jobId });
  };
  process.once('SIGINT', onStop);
  process.once('SIGTERM', onStop);
  try {
    const started = await client.call(method, input);
    onStarted?.(started);
    jobId = started.jobId;
    if (stopAsked) void client.call('jobs.cancel', { jobId });
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
    process.off('SIGINT', onStop);
    process.off('SIGTERM', onStop);
    offFinished();
    offProgress();
  }
}
