import { randomUUID } from 'node:crypto';
import { ApiError, type ApiErrorData } from '../../../shared/api/errors';
import { jobKinds, type JobKind } from '../../../shared/api/jobKinds';
import type { JobsRepo } from '../store/repos/jobs';
import type { EventHub } from '../events';
import type { Logger } from '../logger';
import { currentOwner, HEARTBEAT_MS } from './owner';
import { readOnlyError, userFacingError, type StoreState } from './faults';

/** Job kinds whose whole point is writing to the store: refused up front on a read-only store. */
const STORE_WRITERS = new Set<JobKind>(['datasets.import', 'runs.start']);

export interface JobContext {
  readonly jobId: string;
  readonly signal: AbortSignal;
  /** Progress is throttled to ~10 events/s; the final state is always sent. */
  progress(done: number, total: number, stage: string): void;
}

/** A job's work; what it resolves with must match its kind's result schema (src/shared/api/jobKinds.ts). */
export type JobBody = (ctx: JobContext) => Promise<object>;

const PROGRESS_INTERVAL_MS = 100;

/**
 * Runs long work as jobs: an id, persisted state, throttled progress events, cancel through an
 * AbortSignal. Each job body commits its own items; the runner only tracks state.
 */
export class JobRunner {
  private readonly controllers = new Map<string, AbortController>();
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly repo: JobsRepo,
    private readonly events: EventHub,
    private readonly logger: Logger,
    /** The workspace database (and why it is read-only, if it is), named in store errors. */
    private readonly store: StoreState | string = '',
  ) {}

  /** Starts a job of a registered kind (src/shared/api/jobKinds.ts); `params` are stored with it for the Jobs list. */
  start(kind: JobKind, params: object, body: JobBody): string {
    if (typeof this.store !== 'string' && this.store.readOnly !== null && STORE_WRITERS.has(kind)) throw readOnlyError(this.store);
    const jobId = randomUUID();
    // The owner lets another process opening this workspace tell a live job from one that died.
    this.repo.create(jobId, kind, { ...params, jobOwner: currentOwner() });
    const controller = new AbortController();
    this.controllers.set(jobId, controller);
    const done = this.execute(jobId, kind, controller, body).finally(() => {
      this.controllers.delete(jobId);
      this.running.delete(jobId);
    });
    this.running.set(jobId, done);
    return jobId;
  }

  cancel(jobId: string): boolean {
    const controller = this.controllers.get(jobId);
    if (controller === undefined) return false;
    controller.abort(new ApiError('CANCELLED', 'cancelled by the user'));
    return true;
  }

  /** Resolves when every job in flight has settled (used on shutdown and by tests). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  private async execute(jobId: string, kind: JobKind, controller: AbortController, body: JobBody): Promise<void> {
    let last = 0;
    let lastState = { done: 0, total: 0, stage: '' };
    let reported = '';
    // A throttled update is written when its interval ends, so a long next item (one slow inference,
    // a cancel that waits for it) never leaves an older count showing.
    let trailing: NodeJS.Timeout | null = null;
    const stopTrailing = (): void => {
      if (trailing !== null) clearTimeout(trailing);
      trailing = null;
    };
    const report = (): void => {
      stopTrailing();
      reported = lastState.stage;
      last = Date.now();
      this.repo.update(jobId, lastState);
      this.events.emit('job.progress', { jobId, ...lastState });
    };
    const ctx: JobContext = {
      jobId,
      signal: controller.signal,
      progress: (done, total, stage) => {
        lastState = { done, total, stage };
        const now = Date.now();
        // Throttled, except the last item and every stage change (stage timings stay visible).
        const stageChanged = stage !== reported;
        if (now - last < PROGRESS_INTERVAL_MS && done !== total && !stageChanged) {
          trailing ??= setTimeout(
            () => {
              try {
                report();
              } catch (err) {
                // A busy or failing store: the job's own writes will say so.
                this.logger.error(`job ${jobId}: could not record its progress`, err);
              }
            },
            PROGRESS_INTERVAL_MS - (now - last),
          );
          return;
        }
        report();
      },
    };
    this.repo.update(jobId, { status: 'running' });
    const heartbeat = setInterval(() => {
      try {
        this.repo.touch(jobId);
      } catch {
        // A busy or failing store: the job's own writes will say so.
      }
    }, HEARTBEAT_MS);
    heartbeat.unref();
    // Let the caller receive the job id (and subscribe) before the first event.
    await Promise.resolve();
    try {
      const result = checkedResult(kind, await body(ctx));
      stopTrailing();
      this.repo.update(jobId, { status: 'succeeded', ...lastState, result });
      this.events.emit('job.progress', { jobId, ...lastState });
      this.events.emit('job.finished', { jobId, status: 'succeeded', error: null, result });
    } catch (err) {
      stopTrailing();
      const cancelled = controller.signal.aborted;
      // Disk full, permissions, a damaged or read-only store: one line naming the file, logged too.
      const known = err instanceof ApiError ? err : userFacingError(err, this.store);
      const error: ApiErrorData = cancelled
        ? { code: 'CANCELLED', message: 'cancelled by the user' }
        : known !== null
          ? known.toData()
          : { code: 'INTERNAL', message: `internal error in job ${jobId}; see the log` };
      if (!cancelled && !(err instanceof ApiError)) this.logger.error(`job ${jobId} failed: ${error.message}`, err);
      const status = cancelled ? 'cancelled' : 'failed';
      try {
        this.repo.update(jobId, { status, ...lastState, error });
      } catch (storeErr) {
        // The store itself refuses (full disk, read-only): the event still tells the client.
        this.logger.error(`job ${jobId}: could not record its end`, storeErr);
      }
      this.events.emit('job.finished', { jobId, status, error, result: null });
    } finally {
      stopTrailing();
      clearInterval(heartbeat);
    }
  }
}

/** A job's result, validated against its kind's schema: a mismatch is a bug in the engine, so the job fails as INTERNAL (and is logged). */
function checkedResult(kind: JobKind, value: object): Record<string, unknown> {
  const parsed = jobKinds[kind].result.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(`${kind}: job result does not match the job kind (${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''})`);
}
