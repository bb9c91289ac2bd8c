/**
 * Ids of datasets, runs, images and models are never given out again (migration 17). Their tables
 * use INTEGER PRIMARY KEY, whose next id is the largest present + 1, so deleting the newest run and
 * importing another gave the new one the old id: a saved link (`sort=asc:8`, `overlay=pred:8`), an
 * open tab, an old job's title and a browser-cached `/blob/thumb/<id>` then showed another run's or
 * image's data without a word. Each delete raises its table's floor in `retired_ids` (a trigger), and
 * each insert takes the id above both the largest present and the floor.
 */
export type IdTable = 'datasets' | 'runs' | 'images' | 'models';

/** The id column's value for an INSERT: above every id the table has held (since migration 17). */
export function nextIdSql(table: IdTable): string {
  return `(SELECT MAX(COALESCE((SELECT MAX(id) FROM ${table}), 0), COALESCE((SELECT max_id FROM retired_ids WHERE tbl = '${table}'), 0)) + 1)`;
}
