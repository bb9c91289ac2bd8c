import type Database from 'better-sqlite3';
import type { Db } from '../db';
import { ApiError } from '../../../../shared/api/apiError';
import type { ClassInfo, DatasetFormat, DatasetSummary, DatasetTask, Rgb } from '../../../../shared/domain';
import { nextIdSql } from '../retiredIds';

export interface NewDataset {
  /** Set while an import writes it in slices: hidden from every listing and lookup until reveal(). */
  hiddenBy?: string;
  name: string;
  format: DatasetFormat;
  task: DatasetTask;
  sourcePath: string | null;
  meta?: Record<string, unknown>;
}

interface SummaryRow {
  id: number;
  name: string;
  format: DatasetFormat;
  task: DatasetTask;
  source_path: string | null;
  created_at: string;
  image_count: number;
  sample_count: number;
  annotated_image_count: number;
  class_count: number;
}

const summaryOfAnySql = `
  SELECT d.id, d.name, d.format, d.task, d.source_path, d.created_at,
    (SELECT COUNT(*) FROM images i WHERE i.dataset_id = d.id) AS image_count,
    (SELECT COUNT(*) FROM samples s JOIN images i ON i.id = s.image_id WHERE i.dataset_id = d.id) AS sample_count,
    (SELECT COUNT(*) FROM images i WHERE i.dataset_id = d.id
       AND EXISTS (SELECT 1 FROM samples s JOIN annotations a ON a.sample_id = s.id WHERE s.image_id = i.id)) AS annotated_image_count,
    (SELECT COUNT(*) FROM classes c WHERE c.dataset_id = d.id) AS class_count
  FROM datasets d`;
const summarySql = `${summaryOfAnySql} WHERE d.hidden_by IS NULL`;

/** A dataset's own fields without the counts (which scan its images: ~80 ms at 100k images). */
export type DatasetHeader = Omit<DatasetSummary, 'imageCount' | 'sampleCount' | 'annotatedImageCount' | 'classCount'>;

function toSummary(row: SummaryRow): DatasetSummary {
  return {
    id: row.id,
    name: row.name,
    format: row.format,
    task: row.task,
    sourcePath: row.source_path,
    imageCount: row.image_count,
    sampleCount: row.sample_count,
    annotatedImageCount: row.annotated_image_count,
    classCount: row.class_count,
    createdAt: row.created_at,
  };
}

/** Owns the `datasets` and `classes` tables. */
export function datasetsRepo(db: Db) {
  // Prepared on first use: a store read at an older schema (read-only, before migration 17) has no
  // retired_ids table, and a read must not fail for the statement a write would use.
  let insert: Database.Statement | null = null;
  const insertStatement = (): Database.Statement =>
    (insert ??= db.prepare(
      `INSERT INTO datasets (id, name, format, task, source_path, meta, created_at, hidden_by) VALUES (${nextIdSql('datasets')}, ?, ?, ?, ?, ?, ?, ?)`,
    ));
  const insertClass = db.prepare('INSERT INTO classes (dataset_id, idx, name, color, external_id) VALUES (?, ?, ?, ?, ?)');
  const headerOf = db.prepare('SELECT id, name, format, task, source_path, created_at FROM datasets WHERE id = ? AND hidden_by IS NULL');
  return {
    create(d: NewDataset): number {
      try {
        const info = insertStatement().run(
          d.name,
          d.format,
          d.task,
          d.sourcePath,
          JSON.stringify(d.meta ?? {}),
          new Date().toISOString(),
          d.hiddenBy ?? null,
        );
        return Number(info.lastInsertRowid);
      } catch (err) {
        // Importers check the name first, but two imports of one name started together both pass the
        // check: the second to write its row meets the UNIQUE constraint (it was "internal error").
        if ((err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE' && String((err as Error).message).includes('datasets.name'))
          throw new ApiError(
            'CONFLICT',
            `a dataset named "${d.name}" already exists in this workspace (another import made it meanwhile); choose another with --name`,
            { name: d.name },
          );
        throw err;
      }
    },
    addClasses(datasetId: number, classes: readonly (ClassInfo & { externalId?: number })[]): void {
      for (const c of classes) insertClass.run(datasetId, c.index, c.name, JSON.stringify(c.color), c.externalId ?? null);
    },
    list(): DatasetSummary[] {
      return (db.prepare(`${summarySql} ORDER BY d.id`).all() as SummaryRow[]).map(toSummary);
    },
    /** An import's last slice: the dataset becomes visible. */
    reveal(id: number): void {
      db.prepare('UPDATE datasets SET hidden_by = NULL WHERE id = ?').run(id);
    },
    /** The dataset with its counts (what datasets.get and datasets.list show). */
    get(id: number): DatasetSummary | undefined {
      const row = db.prepare(`${summarySql} AND d.id = ?`).get(id) as SummaryRow | undefined;
      return row === undefined ? undefined : toSummary(row);
    },
    /** A dataset hidden by its delete (hideForDelete), with its counts: what the delete removes. */
    beingDeleted(id: number): DatasetSummary | undefined {
      const row = db.prepare(`${summaryOfAnySql} WHERE d.hidden_by LIKE 'delete%' AND d.id = ?`).get(id) as SummaryRow | undefined;
      return row === undefined ? undefined : toSummary(row);
    },
    /** The dataset without its counts: existence checks, names and tasks on hot paths. */
    header(id: number): DatasetHeader | undefined {
      const row = headerOf.get(id) as
        Omit<SummaryRow, 'image_count' | 'sample_count' | 'annotated_image_count' | 'class_count'> | undefined;
      if (row === undefined) return undefined;
      return { id: row.id, name: row.name, format: row.format, task: row.task, sourcePath: row.source_path, createdAt: row.created_at };
    },
    /** A dataset imported without masks becomes semantic once someone paints ground truth in it (so it can be scored). */
    markLabelledByImage(imageId: number): boolean {
      const info = db
        .prepare("UPDATE datasets SET task = 'semantic' WHERE task = 'unlabelled' AND id = (SELECT dataset_id FROM images WHERE id = ?)")
        .run(imageId);
      return info.changes > 0;
    },
    /** Hidden datasets (being imported) count: their name is taken. */
    nameExists(name: string): boolean {
      return db.prepare('SELECT 1 FROM datasets WHERE name = ?').get(name) !== undefined;
    },
    classes(datasetId: number): ClassInfo[] {
      const rows = db.prepare('SELECT idx, name, color FROM classes WHERE dataset_id = ? ORDER BY idx').all(datasetId) as Array<{
        idx: number;
        name: string;
        color: string;
      }>;
      return rows.map((r) => ({ index: r.idx, name: r.name, color: JSON.parse(r.color) as Rgb }));
    },
    updateClass(datasetId: number, index: number, name: string, color: Rgb): void {
      db.prepare('UPDATE classes SET name = ?, color = ? WHERE dataset_id = ? AND idx = ?').run(
        name,
        JSON.stringify(color),
        datasetId,
        index,
      );
    },
    rename(id: number, name: string): void {
      db.prepare('UPDATE datasets SET name = ? WHERE id = ?').run(name, id);
    },
    /** The names of the dataset's runs, in id order. */
    runNames(id: number): string[] {
      return (
        db.prepare('SELECT name FROM runs WHERE dataset_id = ? AND hidden_by IS NULL ORDER BY id').all(id) as Array<{ name: string }>
      ).map((r) => r.name);
    },
    /** Image hashes of the dataset that no image outside it shares: what its delete orphans. */
    orphanedImageShas(id: number): string[] {
      return (
        db
          .prepare(
            `SELECT DISTINCT sha256 FROM images WHERE dataset_id = ?
               AND sha256 NOT IN (SELECT sha256 FROM images WHERE dataset_id != ?)`,
          )
          .all(id, id) as Array<{ sha256: string }>
      ).map((r) => r.sha256);
    },
    /** Rows hanging off the dataset that its summary does not count (what a delete also removes). */
    dependentCounts(id: number): {
      annotations: number;
      predictions: number;
      heatmaps: number;
      metricRows: number;
      savedFilters: number;
      tagLinks: number;
    } {
      const inImages = 'IN (SELECT id FROM images WHERE dataset_id = ?)';
      const inSamples = `IN (SELECT s.id FROM samples s JOIN images i ON i.id = s.image_id WHERE i.dataset_id = ?)`;
      const inRuns = 'IN (SELECT id FROM runs WHERE dataset_id = ?)';
      const count = (sql: string): number => (db.prepare(sql).get(id) as { n: number }).n;
      return {
        annotations: count(`SELECT COUNT(*) AS n FROM annotations WHERE sample_id ${inSamples}`),
        predictions: count(`SELECT COUNT(*) AS n FROM predictions WHERE run_id ${inRuns}`),
        heatmaps: count(`SELECT COUNT(*) AS n FROM heatmaps WHERE run_id ${inRuns}`),
        metricRows: count(`SELECT COUNT(*) AS n FROM metric_rows WHERE run_id ${inRuns}`),
        savedFilters: count('SELECT COUNT(*) AS n FROM saved_filters WHERE dataset_id = ?'),
        tagLinks:
          count(`SELECT COUNT(*) AS n FROM image_tags WHERE image_id ${inImages}`) +
          count(`SELECT COUNT(*) AS n FROM sample_tags WHERE sample_id ${inSamples}`),
      };
    },
    /** Deletes the dataset and everything under it (call inside a transaction). */
    delete(id: number): void {
      // Runs first: their predictions, heatmaps and metric rows go through the run_id indexes.
      db.prepare('DELETE FROM runs WHERE dataset_id = ?').run(id);
      db.prepare('DELETE FROM annotation_edits WHERE image_id IN (SELECT id FROM images WHERE dataset_id = ?)').run(id);
      db.prepare('DELETE FROM datasets WHERE id = ?').run(id);
    },
  };
}
export type DatasetsRepo = ReturnType<typeof datasetsRepo>;
