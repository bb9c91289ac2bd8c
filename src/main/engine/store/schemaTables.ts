/**
 * Which optional tables a store has: a store opened read-only at an older schema lacks the ones later
 * migrations added (stale_scores and run_clocks at 12, dataset_clocks at 13, dataset_summaries at 14),
 * and reads do without them. Asked once per connection and table (a connection's schema does not
 * change under it: migrations run before any read).
 */
import type { Db } from './db';

const known = new WeakMap<Db, Map<string, boolean>>();

export function hasTable(db: Db, name: string): boolean {
  let tables = known.get(db);
  if (tables === undefined) known.set(db, (tables = new Map()));
  let has = tables.get(name);
  if (has === undefined) {
    has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
    tables.set(name, has);
  }
  return has;
}
