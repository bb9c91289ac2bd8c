/**
 * Which opens may skip PRAGMA quick_check (store/db.ts). The check reads every page: 0.6-1.3 s per
 * 160 MB here, paid by every CLI command on a large workspace. A file that no one has changed since it
 * was last found sound is not checked again: after a passing check, and when the last Tessera process
 * using the workspace closes it cleanly, a stamp beside the database records the file's identity
 * (device, inode, size, modification and status-change times to the nanosecond). An open whose file
 * matches the stamp exactly, with no WAL file beside it, skips the check.
 *
 * What this still catches: any write to the file by anything else (a copy, a restore, an editor, a
 * `dd` over its pages) moves its status-change time, which no user can set back; a process killed
 * while writing leaves a WAL file and no new stamp. What it trusts: a file Tessera itself left sound,
 * as before the next write to it. Damage inside a live session (or a disk decaying under an
 * unchanged file) is found when SQLite reads the damaged pages (an error naming the file) and by
 * `tessera check`, which always runs the check.
 */
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';

const FORMAT = 1;

interface Stamp {
  format: number;
  dev: string;
  ino: string;
  size: string;
  mtimeNs: string;
  ctimeNs: string;
}

/** Where the stamp of a database file lives (beside it, so a copied workspace folder is checked again). */
export function stampFile(dbFile: string): string {
  return `${dbFile}.checked`;
}

function identity(dbFile: string): Stamp | null {
  try {
    const s = statSync(dbFile, { bigint: true });
    return {
      format: FORMAT,
      dev: String(s.dev),
      ino: String(s.ino),
      size: String(s.size),
      mtimeNs: String(s.mtimeNs),
      ctimeNs: String(s.ctimeNs),
    };
  } catch {
    return null;
  }
}

/** True when the database file is exactly as its stamp records and has no WAL beside it. */
export function unchangedSinceCheck(dbFile: string): boolean {
  if (existsSync(`${dbFile}-wal`)) return false;
  let stamp: Partial<Stamp>;
  try {
    stamp = JSON.parse(readFileSync(stampFile(dbFile), 'utf8')) as Partial<Stamp>;
  } catch {
    return false;
  }
  const now = identity(dbFile);
  if (now === null) return false;
  return (Object.keys(now) as Array<keyof Stamp>).every((k) => stamp[k] === now[k]);
}

/**
 * Records the file as sound now (after a passing check, or a clean close by the last connection).
 * Nothing is recorded while a WAL file exists (another process has the file open, or changes are not
 * yet in it); a stamp that cannot be written only means the next open checks.
 */
export function recordSound(dbFile: string): void {
  if (existsSync(`${dbFile}-wal`)) return;
  const stamp = identity(dbFile);
  if (stamp === null) return;
  const target = stampFile(dbFile);
  const temp = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, `${JSON.stringify(stamp)}\n`);
    renameSync(temp, target);
  } catch {
    // A read-only folder or a full disk: the next open runs the check.
  }
}

/** Forgets the stamp (a check found damage). */
export function forgetSound(dbFile: string): void {
  try {
    writeFileSync(stampFile(dbFile), '');
  } catch {
    // Nothing recorded, nothing to forget.
  }
}
