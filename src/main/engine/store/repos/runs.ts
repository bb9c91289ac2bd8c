import type { Db } from '../db';
import type { RunStatus, RunSummary } from '../../../../shared/domain';
import { runHoldsMasksSql } from './evaluation';
import { nextIdSql } from '../retiredIds';
import { hasTable } from '../schemaTables';

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
  /** NULL: every sample of the dataset (coveredSql). */
  predicted_samples: number | null;
  has_masks: number;
}

/**
 * The samples a run covers (RunSummary.predictedSamples): a complete run of masks stores no region for
 * background, so it covers every sample of its dataset (the image samples, or the queries of a
 * referring dataset), or those its starts listed (run_samples: a model run started on a subset), as
 * eval scores it; any other run, the samples it holds results for (regions or heatmaps). Counting
 * stored results only, a complete run over 4000 images with 111 all-background predictions listed 3889.
 * NULL here is every sample of the dataset: counted once per dataset and call (datasetSamplesSql), not
 * per run (a 100,000-image dataset with nine complete runs: runs.list 0.33 s counting per run, 0.04 s so).
 */
const coveredSql = (withRunSamples: boolean): string => `CASE
    WHEN r.status = 'complete' AND ${runHoldsMasksSql('r')} THEN ${
      withRunSamples ? '(SELECT NULLIF(COUNT(*), 0) FROM run_samples rs WHERE rs.run_id = r.id)' : 'NULL'
    }
    ELSE (SELECT COUNT(DISTINCT sample_id) FROM (
      SELECT sample_id FROM predictions p WHERE p.run_id = r.id
      UNION SELECT sample_id FROM heatmaps h WHERE h.run_id = r.id)) END`;

/** The samples of a dataset a run predicts: its queries on a referring dataset, else its image samples. */
const datasetSamplesSql = `SELECT COUNT(*) AS n FROM datasets d JOIN images i ON i.dataset_id = d.id JOIN samples s ON s.image_id = i.id
  WHERE d.id = ? AND (CASE WHEN d.task = 'referring' THEN s.query IS NOT NULL ELSE s.query IS NULL END)`;

const selectOf = (withRunSamples: boolean): string => `
  SELECT r.*, ${coveredSql(withRunSamples)} AS predicted_samples,
    ${runHoldsMasksSql('r')} AS has_masks
  FROM runs r
  WHERE r.hidden_by IS NULL`;

function toSummary(r: RunRow, predictedSamples: number): RunSummary {
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
    predictedSamples,
    hasMasks: r.has_masks === 1,
  };
}

const countOf = (db: Db, sql: string, ...args: unknown[]): number => (db.prepare(sql).get(...args) as { n: number }).n;

/** Owns the `runs` table. */
export function runsRepo(db: Db) {
  // A store read at an older schema (read-only) has no run_samples.
  let select: string | null = null;
  const selectSql = (): string => (select ??= selectOf(hasTable(db, 'run_samples')));
  /** The rows as summaries, each dataset's samples counted once. */
  const summaries = (rows: RunRow[]): RunSummary[] => {
    const ofDataset = new Map<number, number>();
    return rows.map((r) => {
      let n = r.predicted_samples ?? ofDataset.get(r.dataset_id);
      if (n === undefined) ofDataset.set(r.dataset_id, (n = countOf(db, datasetSamplesSql, r.dataset_id)));
      return toSummary(r, n);
    });
  };
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
      const row = db.prepare(`${selectSql()} AND r.id = ?`).get(id) as RunRow | undefined;
      return row === undefined ? undefined : summaries([row])[0];
    },
    byName(datasetId: number, name: string): RunSummary | undefined {
      const row = db.prepare(`${selectSql()} AND r.dataset_id = ? AND r.name = ?`).get(datasetId, name) as RunRow | undefined;
      return row === undefined ? undefined : summaries([row])[0];
    },
    list(datasetId?: number): RunSummary[] {
      const rows = (
        datasetId === undefined
          ? db.prepare(`${selectSql()} ORDER BY r.id`).all()
          : db.prepare(`${selectSql()} AND r.dataset_id = ? ORDER BY r.id`).all(datasetId)
      ) as RunRow[];
      return summaries(rows);
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
