import type { Db } from '../db';
import type { RunStatus, RunSummary } from '../../../../shared/domain';
import { runHoldsMasksSql } from './evaluation';
import { nextIdSql } from '../retiredIds';

export interface NewRun {
  /** Set while an import writes it in slices: hidden from every listing and lookup until reveal(). */
  hiddenBy?: string;
  datasetId: number;
  name: string;
  source: 'model' | 'import';
  modelId?: number | null;
  status?: RunStatus;
  executionProvider?: string | null;
  params?: Record<string, unknown>;
  provenance?: Record<string, unknown>;
}

interface RunRow {
  id: number;
  dataset_id: number;
  name: string;
  source: 'model' | 'import';
  model_id: number | null;
  status: RunStatus;
  execution_provider: string | null;
  params: string;
  provenance: string;
  created_at: string;
  finished_at: string | null;
  predicted_samples: number;
  has_masks: number;
}

const selectSql = `
  SELECT r.*, (SELECT COUNT(DISTINCT sample_id) FROM (
      SELECT sample_id FROM predictions p WHERE p.run_id = r.id
      UNION SELECT sample_id FROM heatmaps h WHERE h.run_id = r.id)) AS predicted_samples,
    ${runHoldsMasksSql('r')} AS has_masks
  FROM runs r
  WHERE r.hidden_by IS NULL`;

function toSummary(r: RunRow): RunSummary {
  return {
    id: r.id,
    datasetId: r.dataset_id,
    name: r.name,
    source: r.source,
    modelId: r.model_id,
    status: r.status,
    executionProvider: r.execution_provider,
    params: JSON.parse(r.params) as Record<string, unknown>,
    provenance: JSON.parse(r.provenance) as Record<string, unknown>,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    predictedSamples: r.predicted_samples,
    hasMasks: r.has_masks === 1,
  };
}

const countOf = (db: Db, sql: string, ...args: unknown[]): number => (db.prepare(sql).get(...args) as { n: number }).n;

/** Owns the `runs` table. */
export function runsRepo(db: Db) {
  return {
    create(r: NewRun): number {
      const info = db
        .prepare(
          `INSERT INTO runs (id, dataset_id, name, model_id, source, status, execution_provider, params, provenance, created_at, hidden_by) VALUES (${nextIdSql('runs')}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          r.datasetId,
          r.name,
          r.modelId ?? null,
          r.source,
          r.status ?? 'pending',
          r.executionProvider ?? null,
          JSON.stringify(r.params ?? {}),
          JSON.stringify(r.provenance ?? {}),
          new Date().toISOString(),
          r.hiddenBy ?? null,
        );
      return Number(info.lastInsertRowid);
    },
    /** An import's last slice: the run becomes visible. */
    reveal(id: number): void {
      db.prepare('UPDATE runs SET hidden_by = NULL WHERE id = ?').run(id);
    },
    /** Whether the dataset has a run of this name, hidden ones (being imported) included. */
    nameTaken(datasetId: number, name: string): boolean {
      return db.prepare('SELECT 1 FROM runs WHERE dataset_id = ? AND name = ?').get(datasetId, name) !== undefined;
    },
    get(id: number): RunSummary | undefined {
      const row = db.prepare(`${selectSql} AND r.id = ?`).get(id) as RunRow | undefined;
      return row === undefined ? undefined : toSummary(row);
    },
    byName(datasetId: number, name: string): RunSummary | undefined {
      const row = db.prepare(`${selectSql} AND r.dataset_id = ? AND r.name = ?`).get(datasetId, name) as RunRow | undefined;
      return row === undefined ? undefined : toSummary(row);
    },
    list(datasetId?: number): RunSummary[] {
      const rows = (
        datasetId === undefined
          ? db.prepare(`${selectSql} ORDER BY r.id`).all()
          : db.prepare(`${selectSql} AND r.dataset_id = ? ORDER BY r.id`).all(datasetId)
      ) as RunRow[];
      return rows.map(toSummary);
    },
    setStatus(
      id: number,
      status: RunStatus,
      patch: { executionProvider?: string | null; provenance?: Record<string, unknown> } = {},
    ): void {
      const finished = status === 'complete' || status === 'failed' || status === 'cancelled' ? new Date().toISOString() : null;
      db.prepare(
        `UPDATE runs SET status = ?, finished_at = ?,
           execution_provider = COALESCE(?, execution_provider),
           provenance = COALESCE(?, provenance) WHERE id = ?`,
      ).run(
        status,
        finished,
        patch.executionProvider ?? null,
        patch.provenance === undefined ? null : JSON.stringify(patch.provenance),
        id,
      );
    },
    /**
     * Model runs left 'pending' or 'running' by a `runs.start` job that is no longer live (marked
     * failed "interrupted" on open because its owner process is gone: jobs.markInterrupted) become
     * 'failed', so listings stop showing them as running. Running the same run again resumes them as
     * before. A run whose job is live (another process's), or that no job has started yet, is left
     * alone. Returns how many changed.
     */
    failInterrupted(): number {
      return db
        .prepare(
          `UPDATE runs SET status = 'failed', finished_at = ?
           WHERE status IN ('pending','running') AND source = 'model'
             AND EXISTS (SELECT 1 FROM jobs j WHERE j.kind = 'runs.start' AND json_extract(j.params, '$.runId') = runs.id)
             AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.kind = 'runs.start' AND j.status IN ('queued','running')
                               AND json_extract(j.params, '$.runId') = runs.id)`,
        )
        .run(new Date().toISOString()).changes;
    },
    rename(id: number, name: string): void {
      db.prepare('UPDATE runs SET name = ? WHERE id = ?').run(name, id);
    },
    /**
     * Records which samples a start of a model run asks for (migration 18, metrics coverage): a start
     * on a subset adds its samples to a run that covers a subset (a new run covers nothing yet); a
     * start on the whole dataset makes the run cover every sample (no rows). A run that covers the
     * whole dataset stays so when resumed on a subset.
     */
    /** The images of the samples a subset run covers (empty: the run covers its whole dataset). */
    coveredImageIds(id: number): number[] {
      return db
        .prepare('SELECT DISTINCT s.image_id FROM run_samples rs JOIN samples s ON s.id = rs.sample_id WHERE rs.run_id = ?')
        .pluck()
        .all(id) as number[];
    },
    recordStart(id: number, isNew: boolean, subsetSampleIds: readonly number[] | null): void {
      const listed = db.prepare('SELECT 1 FROM run_samples WHERE run_id = ? LIMIT 1').get(id) !== undefined;
      if (subsetSampleIds === null) {
        if (listed) db.prepare('DELETE FROM run_samples WHERE run_id = ?').run(id);
        return;
      }
      if (!isNew && !listed) return;
      const add = db.prepare('INSERT OR IGNORE INTO run_samples (run_id, sample_id) VALUES (?, ?)');
      for (const sampleId of subsetSampleIds) add.run(id, sampleId);
    },
    /** Deletes the run; its predictions, heatmaps and metric rows go with it (ON DELETE CASCADE). */
    delete(id: number): void {
      db.prepare('DELETE FROM runs WHERE id = ?').run(id);
    },
    resultCounts(id: number): { predictions: number; heatmaps: number; metricRows: number } {
      return {
        predictions: countOf(db, 'SELECT COUNT(*) AS n FROM predictions WHERE run_id = ?', id),
        heatmaps: countOf(db, 'SELECT COUNT(*) AS n FROM heatmaps WHERE run_id = ?', id),
        metricRows: countOf(db, 'SELECT COUNT(*) AS n FROM metric_rows WHERE run_id = ?', id),
      };
    },
  };
}
export type RunsRepo = ReturnType<typeof runsRepo>;
