/**
 * Workspaces whose schema is not the one the migrations make. Some released migrations were edited
 * after a build had run them (a column renamed, a table or column added, triggers rewritten), so a
 * workspace written by such a build reached the current version with another schema: every write
 * then failed ("no such column: hidden_by"), the score sort failed ("no such table:
 * sample_list_snapshots"), or clocks that key kept score lists were not bumped. `repairSchema` brings
 * such a store to the canonical schema (the one `migrations` make from an empty database) inside the
 * migration's transaction: it keeps every row, and drops only what is derived from them.
 *
 * Detection costs one read of sqlite_master per open (~0.3 ms): its rows are hashed and compared with
 * SCHEMA_TEXT_FINGERPRINT; only a store whose text differs (a repaired one: ALTER TABLE writes other
 * text than CREATE TABLE) has its structure hashed, tables by their columns (~2 ms), against
 * SCHEMA_FINGERPRINT. Both are the hashes of the canonical schema; a unit test
 * (test/integration/store/schema-repair.test.ts) fails when a new migration changes them.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { migrations } from './migrations';
import type { Db } from './db';

/** The structure `migrations` make (schemaFingerprint of a database migrated from empty). */
export const SCHEMA_FINGERPRINT = '73d9641989c0fd8a704487a46e8623c2558834d9';
/** The text of that schema (schemaTextFingerprint of the same database): the fast check, exact for every store the migrations made. */
export const SCHEMA_TEXT_FINGERPRINT = '5d0b91b78332973f19c651fda606750dabd3f220';

/** Columns an edited migration named otherwise: [table, the old name, the canonical name]. */
const RENAMED_COLUMNS: ReadonlyArray<[string, string, string]> = [
  ['datasets', 'import_job', 'hidden_by'],
  ['runs', 'import_job', 'hidden_by'],
];

/** Tables an edited migration made that the final migrations do not (clocks: derived rows only). */
const RETIRED_TABLES = ['prediction_clocks'];

/** Tables whose rows the migrations seed (a variant seeded fewer): missing rows are copied by primary key. */
const SEEDED_TABLES = ['score_inputs_clock'];

/** Rows kept by version (clocks an edited trigger did not bump): dropped after a repair, read again on use. */
const KEPT_BY_VERSION = ['score_snapshots', 'sample_list_snapshots', 'dataset_summaries'];

interface SchemaObject {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

interface Column {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}

const OBJECTS = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name";

function objects(db: Db): SchemaObject[] {
  return db.prepare(OBJECTS).all() as SchemaObject[];
}

function columns(db: Db, table: string): Column[] {
  return db.prepare(`PRAGMA table_info("${table.replaceAll('"', '""')}")`).all() as Column[];
}

function columnSignature(c: Column): string {
  return `${c.name}:${c.type}:${c.notnull}:${c.dflt_value ?? ''}:${c.pk}`;
}

/**
 * A hash of the store's structure: each table by its columns (name, type, NOT NULL, default, key:
 * ALTER TABLE keeps these as CREATE TABLE would, not its text), each index, trigger and view by its SQL.
 */
export function schemaFingerprint(db: Db): string {
  const hash = createHash('sha1');
  for (const o of objects(db)) {
    const body = o.type === 'table' ? columns(db, o.name).map(columnSignature).join(',') : (o.sql ?? '');
    hash.update(`${o.type}\u0000${o.name}\u0000${o.tbl_name}\u0000${body}\u0001`);
  }
  return hash.digest('hex');
}

/** A hash of sqlite_master's rows (~0.3 ms): equal for every store the current migrations made. */
export function schemaTextFingerprint(db: Db): string {
  const hash = createHash('sha1');
  for (const o of objects(db)) hash.update(`${o.type}\u0000${o.name}\u0000${o.tbl_name}\u0000${o.sql ?? ''}\u0001`);
  return hash.digest('hex');
}

/** Whether the store has the canonical structure: its text checked first, its columns only when that differs (a repaired store). */
export function hasCanonicalSchema(db: Db): boolean {
  return schemaTextFingerprint(db) === SCHEMA_TEXT_FINGERPRINT || schemaFingerprint(db) === SCHEMA_FINGERPRINT;
}

let canonical: Db | null = null;

/** An in-memory database migrated from empty (made once per process, when a store needs it). */
export function canonicalDatabase(): Db {
  if (canonical === null) {
    const db = new Database(':memory:');
    for (const [v, step] of migrations.entries()) {
      db.exec(step);
      db.pragma(`user_version = ${v + 1}`);
    }
    canonical = db;
  }
  return canonical;
}

function quoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The column as ALTER TABLE ADD COLUMN takes it (a NOT NULL column always has a default in our schema). */
function columnDefinition(c: Column): string {
  return `${quoted(c.name)} ${c.type}${c.notnull === 1 ? ' NOT NULL' : ''}${c.dflt_value === null ? '' : ` DEFAULT ${c.dflt_value}`}`;
}

/** Tables later migrations write through (their backfills fire triggers on them) that a variant lacks, by the version that made them. */
const NEEDED_BY_LATER_MIGRATIONS: ReadonlyArray<[number, string]> = [[12, 'run_clocks']];

/**
 * Before the migrations after `version` run on a store an edited migration made: creates the tables
 * they write through that it lacks (c2fa257's migration 12 made prediction_clocks, not run_clocks,
 * and migration 18's backfill bumps run_clocks), with the canonical definition. The repair after the
 * migrations does the rest.
 */
export function prepareForMigrations(db: Db, version: number): string[] {
  const made: string[] = [];
  for (const [since, table] of NEEDED_BY_LATER_MIGRATIONS) {
    if (version < since || columns(db, table).length > 0) continue;
    const sql = canonicalDatabase().prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(table) as string;
    db.exec(sql);
    made.push(`table ${table} created`);
  }
  return made;
}

/**
 * Brings a store at the current schema version to the canonical structure, in the caller's
 * transaction; returns what it changed (empty when the store already matched). Triggers, indexes and
 * tables the canonical schema lacks go, except tables holding rows of their own; renamed columns get
 * their canonical name, missing tables and columns are created, then every canonical trigger and
 * index; seed rows a variant did not write are added; rows kept by clock versions are dropped and the
 * list of stale stored scores is made anew (edited triggers may have kept both from being current).
 */
export function repairSchema(db: Db): string[] {
  if (hasCanonicalSchema(db)) return [];
  const want = canonicalDatabase();
  const wanted = objects(want);
  const wantedByKey = new Map(wanted.map((o) => [`${o.type}:${o.name}`, o]));
  const changes: string[] = [];
  const have = objects(db);
  const tablesDiffer = wanted.some((o) => {
    if (o.type !== 'table') return false;
    const mine = columns(db, o.name);
    return mine.map(columnSignature).join(',') !== columns(want, o.name).map(columnSignature).join(',');
  });
  // Triggers and indexes are code over the rows: a differing one is dropped and made anew. When a
  // table changes, every trigger goes first (renaming a column re-reads every trigger on its table).
  for (const o of have) {
    if (o.type !== 'trigger' && o.type !== 'index' && o.type !== 'view') continue;
    const same = wantedByKey.get(`${o.type}:${o.name}`)?.sql === o.sql;
    if (same && !(tablesDiffer && o.type === 'trigger')) continue;
    db.exec(`DROP ${o.type.toUpperCase()} ${quoted(o.name)}`);
    if (!same) changes.push(`${o.type} ${o.name} ${wantedByKey.has(`${o.type}:${o.name}`) ? 'rewritten' : 'removed'}`);
  }
  for (const o of wanted) {
    if (o.type !== 'table') continue;
    const mine = columns(db, o.name);
    if (mine.length === 0) {
      db.exec(o.sql as string);
      changes.push(`table ${o.name} created`);
      continue;
    }
    const names = new Set(mine.map((c) => c.name));
    for (const [table, from, to] of RENAMED_COLUMNS) {
      if (table !== o.name || names.has(to) || !names.has(from)) continue;
      db.exec(`ALTER TABLE ${quoted(table)} RENAME COLUMN ${quoted(from)} TO ${quoted(to)}`);
      names.delete(from);
      names.add(to);
      changes.push(`column ${table}.${from} renamed ${to}`);
    }
    for (const c of columns(want, o.name)) {
      if (names.has(c.name)) continue;
      db.exec(`ALTER TABLE ${quoted(o.name)} ADD COLUMN ${columnDefinition(c)}`);
      changes.push(`column ${o.name}.${c.name} added`);
    }
  }
  for (const name of RETIRED_TABLES) {
    if (wantedByKey.has(`table:${name}`) || !have.some((o) => o.type === 'table' && o.name === name)) continue;
    db.exec(`DROP TABLE ${quoted(name)}`);
    changes.push(`table ${name} removed`);
  }
  const now = new Set(objects(db).map((o) => `${o.type}:${o.name}`));
  for (const o of wanted) {
    if ((o.type === 'trigger' || o.type === 'index' || o.type === 'view') && !now.has(`${o.type}:${o.name}`)) db.exec(o.sql as string);
  }
  for (const table of SEEDED_TABLES) {
    const rows = want.prepare(`SELECT * FROM ${quoted(table)}`).all() as Array<Record<string, unknown>>;
    for (const row of rows) {
      const keys = Object.keys(row);
      const added = db
        .prepare(`INSERT OR IGNORE INTO ${quoted(table)} (${keys.map(quoted).join(', ')}) VALUES (${keys.map(() => '?').join(', ')})`)
        .run(...keys.map((k) => row[k]));
      if (added.changes > 0) changes.push(`row ${JSON.stringify(row)} added to ${table}`);
    }
  }
  if (changes.length === 0) return [];
  for (const table of KEPT_BY_VERSION) db.exec(`DELETE FROM ${quoted(table)}`);
  db.exec(`DELETE FROM stale_scores;
    INSERT OR IGNORE INTO stale_scores (run_id, sample_id) SELECT m.run_id, m.sample_id FROM metric_samples m
      WHERE m.rev IS NOT ('g' || COALESCE((SELECT g.rev FROM ground_truth_revs g WHERE g.sample_id = m.sample_id), 0)
        || 'p' || COALESCE((SELECT r.rev FROM prediction_revs r WHERE r.run_id = m.run_id AND r.sample_id = m.sample_id), 0));`);
  return changes;
}
