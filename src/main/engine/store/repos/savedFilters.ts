import type { Db } from '../db';
import type { ImageFilter } from '../../../../shared/domain';

export interface SavedFilterRow {
  id: number;
  datasetId: number;
  name: string;
  filter: ImageFilter;
}

/** Owns `saved_filters`. */
export function savedFiltersRepo(db: Db) {
  const toRow = (r: { id: number; dataset_id: number; name: string; query: string }): SavedFilterRow => ({
    id: r.id,
    datasetId: r.dataset_id,
    name: r.name,
    filter: JSON.parse(r.query) as ImageFilter,
  });
  return {
    list(datasetId: number): SavedFilterRow[] {
      return (
        db.prepare('SELECT id, dataset_id, name, query FROM saved_filters WHERE dataset_id = ? ORDER BY name').all(datasetId) as Array<{
          id: number;
          dataset_id: number;
          name: string;
          query: string;
        }>
      ).map(toRow);
    },
    save(datasetId: number, name: string, filter: ImageFilter): SavedFilterRow {
      db.prepare(
        `INSERT INTO saved_filters (dataset_id, name, query) VALUES (?, ?, ?)
         ON CONFLICT (dataset_id, name) DO UPDATE SET query = excluded.query`,
      ).run(datasetId, name, JSON.stringify(filter));
      const row = db
        .prepare('SELECT id, dataset_id, name, query FROM saved_filters WHERE dataset_id = ? AND name = ?')
        .get(datasetId, name) as {
        id: number;
        dataset_id: number;
        name: string;
        query: string;
      };
      return toRow(row);
    },
    remove(id: number): boolean {
      return db.prepare('DELETE FROM saved_filters WHERE id = ?').run(id).changes > 0;
    },
  };
}
