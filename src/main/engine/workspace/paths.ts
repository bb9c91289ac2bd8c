import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import { fileFault } from '../jobs/faults';

export const DB_FILE = 'tessera.db';

export interface WorkspacePaths {
  root: string;
  db: string;
  cache: string;
  log: string;
}

export function workspacePaths(dir: string): WorkspacePaths {
  const root = resolve(dir);
  return { root, db: join(root, DB_FILE), cache: join(root, 'cache'), log: join(root, 'tessera.log') };
}

export function workspaceExists(dir: string): boolean {
  return existsSync(workspacePaths(dir).db);
}

/** Creates the folder layout of a workspace (the database is created by openDatabase). */
export function createWorkspaceFolders(dir: string): WorkspacePaths {
  const paths = workspacePaths(dir);
  if (existsSync(paths.root) && !statSync(paths.root).isDirectory()) {
    throw new ApiError('INVALID_INPUT', `workspace path exists and is not a folder: ${paths.root}`);
  }
  try {
    mkdirSync(paths.cache, { recursive: true });
  } catch (err) {
    // The folder that could not be made is the first one missing, not the cache folder inside it.
    throw fileFault(err, firstMissing(paths.cache)) ?? err;
  }
  return paths;
}

/** The outermost folder of `path` that does not exist (the one a recursive mkdir fails to make). */
function firstMissing(path: string): string {
  let missing = path;
  for (let dir = dirname(path); dir !== missing && !existsSync(dir); dir = dirname(dir)) missing = dir;
  return missing;
}

export function requireWorkspace(dir: string): WorkspacePaths {
  const paths = workspacePaths(dir);
  if (!existsSync(paths.db)) {
    if (existsSync(paths.root) && !statSync(paths.root).isDirectory())
      throw new ApiError('NOT_FOUND', `${paths.root} is a file, not a Tessera workspace (a workspace is a folder: pass --workspace DIR)`);
    throw new ApiError('NOT_FOUND', `no Tessera workspace at ${paths.root} (run "tessera init" there, or pass --workspace DIR)`);
  }
  return paths;
}
