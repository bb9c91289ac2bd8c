import type { Db } from '../db';
import type { ApiErrorData } from '../../../../shared/api/errors';
import type { JobState, JobStatus } from '../../../../shared/domain';

interface JobRow {
  id: string;
  kind: string;
  status: JobStatus;
  done: number;
  total: number;
  stage: string;
  error: string | null;
  result: string | null;
  created_at: string;
  updated_at: string;
}

function toState(r: JobRow): JobState {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    done: r.done,
    total: r.total,
    stage: r.stage,
    error: r.error === null ? null : (JSON.parse(r.error) as ApiErrorData),
    result: r.result === null ? null : (JSON.parse(r.result) as Record<string, unknown>),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Owns `jobs` and `job_item_failures`: job state survives a reload, a reconnect and a crash. */
export function jobsRepo(db: Db) {
  return {
    create(id: string, kind: string, params: unknown): void {
      const now = new Date().toISOString();
      db.prepare('INSERT INTO jobs (id, kind, params, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run(
        id,
        kind,
        JSON.stringify(params),
        'queued',
        now,
        now,
      );
    },
    update(
      id: string,
      patch: { status?: JobStatus; done?: number; total?: number; stage?: string; error?: ApiErrorData | null; result?: unknown },
    ): void {
      const cur = db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
      if (cur === undefined) return;
      db.prepare('UPDATE jobs SET status = ?, done = ?, total = ?, stage = ?, error = ?, result = ?, updated_at = ? WHERE id = ?').run(
        patch.status ?? cur.status,
        patch.done ?? cur.done,
        patch.total ?? cur.total,
        patch.stage ?? cur.stage,
        patch.error === undefined ? cur.error : patch.error === null ? null : JSON.stringify(patch.error),
        patch.result === undefined ? cur.result : JSON.stringify(patch.result),
        new Date().toISOString(),
        id,
      );
    },
    get(id: string): JobState | undefined {
      const row = db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
      return row === undefined ? undefined : toState(row);
    },
    list(limit = 100): JobState[] {
      return (db.prepare('SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT ?').all(limit) as JobRow[]).map(toState);
    },
    /** Jobs a previous process left 'running' or 'queued' died with it. */
    markInterrupted(): number {
      return db
        .prepare(`UPDATE jobs SET status = 'failed', error = ?, updated_at = ? WHERE status IN ('queued','running')`)
        .run(
          JSON.stringify({ code: 'CANCELLED', message: 'interrupted: the process stopped while this job ran; start it again to resume' }),
          new Date().toISOString(),
        ).changes;
    },
  };
}
export type JobsRepo = ReturnType<typeof jobsRepo>;
