/**
 * Every file an import reads, checked where it leads. A call from a browser client of `tessera serve`
 * may read only under the roots the person starting the server allowed (api/writablePath.ts
 * readablePath checks the folder or file the call names). The files an importer finds inside that
 * folder are checked too, one by one: a symbolic link in an allowed folder (a split list, a JSON file,
 * an image, a mask, a prediction) must not lead a web client to a file elsewhere. The roots travel
 * with the job through AsyncLocalStorage (and into pool workers with each task, workers/pool.ts), so
 * an importer reads through `readImportFile` without knowing who called it. Calls from the CLI and the
 * desktop app carry no roots: any path goes, links included (datasets are often linked from other disks).
 *
 * The same readers refuse what is not a regular file before reading it: a FIFO would block the
 * read (and a thread of Node's pool) until something writes to it, a directory fails with EISDIR.
 * They open with O_NONBLOCK and check the open file, so there is no window between check and read.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { closeSync, constants, fstatSync, openSync, readFileSync, realpathSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { ApiError } from '../../../shared/api/apiError';
import type { CallContext } from './dispatch';
import { deniedSystemDir, isInside, realPathOf } from './writablePath';

const scope = new AsyncLocalStorage<readonly string[]>();

/** Runs `fn` (and everything it starts) with reads confined to `roots`; null: unconfined. */
export function withReadRoots<T>(roots: readonly string[] | null, fn: () => T): T {
  return roots === null ? fn() : scope.run(roots, fn);
}

/** The roots reads are confined to here; null when unconfined (CLI, desktop app). */
export function currentReadRoots(): readonly string[] | null {
  return scope.getStore() ?? null;
}

/**
 * `path` if reads are unconfined; otherwise its real path, once checked to be under the roots and
 * outside the system folders. A path that does not exist is returned as it is: opening it fails
 * with the reader's own message.
 */
export function confinedReadPath(path: string, roots: readonly string[] | null = currentReadRoots()): string {
  if (roots === null) return path;
  let real: string;
  try {
    real = realpathSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return path;
    throw err;
  }
  const system = deniedSystemDir(real, roots);
  if (system !== undefined || !roots.some((r) => isInside(real, r))) {
    throw new ApiError(
      'UNAUTHORIZED',
      `${path} leads to ${real}, outside the folders web clients may read (${roots.join(', ')}); a symbolic link inside an imported folder is not followed there`,
      { file: path },
    );
  }
  return real;
}

const NONBLOCK = constants.O_NONBLOCK ?? 0;

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

function notRegular(path: string, s: Stats): ApiError {
  return new ApiError('INVALID_INPUT', `${path}: ${kindOf(s)}, not a file to read`, { file: path });
}

/** An open's failure as one line naming the file (NOT_FOUND for a missing file or a broken link). */
function openFailed(path: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new ApiError('NOT_FOUND', `${path}: no such file (or a broken symbolic link)`, { file: path });
  if (code === 'ELOOP') return new ApiError('INVALID_INPUT', `${path}: a loop of symbolic links`, { file: path });
  if (code === 'EACCES' || code === 'EPERM') return new ApiError('IO_ERROR', `${path}: permission denied`, { file: path });
  if (code === 'ENOTDIR') return new ApiError('NOT_FOUND', `${path}: a folder on the way is a file`, { file: path });
  return err;
}

/**
 * A file an import reads, opened: confined (see above) and refused unless it is a regular file.
 * Failures are ApiErrors naming the file (NOT_FOUND for a missing file). The caller closes the fd.
 */
export function openImportFileSync(path: string, roots: readonly string[] | null = currentReadRoots()): number {
  let fd: number;
  try {
    fd = openSync(confinedReadPath(path, roots), constants.O_RDONLY | NONBLOCK);
  } catch (err) {
    throw openFailed(path, err);
  }
  try {
    const s = fstatSync(fd);
    if (!s.isFile()) throw notRegular(path, s);
    return fd;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** A file an import reads, whole (openImportFileSync). */
export function readImportFileSync(path: string, roots: readonly string[] | null = currentReadRoots()): Buffer {
  const fd = openImportFileSync(path, roots);
  try {
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** readImportFileSync through the thread pool. */
export async function readImportFile(path: string): Promise<Buffer> {
  const handle = await open(confinedReadPath(path), constants.O_RDONLY | NONBLOCK).catch((err: unknown) => {
    throw openFailed(path, err);
  });
  try {
    const s = await handle.stat();
    if (!s.isFile()) throw notRegular(path, s);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

const writeScope = new AsyncLocalStorage<string>();

/** Runs `fn` with writes below an existing folder confined to `root` (a real path); null: unconfined. */
export function withWriteRoot<T>(root: string | null, fn: () => T): T {
  return root === null ? fn() : writeScope.run(root, fn);
}

/**
 * Whether an existing folder may be written into: always for the CLI and the desktop app; for a web
 * client's export only when its real location is inside the workspace (a symbolic link in an export
 * folder must not carry the files elsewhere).
 */
export function writableFolder(path: string): boolean {
  const root = writeScope.getStore();
  if (root === undefined) return true;
  try {
    return isInside(realpathSync(path), root);
  } catch {
    return false;
  }
}

/** The roots an import started by `call` reads under: the server's for a web client, none otherwise. */
export function importReadRoots(call: CallContext, workspaceRoot: string): readonly string[] | null {
  return call.transport === 'http' ? (call.pathAccess?.readRoots ?? [realPathOf(workspaceRoot, 'workspace')]) : null;
}
