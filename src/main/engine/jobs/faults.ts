import { ApiError } from '../../../shared/api/errors';

/**
 * Faults of the machine rather than bugs: a full disk, a permission, a read-only mount, a damaged
 * or busy database. Each becomes one line that names the file and what to do; anything else stays
 * an internal error (logged with its stack).
 */

/** What the engine knows about its store, for messages: the file, and why it is read-only if it is. */
export interface StoreState {
  file: string;
  /** Why the store is open read-only (a read-only folder, a damaged file), or null. */
  readOnly: string | null;
  /** quick_check's findings when the file is damaged, else null. */
  damage: string[] | null;
  /**
   * How the open knew the file sound: 'checked' (quick_check ran), 'unchanged' (it matched the stamp
   * of its last check or clean close: store/checkStamp.ts), 'not checked' (tests of the check itself).
   */
  soundBy?: 'checked' | 'unchanged' | 'not checked';
  /** Set when SQLite reported damage or an I/O error during this session: no stamp is left at close. */
  faultSeen?: boolean;
}

const FILE_FAULTS: Record<string, (path: string) => string> = {
  ENOSPC: (p) => `no space left on the device while writing ${p}; free some space and try again`,
  EDQUOT: (p) => `disk quota exceeded while writing ${p}; free some space and try again`,
  EFBIG: (p) => `${p}: file too large for the file system (or the process's file size limit)`,
  EACCES: (p) => `permission denied: ${p}`,
  EPERM: (p) => `operation not permitted: ${p}`,
  EROFS: (p) => `${p} is on a read-only file system`,
  ENOTDIR: (p) => `${p}: part of this path is a file, not a folder`,
  EISDIR: (p) => `${p} is a folder, not a file`,
  EMFILE: (p) => `too many open files while opening ${p}`,
  EIO: (p) => `input/output error on ${p} (the disk or the network share failed)`,
  ENAMETOOLONG: (p) => `${p}: a name in this path is too long for the file system`,
  ELOOP: (p) => `${p}: too many symbolic links (a link that points to itself?)`,
  // /proc, /sys and other special file systems refuse to make files with ENOENT even where the folder exists.
  ENOENT: (p) => `${p}: no such file or folder (or one cannot be made there)`,
};

/** The one line for a file-system error, naming `shownPath` (the destination a user knows) or the errno's own path. */
export function fileFault(err: unknown, shownPath?: string): ApiError | null {
  if (!(err instanceof Error)) return null;
  const e = err as NodeJS.ErrnoException;
  const make = e.code === undefined ? undefined : FILE_FAULTS[e.code];
  // copyFile's errors carry the source as `path` and the file being written as `dest`.
  const path = shownPath ?? (e as { dest?: string }).dest ?? e.path;
  if (make === undefined || path === undefined) return null;
  return new ApiError('IO_ERROR', make(path), { errno: e.code, path });
}

/** How to get a damaged workspace database back, for every message about one. */
export function recoveryAdvice(file: string): string {
  return `recover it with: sqlite3 "${file}" ".recover" | sqlite3 recovered.db (then move recovered.db into its place), or restore a backup; "tessera check" lists the damage`;
}

function isSqliteError(err: unknown): err is Error & { code: string } {
  return err instanceof Error && err.name === 'SqliteError' && typeof (err as { code?: unknown }).code === 'string';
}

/** Another connection (another process) holds the lock a write needs, past the busy timeout. */
export function isBusyError(err: unknown): boolean {
  return isSqliteError(err) && (err.code.startsWith('SQLITE_BUSY') || err.code.startsWith('SQLITE_LOCKED'));
}

/** Why a write to a read-only store is refused: a damaged file (with how to recover) or a read-only folder. */
export function readOnlyError(store: StoreState, sqliteMessage = 'attempt to write a readonly database'): ApiError {
  const file = store.file;
  if (store.damage !== null)
    return new ApiError(
      'CORRUPT_FILE',
      `${file} is damaged (${store.damage[0] ?? 'quick_check failed'}); Tessera will not write to it: ${recoveryAdvice(file)}`,
    );
  return new ApiError(
    'READ_ONLY',
    store.readOnly !== null
      ? `${file} is open read-only (${store.readOnly}): this needs to write to the workspace`
      : `${file} is read-only: ${sqliteMessage}`,
  );
}

/** The one line for a database error that is the machine's or the file's fault (never a bug's). */
export function storeFault(err: unknown, store: StoreState): ApiError | null {
  if (!isSqliteError(err)) return null;
  const code = err.code;
  const file = store.file;
  if (code.startsWith('SQLITE_READONLY')) return readOnlyError(store, err.message);
  if (code === 'SQLITE_FULL') return new ApiError('IO_ERROR', `no space left on the device for ${file}; free some space and try again`);
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    store.faultSeen = true;
    return new ApiError('CORRUPT_FILE', `${file} is damaged (${err.message}); ${recoveryAdvice(file)}`);
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return new ApiError('CONFLICT', `${file} is busy: another Tessera process holds it (${err.message}); try again when it is done`);
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
    if (code.startsWith('SQLITE_IOERR')) store.faultSeen = true;
    return new ApiError('IO_ERROR', `${file}: ${err.message} (${code})`);
  }
  return null;
}

/** A file-system or database fault as one user-facing line, or null for a bug. */
export function userFacingError(err: unknown, store: StoreState | string): ApiError | null {
  const state = typeof store === 'string' ? { file: store, readOnly: null, damage: null } : store;
  return fileFault(err) ?? storeFault(err, state);
}

/** A bug's database error still names the file (and SQLite's words); other bugs say nothing more. */
export function describeStoreError(err: unknown, file: string): string {
  return isSqliteError(err) ? `database ${file}: ${err.message}` : '';
}
