import Database from 'better-sqlite3';
import { ApiError } from '../../../shared/api/errors';
import { migrations, SCHEMA_VERSION } from './migrations';

export type Db = Database.Database;

/**
 * Opens (creating if needed) a workspace database: WAL, foreign keys, migrations by PRAGMA user_version.
 * A database written by a newer Tessera is refused rather than guessed at.
 */
export function openDatabase(file: string): Db {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
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
  for (let v = current; v < SCHEMA_VERSION; v++) {
    const step = migrations[v];
    if (step === undefined) break;
    db.transaction(() => {
      db.exec(step);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

export function schemaVersion(db: Db): number {
  return Number(db.pragma('user_version', { simple: true }));
}
