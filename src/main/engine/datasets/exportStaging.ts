import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import { fileFault } from '../jobs/faults';
import { writableFolder } from '../api/readScope';

/**
 * Writes an export all or nothing: everything goes into a hidden staging folder beside `outDir`
 * (same file system, so the last step is a rename); only when every file is written is the folder
 * renamed into place (or, when `outDir` already exists, its files are moved in one by one, each
 * replacing the old file of the same name). A failure, a full disk or a cancel removes the staging
 * folder and any parent folder made for it: nothing half-done is left. File-system errors become
 * one line naming the destination path (never the staging name).
 */
export async function writeStaged<T>(outDir: string, write: (dir: string) => Promise<T>): Promise<T> {
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) {
    throw new ApiError('INVALID_INPUT', `${outDir} exists and is not a folder: choose another export folder`);
  }
  const parent = dirname(outDir);
  let madeParent: string | undefined;
  let stage: string;
  try {
    madeParent = await mkdir(parent, { recursive: true });
    stage = await mkdtemp(join(parent, `.${basename(outDir)}.tessera-export-`));
  } catch (err) {
    throw fileFault(err, outDir) ?? err;
  }
  const shown = (err: unknown): unknown => {
    const e = err as NodeJS.ErrnoException & { dest?: string };
    const p = e.dest ?? e.path;
    const mapped = p !== undefined && (p === stage || p.startsWith(stage + sep)) ? join(outDir, relative(stage, p)) : undefined;
    return fileFault(err, mapped) ?? err;
  };
  const discard = async (): Promise<void> => {
    await rm(stage, { recursive: true, force: true }).catch(() => undefined);
    if (madeParent !== undefined) await rm(madeParent, { recursive: true, force: true }).catch(() => undefined);
  };
  let result: T;
  try {
    result = await write(stage);
    if (!existsSync(outDir)) {
      await rename(stage, outDir);
      return result;
    }
    await moveInto(stage, outDir);
  } catch (err) {
    await discard();
    throw shown(err);
  }
  await rm(stage, { recursive: true, force: true });
  return result;
}

/**
 * Moves every file of `from` into `to` (folders merged), each by one rename. A web client's export
 * merges only into folders whose real location is inside the workspace (api/readScope.ts): a symbolic
 * link in the export folder, to a folder elsewhere, is refused before anything moves.
 */
async function moveInto(from: string, to: string): Promise<void> {
  const merges: Array<[string, string]> = [];
  const renames: Array<[string, string]> = [];
  const plan = async (src: string, dst: string): Promise<void> => {
    if (!writableFolder(dst)) {
      throw new ApiError(
        'UNAUTHORIZED',
        `${dst} leads outside the workspace (a symbolic link?); over the web UI an export writes only inside it`,
        {
          file: dst,
        },
      );
    }
    merges.push([src, dst]);
    for (const entry of await readdir(src, { withFileTypes: true })) {
      const s = join(src, entry.name);
      const d = join(dst, entry.name);
      if (entry.isDirectory() && existsSync(d) && statSync(d).isDirectory()) await plan(s, d);
      else renames.push([s, d]);
    }
  };
  await plan(from, to);
  for (const [, dst] of merges) await mkdir(dst, { recursive: true });
  for (const [src, dst] of renames) await rename(src, dst);
}
