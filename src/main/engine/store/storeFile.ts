import { statSync } from 'node:fs';
import { ApiError } from '../../../shared/api/errors';

/**
 * Whether the database file the engine opened is still the one at its path. SQLite keeps writing
 * to an open file after it is deleted (the workspace folder removed while `tessera serve` runs) or
 * replaced (a backup restored under it): every write would report success into a file no one will
 * ever open again, and exports and reports would make the deleted folder anew. The engine compares
 * the path's device and inode with those it opened before each call (a stat, a few microseconds);
 * once they differ, every call is refused with one line naming the file, for the rest of the session.
 */
export interface StoreFileWatch {
  /** The refusal when the file is gone or replaced (and from then on), else null. */
  problem(): ApiError | null;
}

function identityOf(file: string): string | null {
  try {
    const s = statSync(file, { bigint: true });
    return `${s.dev}:${s.ino}`;
  } catch {
    return null;
  }
}

export function watchStoreFile(file: string): StoreFileWatch {
  const opened = identityOf(file);
  let refused: ApiError | null = null;
  return {
    problem() {
      if (refused !== null || opened === null) return refused;
      const now = identityOf(file);
      if (now === opened) return null;
      refused = new ApiError(
        'IO_ERROR',
        `${file} was deleted, moved or replaced while Tessera had it open${now === null ? ' (it is not there any more)' : ' (another file is there now)'}; nothing more is read from or written to it: stop Tessera and start it again on the workspace (put the workspace folder back first if it went by mistake)`,
        { path: file },
      );
      return refused;
    },
  };
}
