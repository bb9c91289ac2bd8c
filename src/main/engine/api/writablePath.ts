import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ApiError } from '../../../shared/api/apiError';
import type { CallContext } from './dispatch';

/**
 * Which files a browser client of `tessera serve` may reach. The server fills this in from its
 * `--allow-dir` options (real paths); calls from the CLI and the desktop app carry none and may use
 * any path (it is the user's own machine).
 */
export interface PathAccess {
  /** Real paths of the folders web clients may read from (the workspace is always one of them). */
  readRoots: readonly string[];
}

/**
 * Folders a web client may never read or write, even under an allowed root or through a symlink.
 * `/root` is left out only when an allowed root lies inside it (root's own home directory).
 */
export const SYSTEM_DIRS: readonly string[] = ['/etc', '/proc', '/sys', '/dev', '/boot', '/run', '/root'];

export function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * The real path `abs` leads to: the nearest existing ancestor resolved with realpath, plus the
 * names below it that do not exist yet. A dangling symlink on the way is refused (writing through
 * it would create its target, wherever that is).
 */
export function realPathOf(abs: string, what: string): string {
  const rest: string[] = [];
  let cur = resolve(abs);
  for (;;) {
    try {
      return rest.length === 0 ? realpathSync(cur) : join(realpathSync(cur), ...rest);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        throw new ApiError('UNAUTHORIZED', `${what}: cannot check where ${abs} leads (${code ?? 'error'})`);
      }
      if (lstatOk(cur)) throw new ApiError('UNAUTHORIZED', `${what}: ${cur} is a broken symbolic link; refusing to follow it`);
      const parent = dirname(cur);
      if (parent === cur) return resolve(abs);
      rest.unshift(basename(cur));
      cur = parent;
    }
  }
}

function lstatOk(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The system folders closed to web clients, given the allowed roots (real paths). */
export function deniedDirs(readRoots: readonly string[]): string[] {
  return SYSTEM_DIRS.filter((d) => d !== '/root' || !readRoots.some((r) => isInside(r, '/root')));
}

export function deniedSystemDir(real: string, readRoots: readonly string[]): string | undefined {
  if (process.platform === 'win32') return undefined;
  return deniedDirs(readRoots).find((d) => isInside(real, d));
}

function shown(abs: string, real: string): string {
  return abs === real ? abs : `${abs} (which leads to ${real})`;
}

/**
 * A path a call will read. From the CLI and the desktop app any path goes; from a browser over
 * `tessera serve` only paths whose real location is under one of the roots the person starting the
 * server allowed, and never in a system folder. Returns the real path, which is what was checked
 * and what the caller must open. Relative paths are taken from the server's folder, as the CLI does.
 */
export function readablePath(path: string, ctx: CallContext, workspaceRoot: string, what: string): string {
  if (ctx.transport !== 'http') return path;
  const roots = ctx.pathAccess?.readRoots ?? [realPathOf(workspaceRoot, what)];
  const abs = resolve(path);
  const real = realPathOf(abs, what);
  const system = deniedSystemDir(real, roots);
  if (system !== undefined)
    throw new ApiError('UNAUTHORIZED', `${what}: web clients may not read system folders (${system}); got ${shown(abs, real)}`);
  if (!roots.some((r) => isInside(real, r)))
    throw new ApiError(
      'UNAUTHORIZED',
      `${what}: over the web UI, files can be read only under ${roots.join(', ')} (start "tessera serve --allow-dir DIR" to add a folder); got ${shown(abs, real)}`,
    );
  return real;
}

/** Files of the store itself, which no web client may overwrite even though they are in the workspace. */
function storeFile(real: string, workspace: string): boolean {
  const rel = relative(workspace, real);
  const top = rel.split(sep)[0] ?? '';
  return /^tessera\.(db|log)(-wal|-shm|-journal|\.checked)?$/.test(top) || top === 'cache';
}

/**
 * A path a call will write to. From the CLI and the desktop app any path goes (it is the user's
 * own machine); from a browser over `tessera serve` only paths whose real location (symlinks
 * followed, for the nearest existing ancestor) is inside the workspace, and not the store's own
 * files, so a leaked token cannot be used to write files elsewhere on the engine's machine.
 * Relative paths are taken from the workspace. Returns the real path to write.
 */
export function writablePath(path: string, ctx: CallContext, workspaceRoot: string, what: string): string {
  if (ctx.transport !== 'http') return path;
  const workspace = realPathOf(workspaceRoot, what);
  const abs = resolve(workspaceRoot, path);
  const real = realPathOf(abs, what);
  const system = deniedSystemDir(real, ctx.pathAccess?.readRoots ?? [workspace]);
  if (!isInside(real, workspace) || system !== undefined) {
    throw new ApiError(
      'UNAUTHORIZED',
      `${what}: over the web UI, files can be written only inside the workspace (${workspaceRoot}); got ${shown(abs, real)}`,
    );
  }
  if (real === workspace || storeFile(real, workspace))
    throw new ApiError('UNAUTHORIZED', `${what}: web clients may not overwrite the workspace's own files; got ${shown(abs, real)}`);
  return real;
}
