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
import { errorText } from './output';

/** How often a job's progress is printed as a line when stderr is not a terminal. */
const PROGRESS_LINE_MS = 10_000;

/**
 * Ctrl-C and SIGTERM (`timeout`, Slurm's preemption, `docker stop`), listened for from the start of
 * every command but `serve` (cli/main.ts) to its end:
 * - a job in flight is cancelled as from the UI (the run shows cancelled and resumes; an export
 *   removes its staging folder), and a command of several jobs (init --demo) starts no other;
 * - with no job in flight (compare's bootstrap, the steps between two jobs) there is nothing to
 *   cancel: the command stops at once, with the same line (`compare` went on for 30 s and printed
 *   its result);
 * - the same signal again within SAME_SIGNAL_MS is one signal (`timeout` sends it to the process and
 *   again to its group); a later one ends the process as the signal's default does, without running
 *   exit handlers in the inference workers (exiting from JavaScript there aborted in onnxruntime).
 * A listener per job, removed when its job ended, lost a signal caught as one job ended (Node drops
 * a signal dispatched after its listener was removed): init --demo then ran every later run.
 */
const SAME_SIGNAL_MS = 500;
const stop = { asked: false, installed: false, at: 0, cancelCurrent: null as (() => void) | null };

export function listenForStop(): void {
  if (stop.installed) return;
  stop.installed = true;
  const onSignal = (signal: NodeJS.Signals): void => {
    const now = performance.now();
    if (stop.asked) {
      if (now - stop.at < SAME_SIGNAL_MS) return;
      process.removeAllListeners('SIGINT');
      process.removeAllListeners('SIGTERM');
      process.kill(process.pid, signal);
      return;
    }
    stop.asked = true;
    stop.at = now;
    if (stop.cancelCurrent !== null) {
      stop.cancelCurrent();
      return;
    }
    process.stderr.write(errorText('cancelled by the user'));
    process.exit(1);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * Calls a method that starts a job and waits for the job, printing progress to stderr on a
 * terminal; resolves with the job's result as its kind defines it (src/shared/api/jobKinds.ts).
 * Ctrl-C or SIGTERM cancels the job (each finished item is already committed), then exits once the
 * engine says it stopped; after one, no other job starts (listenForStop). `onStarted` sees the method's own output (e.g. `runs.start`'s runId).
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
  listenForStop();
  // A signal while the job is being started cancels it as soon as it has an id.
  stop.cancelCurrent = () => {
    if (jobId !== null) void client.call('jobs.cancel', { jobId });
  };
  try {
    if (stop.asked) throw new ApiError('CANCELLED', 'cancelled by the user');
    const started = await client.call(method, input);
    onStarted?.(started);
    jobId = started.jobId;
    if (stop.asked) void client.call('jobs.cancel', { jobId });
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
    stop.cancelCurrent = null;
    offFinished();
    offProgress();
  }
}
