import Database from 'better-sqlite3';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import { recoveryAdvice, type StoreState } from '../jobs/faults';
import { forgetSound, unchangedSinceCheck } from './checkStamp';
import { migrations, READABLE_FROM, SCHEMA_VERSION } from './migrations';
import { hasCanonicalSchema, prepareForMigrations, repairSchema } from './schemaRepair';

export type Db = Database.Database;

/**
 * Opens (creating if needed) a workspace database: WAL, foreign keys, migrations by PRAGMA user_version.
 * A database written by a newer Tessera is refused rather than guessed at.
 */
export function openDatabase(file: string): Db {
  const db = new Database(file);
  try {
    configureReadWrite(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Every transaction on a writable connection begins IMMEDIATE: it takes the write lock first, waiting
 * for another process's (busy_timeout). A deferred one that read first and then wrote failed at once
 * with "database is locked" (SQLITE_BUSY_SNAPSHOT: the busy handler is not called) whenever another
 * process had committed since its read; an edit, undo or redo beside a CLI writing tags then failed
 * as a conflict with "another Tessera process". Nested transactions stay savepoints.
 */
export function beginImmediate(db: Db): void {
  const transaction = db.transaction;
  db.transaction = function immediateTransaction(this: Db, fn) {
    return transaction.call(this, fn).immediate;
  } as Db['transaction'];
}

function configureReadWrite(db: Db): void {
  beginImmediate(db);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  migrate(db);
}

function migrate(db: Db): void {
  const current = Number(db.pragma('user_version', { simple: true }));
  if (current > SCHEMA_VERSION) {
    throw new ApiError(
      'SCHEMA_TOO_NEW',
      `${db.name}: workspace schema version ${current} was written by a newer Tessera (this one understands up to ${SCHEMA_VERSION}); upgrade Tessera to open it`,
      { found: current, supported: SCHEMA_VERSION },
    );
  }
  // Every step and the repair in one transaction: a process killed during an upgrade leaves the
  // workspace at the version it had, which the build that wrote it still opens.
  if (current === SCHEMA_VERSION && hasCanonicalSchema(db)) return;
  const t0 = performance.now();
  const repaired = alone(db, current, () =>
    db.transaction(() => {
      const prepared = current < SCHEMA_VERSION ? prepareForMigrations(db, current) : [];
      for (let v = current; v < SCHEMA_VERSION; v++) {
        const step = migrations[v];
        if (step === undefined) break;
        db.exec(step);
        db.pragma(`user_version = ${v + 1}`);
      }
      return [...prepared, ...repairSchema(db)];
    })(),
  );
  if (repaired.length > 0) schemaRepairs.set(db, repaired);
  if (current < SCHEMA_VERSION) schemaUpgrades.set(db, { from: current, to: SCHEMA_VERSION, ms: performance.now() - t0 });
}

/** How long an upgrade waits for other connections to the file to close (a CLI command finishing). */
const UPGRADE_WAIT_MS = 2000;

/**
 * Runs an upgrade with the file to this connection alone (locking mode EXCLUSIVE: while any other
 * connection has the file open, even idle, the lock is refused). A process of an older Tessera that
 * kept the workspace open (`tessera serve`, the app) would go on writing with code that does not know
 * the new schema (probe U: it gave out ids migration 17 had retired); the upgrade is refused instead,
 * in one line, and the file is left as it was.
 */
function alone<T>(db: Db, from: number, upgrade: () => T): T {
  db.pragma(`busy_timeout = ${UPGRADE_WAIT_MS}`);
  db.pragma('locking_mode = EXCLUSIVE');
  try {
    return upgrade();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')))
      throw new ApiError(
        'CONFLICT',
        `${db.name}: another process has this workspace open (tessera serve, the app or a command, perhaps of an older Tessera); close it, then try again: ${
          from < SCHEMA_VERSION ? `upgrading it from schema ${from} to ${SCHEMA_VERSION}` : 'repairing its schema'
        } needs the workspace to itself`,
      );
    throw err;
  } finally {
    db.pragma('locking_mode = NORMAL');
    // The exclusive lock goes with the next access in NORMAL mode.
    db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get();
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
}

const schemaRepairs = new WeakMap<Db, string[]>();
const schemaUpgrades = new WeakMap<Db, { from: number; to: number; ms: number }>();

/** The migrations opening this connection's store ran (from, to and how long they took; some copy whole tables); null when none ran. */
export function schemaUpgradeOf(db: Db): { from: number; to: number; ms: number } | null {
  return schemaUpgrades.get(db) ?? null;
}

/** What opening this connection's store changed to reach the canonical schema (store/schemaRepair.ts); empty for most stores. */
export function schemaRepairsOf(db: Db): string[] {
  return schemaRepairs.get(db) ?? [];
}

function tableHasColumn(db: Db, table: string, column: string): boolean {
  return (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).some((c) => c.name === column);
}

export function schemaVersion(db: Db): number {
  return Number(db.pragma('user_version', { simple: true }));
}

export interface OpenStoreOptions {
  /** `tessera init`: an existing 0-byte file may become a new workspace (otherwise it is refused). */
  allowEmpty?: boolean;
  /** Skip PRAGMA quick_check (tests of the check itself). */
  skipCheck?: boolean;
}

export interface OpenedStore {
  db: Db;
  state: StoreState;
}

/** What the open logic learns about the files before choosing how to open (kept apart so it is testable). */
export interface StoreProbe {
  dirWritable: boolean;
  fileExists: boolean;
  fileWritable: boolean;
  fileBytes: number;
  walBytes: number | null;
  shmExists: boolean;
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export function probeStore(file: string): StoreProbe {
  const fileExists = existsSync(file);
  const wal = `${file}-wal`;
  return {
    dirWritable: writable(dirname(file)),
    fileExists,
    fileWritable: fileExists ? writable(file) : true,
    fileBytes: fileExists ? statSync(file).size : 0,
    walBytes: existsSync(wal) ? statSync(wal).size : null,
    shmExists: existsSync(`${file}-shm`),
  };
}

/**
 * How to open a workspace database: read-write; read-only on the file (when the folder or the
 * file is not writable: a read-only mount, another user's workspace); or refused (an empty file
 * that is not being initialised). `reason` says why it is read-only, for every refused write.
 */
export type StoreAccess = { mode: 'readwrite' } | { mode: 'readonly'; reason: string } | { mode: 'refuse'; error: ApiError };

export function chooseStoreAccess(file: string, p: StoreProbe, options: OpenStoreOptions = {}): StoreAccess {
  if (p.fileExists && p.fileBytes === 0 && (p.walBytes ?? 0) === 0 && options.allowEmpty !== true) {
    return {
      mode: 'refuse',
      error: new ApiError(
        'CORRUPT_FILE',
        `${file} is empty (0 bytes), not a workspace database: restore it from a backup, or run "tessera init" there to start a new, empty workspace`,
      ),
    };
  }
  const dir = dirname(file);
  if (!p.dirWritable) return { mode: 'readonly', reason: `the folder ${dir} is not writable` };
  if (!p.fileWritable) return { mode: 'readonly', reason: `${file} is not writable` };
  return { mode: 'readwrite' };
}

/** PRAGMA quick_check: an empty list when the file is sound, else SQLite's findings. */
export function quickCheck(db: Db): string[] {
  let rows: Array<Record<string, unknown>>;
  try {
    rows = db.pragma('quick_check') as Array<Record<string, unknown>>;
  } catch (err) {
    // Damage bad enough that the check itself stops: that is its finding.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')) return [(err as Error).message];
    throw err;
  }
  const found = rows.map((r) =>
    String(Object.values(r)[0])
      .replace(/^\*\*\* in database \w+ \*\*\*\s*/, '')
      .replace(/\s*\n\s*/g, '; '),
  );
  return found.length === 1 && found[0] === 'ok' ? [] : found;
}

function damagedFile(file: string, err: unknown): ApiError | null {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !(code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')) return null;
  return new ApiError('CORRUPT_FILE', `${file} is damaged (${(err as Error).message}); ${recoveryAdvice(file)}`);
}

/**
 * SQLite could not make or set up the -shm file a WAL-mode file is read with: CANTOPEN on a read-only
 * mount, READONLY_DIRECTORY in a folder this user may not write (another user's workspace),
 * READONLY_CANTINIT with a -shm this user may not write.
 */
function cannotMakeShm(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return (
    typeof code === 'string' &&
    (code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_READONLY_DIRECTORY' || code === 'SQLITE_READONLY_CANTINIT')
  );
}

/**
 * A read-only connection. SQLite reads a WAL-mode file only with its -shm beside it; on a
 * read-only folder without one (a workspace closed cleanly, then mounted read-only, or another
 * user's folder) the file is read into memory instead, as a rollback-mode image (there is no WAL
 * content to miss).
 */
function openReadOnly(file: string, p: StoreProbe): Db {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      db.prepare('SELECT count(*) FROM sqlite_master').get();
      return db;
    } catch (err) {
      db.close();
      throw err;
    }
  } catch (err) {
    if (!cannotMakeShm(err)) throw err;
    if ((p.walBytes ?? 0) > 0) {
      throw new ApiError(
        'READ_ONLY',
        `${file} has changes in ${file}-wal that were never checkpointed and its folder is read-only: open the workspace once where it is writable (or copy it), then try again`,
      );
    }
    const image = readFileSync(file);
    // Bytes 18-19: file format read/write versions; 2 = WAL, 1 = rollback journal (same pages).
    if (image.length >= 20) image.fill(1, 18, 20);
    const db = new Database(image, { readonly: true });
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  }
}

/**
 * Opens a workspace database the way its files allow: read-write (WAL, migrations) when it can
 * write, read-only otherwise; PRAGMA quick_check on open (unless the file is exactly as Tessera last
 * found or left it sound: store/checkStamp.ts), and a damaged file is opened
 * read-only so nothing writes to it (reads still work as far as the damage allows). A 0-byte file
 * is refused unless `allowEmpty` (init). Every refusal leaves the files as they were.
 */
export function openStore(file: string, options: OpenStoreOptions = {}): OpenedStore {
  const probe = probeStore(file);
  const access = chooseStoreAccess(file, probe, options);
  if (access.mode === 'refuse') throw access.error;
  let readOnly = access.mode === 'readonly' ? access.reason : null;
  // Decided before this connection opens (reading creates the WAL file the stamp must not see).
  const soundBy = options.skipCheck === true ? 'not checked' : unchangedSinceCheck(file) ? 'unchanged' : 'checked';
  let db: Db;
  try {
    db = readOnly === null ? new Database(file) : openReadOnly(file, probe);
  } catch (err) {
    throw damagedFile(file, err) ?? err;
  }
  let damage: string[] | null = null;
  try {
    if (soundBy === 'checked') {
      const found = quickCheck(db);
      damage = found.length === 0 ? null : found;
      if (damage !== null) forgetSound(file);
    }
    if (damage !== null && readOnly === null) {
      // Nothing may write to a damaged file: reopen it read-only, before any pragma or migration.
      db.close();
      db = new Database(file, { readonly: true, fileMustExist: true });
      readOnly = `it is damaged: ${damage[0] ?? 'quick_check failed'}`;
    } else if (damage !== null) {
      readOnly = `${readOnly}; it is also damaged: ${damage[0] ?? 'quick_check failed'}`;
    }
    if (readOnly === null) {
      configureReadWrite(db);
    } else {
      db.pragma('busy_timeout = 5000');
      const version = schemaVersion(db);
      if (damage === null && version !== SCHEMA_VERSION) {
        if (version > SCHEMA_VERSION) migrate(db); // throws SCHEMA_TOO_NEW
        // A store an edited migration 10 made (4e1c89b: import_job, renamed hidden_by since) reads like one below it.
        const variant = version >= READABLE_FROM && !tableHasColumn(db, 'datasets', 'hidden_by');
        if (version < READABLE_FROM || variant)
          throw new ApiError(
            'READ_ONLY',
            `${file} has workspace schema ${version}${variant ? ' as a build whose migrations were edited later wrote it' : ''} and needs an upgrade to ${SCHEMA_VERSION}, but ${readOnly}: open it once where it is writable`,
          );
      }
    }
    return { db, state: { file, readOnly, damage, soundBy } };
  } catch (err) {
    db.close();
    throw damagedFile(file, err) ?? err;
  }
}

/** The busy timeout every connection has (another process's write lock is waited for this long). */
export const BUSY_TIMEOUT_MS = 5000;

/** Runs `fn` with the connection waiting at most `ms` for another process's lock, then the usual timeout again. */
export function withBusyTimeout<T>(db: Db, ms: number, fn: () => T): T {
  db.pragma(`busy_timeout = ${ms}`);
  try {
    return fn();
  } finally {
    if (db.open) db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
}
