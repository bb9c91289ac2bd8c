import type { Db } from '../db';
import type { ApiErrorData } from '../../../../shared/api/errors';
import type { JobState, JobStatus } from '../../../../shared/domain';
import { ownerAlive, parseOwner } from '../../jobs/owner';

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

const INTERRUPTED: ApiErrorData = {
  code: 'CANCELLED',
  message: 'interrupted: the process stopped while this job ran; start it again to resume',
};

/** The owner recorded in a job's params (`jobOwner`), or null for jobs from before owners. */
export function jobOwnerOf(params: string): unknown {
  try {
    const p = JSON.parse(params) as unknown;
    return typeof p === 'object' && p !== null ? (p as Record<string, unknown>)['jobOwner'] : undefined;
  } catch {
    return undefined;
  }
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
    /** The params a job was started with (owner included), or undefined. */
    params(id: string): string | undefined {
      return (db.prepare('SELECT params FROM jobs WHERE id = ?').get(id) as { params: string } | undefined)?.params;
    },
    /** Heartbeat: a live owner refreshes updated_at while the job runs (how another host tells it is alive). */
    touch(id: string): void {
      db.prepare("UPDATE jobs SET updated_at = ? WHERE id = ? AND status IN ('queued','running')").run(new Date().toISOString(), id);
    },
    /**
     * Jobs left 'running' or 'queued' by a process that is gone died with it. Jobs whose owner
     * (pid + start time, or a fresh heartbeat from another host) is alive are another process's
     * live work and stay as they are.
     */
    markInterrupted(): number {
      const live = db.prepare("SELECT id, params, updated_at FROM jobs WHERE status IN ('queued','running')").all() as Array<{
        id: string;
        params: string;
        updated_at: string;
      }>;
      const dead = live.filter((j) => !ownerAlive(parseOwner(jobOwnerOf(j.params)), j.updated_at));
      if (dead.length === 0) return 0;
      const mark = db.prepare(
        `UPDATE jobs SET status = 'failed', error = ?, updated_at = ? WHERE id = ? AND status IN ('queued','running')`,
      );
      const now = new Date().toISOString();
      const error = JSON.stringify(INTERRUPTED);
      return db.transaction(() => dead.reduce((n, j) => n + mark.run(error, now, j.id).changes, 0))();
    },
    /**
     * Drops finished jobs beyond the `keep` most recent (with their item failures): the Jobs page lists
     * 100, and a day of imports, runs and evaluations in a loop added ~2,800 rows an hour, kept forever.
     */
    pruneFinished(keep: number): number {
      return db
        .prepare(
          `DELETE FROM jobs WHERE status IN ('succeeded','failed','cancelled') AND id NOT IN (
             SELECT id FROM jobs WHERE status IN ('succeeded','failed','cancelled') ORDER BY created_at DESC, rowid DESC LIMIT ?)`,
        )
        .run(keep).changes;
    },
    /** Records why one item of a job failed (`item` unique per job: a retry replaces its reason). */
    recordItemFailure(jobId: string, item: string, reason: string): void {
      db.prepare('INSERT OR REPLACE INTO job_item_failures (job_id, item, reason) VALUES (?, ?, ?)').run(jobId, item, reason);
    },
    /** Queued or running runs.start jobs on this run: their params (owner) and heartbeat. */
    activeRunStarts(runId: number): Array<{ params: string; updated_at: string }> {
      return db
        .prepare(
          "SELECT params, updated_at FROM jobs WHERE kind = 'runs.start' AND status IN ('queued','running') AND json_extract(params, '$.runId') = ?",
        )
        .all(runId) as Array<{ params: string; updated_at: string }>;
    },
    /** The oldest queued or running job whose params name this dataset, run (runId or runIds) or model. */
    activeJobOn(what: { datasetId?: number; runId?: number; modelId?: number }): { id: string; kind: string; stage: string } | undefined {
      const conds: string[] = [];
      const args: number[] = [];
      if (what.datasetId !== undefined) {
        conds.push("json_extract(params, '$.datasetId') = ?");
        args.push(what.datasetId);
      }
      if (what.runId !== undefined) {
        conds.push("json_extract(params, '$.runId') = ?");
        conds.push(
          "EXISTS (SELECT 1 FROM json_each(CASE WHEN json_type(params, '$.runIds') = 'array' THEN json_extract(params, '$.runIds') ELSE '[]' END) WHERE value = ?)",
        );
        args.push(what.runId, what.runId);
      }
      if (what.modelId !== undefined) {
        conds.push("json_extract(params, '$.modelId') = ?");
        args.push(what.modelId);
      }
      if (conds.length === 0) return undefined;
      return db
        .prepare(
          `SELECT id, kind, stage FROM jobs WHERE status IN ('queued','running') AND (${conds.join(' OR ')}) ORDER BY created_at LIMIT 1`,
        )
        .get(...args) as { id: string; kind: string; stage: string } | undefined;
    },
  };
}
export type JobsRepo = ReturnType<typeof jobsRepo>;

/**
 * Job state kept in memory, for a workspace opened read-only (a read-only mount, or a damaged
 * store): browsing, eval of stored results and exports still run as jobs; nothing is written.
 */
export function memoryJobsRepo(stored?: JobsRepo): JobsRepo {
  const rows = new Map<string, JobRow & { params: string }>();
  const repo: JobsRepo = {
    create(id, kind, params) {
      const now = new Date().toISOString();
      rows.set(id, {
        id,
        kind,
        params: JSON.stringify(params),
        status: 'queued',
        done: 0,
        total: 0,
        stage: '',
        error: null,
        result: null,
        created_at: now,
        updated_at: now,
      });
    },
    update(id, patch) {
      const cur = rows.get(id);
      if (cur === undefined) return;
      rows.set(id, {
        ...cur,
        status: patch.status ?? cur.status,
        done: patch.done ?? cur.done,
        total: patch.total ?? cur.total,
        stage: patch.stage ?? cur.stage,
        error: patch.error === undefined ? cur.error : patch.error === null ? null : JSON.stringify(patch.error),
        result: patch.result === undefined ? cur.result : JSON.stringify(patch.result),
        updated_at: new Date().toISOString(),
      });
    },
    get: (id) => {
      const row = rows.get(id);
      return row === undefined ? stored?.get(id) : toState(row);
    },
    list: (limit = 100) => [...[...rows.values()].reverse().map(toState), ...(stored?.list(limit) ?? [])].slice(0, limit),
    params: (id) => rows.get(id)?.params ?? stored?.params(id),
    touch: () => {},
    pruneFinished: () => 0,
    markInterrupted: () => 0,
    // Nothing is written; the stored jobs (another process's) are still read.
    recordItemFailure: () => {},
    activeRunStarts: (runId) => stored?.activeRunStarts(runId) ?? [],
    activeJobOn: (what) => stored?.activeJobOn(what),
  };
  return repo;
}
