import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readlinkSync, statSync } from 'node:fs';
import { access, constants, lstat, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import { fileFault } from '../jobs/faults';
import { currentOwner, ownerAlive, type JobOwner } from '../jobs/owner';
import { writableFolder } from '../api/readScope';
import type { RegisteredImageHit } from './registeredFiles';

/**
 * Writes an export all or nothing: everything goes into a hidden staging folder beside `outDir`
 * (same file system, so the last step is a rename); only when every file is written is the folder
 * renamed into place (or, when `outDir` already exists, its files are moved in one by one, once
 * every one of them is known to fit). A file already in `outDir` under a name the export writes is
 * never replaced unless `overwrite`: the export is refused (CONFLICT, one line naming how many and
 * one or two of them) before any file is moved in; other files there stay as they are. A file that is
 * a dataset's registered image (`registeredImages` says which) is never replaced, even with
 * `overwrite`: the export is refused the same way, naming the dataset. A failure, a
 * refusal, a full disk or a cancel removes the staging folder and any parent folder made for it:
 * nothing half-done is left. A process killed meanwhile cannot clean up: its staging folder, named
 * after its process, is removed by the next export to the same `outDir` (removeAbandonedStages).
 * File-system errors become one line naming the destination path (never the staging name).
 */
export async function writeStaged<T>(
  outDir: string,
  write: (dir: string) => Promise<T>,
  opts: {
    overwrite?: boolean | undefined;
    /** Which of these files (already in `outDir`, to be replaced) are a dataset's image files. */
    registeredImages?: ((files: string[]) => Promise<RegisteredImageHit[]>) | undefined;
  } = {},
): Promise<T> {
  const refused = fileInTheWay(outDir);
  if (refused !== null) throw refused;
  const parent = dirname(outDir);
  let madeParent: string | undefined;
  let stage: string;
  try {
    madeParent = await mkdir(parent, { recursive: true });
    await removeAbandonedStages(parent, outDir);
    stage = await makeStage(parent, outDir);
  } catch (err) {
    if (madeParent !== undefined) await rm(madeParent, { recursive: true, force: true }).catch(() => undefined);
    // A file made on the way meanwhile fails mkdir with EEXIST or ENOTDIR: say which one. A folder
    // that may not be written (the staging folder is made beside outDir): name that folder.
    throw fileInTheWay(outDir) ?? cannotStage(err, outDir) ?? fileFault(err, outDir) ?? err;
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
    await moveInto(stage, outDir, opts.overwrite === true, opts.registeredImages);
  } catch (err) {
    await discard();
    throw shown(err);
  }
  await rm(stage, { recursive: true, force: true });
  return result;
}

/**
 * Why `outDir` cannot be an export folder because a file is where a folder must be (`outDir` itself,
 * or a folder on its way: mkdir then fails with EEXIST or ENOTDIR), or a symbolic link there leads
 * nowhere (its target missing, or a loop), naming the path the user gave; null when nothing is in
 * the way.
 */
function fileInTheWay(outDir: string): ApiError | null {
  const broken = brokenLink(outDir);
  if (broken !== null) return new ApiError('INVALID_INPUT', `${outDir} is ${broken}, or choose another export folder`, { file: outDir });
  for (let above = dirname(outDir); above !== dirname(above); above = dirname(above)) {
    const brokenAbove = brokenLink(above);
    if (brokenAbove !== null)
      return new ApiError('INVALID_INPUT', `${outDir}: ${above} is ${brokenAbove}, or choose another export folder`, {
        file: outDir,
      });
  }
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) {
    return new ApiError('INVALID_INPUT', `${outDir} exists and is not a folder: choose another export folder`, { file: outDir });
  }
  for (let above = dirname(outDir); above !== dirname(above); above = dirname(above)) {
    if (existsSync(above) && !statSync(above).isDirectory()) {
      return new ApiError('INVALID_INPUT', `${outDir}: ${above} is a file, not a folder: choose another export folder`, {
        file: outDir,
      });
    }
  }
  return null;
}

/**
 * What a symbolic link at `path` is when it leads nowhere, and what to do ("a symbolic link to a
 * missing target (T): make the folder it leads to", or a loop); null for anything else (no link, a
 * link that leads somewhere, nothing there).
 */
function brokenLink(path: string): string | null {
  let target: string;
  try {
    if (!lstatSync(path).isSymbolicLink()) return null;
    target = readlinkSync(path);
  } catch {
    return null;
  }
  try {
    statSync(path);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `a symbolic link to a missing target (${target}): make the folder it leads to`;
    if (code === 'ELOOP') return `a symbolic link that leads back to itself (${target}): point it at a folder`;
    return null;
  }
}

const DENIED: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
};

/**
 * The one line for a staging folder that could not be made: it is made beside `outDir`, so the
 * folder that may not be written is its parent (or, when that is still to be made, the nearest
 * folder above it that exists), not `outDir`, which may well be writable. Null for other faults.
 */
function cannotStage(err: unknown, outDir: string): ApiError | null {
  const e = err as NodeJS.ErrnoException;
  const why = e instanceof Error && e.code !== undefined ? DENIED[e.code] : undefined;
  if (why === undefined) return null;
  let folder = e.path ?? dirname(outDir);
  while (!existsSync(folder) && folder !== dirname(folder)) folder = dirname(folder);
  return new ApiError(
    'IO_ERROR',
    `cannot write in ${folder} (${why}): an export is first written into a hidden folder beside ${outDir}, then moved in; make ${folder} writable, or choose an export folder elsewhere`,
    { errno: e.code, path: folder, file: outDir },
  );
}

const STAGE_MARK = '.tessera-export-';
/** Owner part of a staging name: `<pid>-<start ticks, or x without /proc>-<host tag>-<random>`. */
const STAGE_OWNER = /^(\d+)-(\d+|x)-([0-9a-f]{8})-[0-9a-f]{8}$/;

/**
 * `.NAME.tessera-export-`: the staging folders of one destination start with it. NAME is cut to 100
 * bytes, so the whole name stays under the 255 bytes a file name may have.
 */
function stagePrefix(outDir: string): string {
  const chars = Array.from(basename(outDir));
  while (Buffer.byteLength(chars.join('')) > 100) chars.pop();
  return `.${chars.join('')}${STAGE_MARK}`;
}

/** Eight hex digits standing for a host name (which may be long or hold any character). */
function hostTag(host: string): string {
  return createHash('sha256').update(host).digest('hex').slice(0, 8);
}

/**
 * The staging folder, named after this process (pid, start time, host) so that a later export can
 * tell it from a live one once this process is gone. A plain mkdir, not mkdtemp: the folder becomes
 * the export folder, which must get the mode the umask gives (mkdtemp's 0700 hid exports from
 * collaborators).
 */
async function makeStage(parent: string, outDir: string): Promise<string> {
  const me = currentOwner();
  const owner = `${me.pid}-${me.start ?? 'x'}-${hostTag(me.host)}-${randomBytes(4).toString('hex')}`;
  const stage = join(parent, `${stagePrefix(outDir)}${owner}`);
  await mkdir(stage);
  return stage;
}

/** The process a staging folder's name says made it; null for a name this scheme did not make. */
function stageOwner(name: string, prefix: string): JobOwner | null {
  const m = name.startsWith(prefix) ? STAGE_OWNER.exec(name.slice(prefix.length)) : null;
  if (m === null) return null;
  const me = currentOwner();
  // Another host's export (a shared disk) may be alive: its processes cannot be seen from here.
  if (m[3] !== hostTag(me.host)) return null;
  return { pid: Number(m[1]), host: me.host, start: m[2] === 'x' ? null : m[2]! };
}

/**
 * Removes the staging folders that exports to `outDir` killed meanwhile (kill -9, a crash, a power
 * cut: no cleanup runs) left beside it. Only those whose process is gone (jobs/owner.ts: the pid is
 * not running, or, where /proc tells, runs a process started later): a concurrent export's folder
 * stays, as do another host's and any folder not named by makeStage. Best effort: a folder that
 * cannot be removed stays, and the export goes on.
 */
async function removeAbandonedStages(parent: string, outDir: string): Promise<void> {
  const prefix = stagePrefix(outDir);
  const names = await readdir(parent).catch(() => [] as string[]);
  for (const name of names) {
    const owner = stageOwner(name, prefix);
    if (owner === null || ownerAlive(owner, null)) continue;
    await rm(join(parent, name), { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * Moves every file of `from` into `to` (folders merged), each by one rename. Every entry is checked
 * before the first rename, so a refused merge leaves the destination as it was: a folder of the
 * export must meet a folder or nothing, a file a file or nothing (replaced only with `overwrite`,
 * a file or link there is otherwise refused: wouldReplace; a dataset's image file always is:
 * wouldReplaceImages); each folder merged
 * into must be writable and on the staging folder's file system (a rename cannot cross a mount);
 * and a web client's export merges only into folders whose real location is inside the workspace
 * (api/readScope.ts): a symbolic link in the export folder, to a folder elsewhere, is refused. Only
 * a fault during the renames themselves (a failing disk) can still stop the merge part-way.
 */
async function moveInto(
  from: string,
  to: string,
  overwrite: boolean,
  registeredImages: ((files: string[]) => Promise<RegisteredImageHit[]>) | undefined,
): Promise<void> {
  const device = (await stat(from)).dev;
  const renames: Array<[string, string]> = [];
  const replaced: string[] = [];
  const plan = async (src: string, dst: string): Promise<void> => {
    await checkMergeFolder(dst, device);
    for (const entry of await readdir(src, { withFileTypes: true })) {
      const s = join(src, entry.name);
      const d = join(dst, entry.name);
      const there = await kindAt(d);
      if (entry.isDirectory() && there === 'folder') await plan(s, d);
      else if (entry.isDirectory() && there === 'other')
        throw inTheWay(d, 'exists and is not a folder, but the export writes a folder there');
      else if (!entry.isDirectory() && there === 'folder') throw inTheWay(d, 'is a folder, but the export writes a file there');
      else {
        if (there === 'other') replaced.push(d);
        renames.push([s, d]);
      }
    }
  };
  await plan(from, to);
  // First, with or without overwrite: --overwrite would not help, so the refusal must not suggest it.
  const images = replaced.length > 0 && registeredImages !== undefined ? await registeredImages(replaced) : [];
  if (images.length > 0) throw wouldReplaceImages(to, images);
  if (!overwrite && replaced.length > 0) throw wouldReplace(to, replaced);
  for (const [src, dst] of renames) await rename(src, dst);
}

/**
 * What is at `path` already: nothing; a folder (a link to one counts: merged into, where the link
 * leads); or something else. A file or a link is replaced by a file of the export, since rename
 * replaces the link itself, never what it leads to; a real folder cannot be.
 */
async function kindAt(path: string): Promise<'none' | 'folder' | 'other'> {
  const own = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (own === null) return 'none';
  if (own.isDirectory()) return 'folder';
  if (!own.isSymbolicLink()) return 'other';
  const target = await stat(path).catch(() => null);
  return target?.isDirectory() === true ? 'folder' : 'other';
}

/** A folder an export merges into: inside the workspace for a web client, writable, on the staging folder's disk. */
async function checkMergeFolder(dst: string, device: number): Promise<void> {
  if (!writableFolder(dst)) {
    throw new ApiError(
      'UNAUTHORIZED',
      `${dst} leads outside the workspace (a symbolic link?); over the web UI an export writes only inside it`,
      {
        file: dst,
      },
    );
  }
  await access(dst, constants.W_OK | constants.X_OK);
  if ((await stat(dst)).dev !== device) {
    throw inTheWay(dst, 'is on another file system (a mount point, or a link to another disk): an export into it cannot be moved in');
  }
}

/**
 * The refusal of an export that would replace files already in its folder: one line with how many,
 * one or two of them (relative to the folder, in name order) and the two ways on.
 */
function wouldReplace(outDir: string, paths: string[]): ApiError {
  const names = paths.map((p) => relative(outDir, p).split(sep).join('/')).sort();
  const shown = names.slice(0, 2).join(', ') + (names.length > 2 ? ', …' : '');
  const what = names.length === 1 ? 'a file' : `${names.length} files`;
  return new ApiError(
    'CONFLICT',
    `${outDir} already has ${what} this export would replace (${shown}); nothing was written: choose an empty or new folder, or pass --overwrite to replace ${names.length === 1 ? 'it' : 'them'}`,
    { file: outDir, existing: names.length, examples: names.slice(0, 2) },
  );
}

/**
 * The refusal of an export that would replace a dataset's own image files (its masks and runs
 * belong to those bytes): one line with the dataset, how many, one or two of them.
 */
function wouldReplaceImages(outDir: string, hits: RegisteredImageHit[]): ApiError {
  const datasets = [...new Set(hits.map((h) => h.dataset))].sort();
  const names = [...new Set(hits.map((h) => relative(outDir, h.file).split(sep).join('/')))].sort();
  const shown = names.slice(0, 2).join(', ') + (names.length > 2 ? ', …' : '');
  const what = names.length === 1 ? 'an image file' : `${names.length} image files`;
  const whose = datasets.length === 1 ? `dataset "${datasets[0]}"` : `datasets ${datasets.map((d) => `"${d}"`).join(', ')}`;
  return new ApiError(
    'CONFLICT',
    `${outDir} holds ${what} of ${whose} that this export would replace (${shown}); nothing was written: an export never replaces a dataset's images, even with --overwrite; choose another export folder`,
    { file: outDir, datasets, images: names.length, examples: names.slice(0, 2) },
  );
}

function inTheWay(path: string, why: string): ApiError {
  return new ApiError('INVALID_INPUT', `${path} ${why}; move it away or choose another export folder`, { file: path });
}

/**
 * writeFile that names its file in its errors: a write's ENOSPC or EIO comes from the file handle, so
 * Node's error carries no path, and the export's one line (jobs/faults.ts) could not say what it was
 * writing; copyFile's did.
 */
export async function writeExportFile(path: string, data: string | Uint8Array): Promise<void> {
  try {
    await writeFile(path, data);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e instanceof Error && e.path === undefined) e.path = path;
    throw err;
  }
}
