import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import type { Db } from '../store/db';
import { datasetSourcePaths, registeredImagePaths } from '../store/repos/datasetReads';

/** A file an export would replace that is the registered image of a dataset (images.path). */
export interface RegisteredImageHit {
  /** The dataset's name. */
  dataset: string;
  /** The path as the export gave it (one of `files`). */
  file: string;
}

/**
 * Which of `files` (files already in an export folder that the export would replace) are image
 * files of a dataset in this workspace, any dataset (images.path). Each file is looked up as given,
 * and as the entry it is once the folders on its way are resolved (realpath of its folder: a link
 * to a folder, /tmp on macOS), and, for a dataset imported through a link to a folder (its
 * source_path), under that link too. The file's own name is never resolved: a link there is
 * replaced as a link (rename), never what it leads to, so only a link that is itself a registered
 * image counts. One indexed query (images(dataset_id, path) for each dataset), one realpath per
 * folder and per dataset source: cheap for any size of dataset.
 */
export async function registeredImagesAmong(db: Db, files: readonly string[]): Promise<RegisteredImageHit[]> {
  if (files.length === 0) return [];
  const realFolders = new Map<string, string>();
  const realFolder = async (dir: string): Promise<string> => {
    let real = realFolders.get(dir);
    if (real === undefined) {
      real = await realpath(dir).catch(() => dir);
      realFolders.set(dir, real);
    }
    return real;
  };
  const sources = await linkedSources(db);
  // Every spelling of each file that a registered path may have, to the file as given.
  const spelled = new Map<string, string>();
  for (const file of files) {
    const real = join(await realFolder(dirname(file)), basename(file));
    for (const candidate of [file, real]) if (!spelled.has(candidate)) spelled.set(candidate, file);
    for (const [given, resolved] of sources)
      if (real.startsWith(resolved + sep)) {
        const candidate = given + real.slice(resolved.length);
        if (!spelled.has(candidate)) spelled.set(candidate, file);
      }
  }
  const rows = registeredImagePaths(db, [...spelled.keys()]);
  const hits: RegisteredImageHit[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const file = spelled.get(row.path);
    if (file === undefined || seen.has(`${row.dataset}\0${file}`)) continue;
    seen.add(`${row.dataset}\0${file}`);
    hits.push({ dataset: row.dataset, file });
  }
  return hits;
}

/**
 * The datasets' sources (the folder imported, or the folder of the file imported) whose real
 * location differs from the path stored: [stored, real]. Their images' paths go through that link.
 */
async function linkedSources(db: Db): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (const path of datasetSourcePaths(db)) {
    const info = await stat(path).catch(() => null);
    if (info === null) continue;
    const folder = info.isDirectory() ? path : dirname(path);
    const real = await realpath(folder).catch(() => null);
    if (real !== null && real !== folder) out.push([folder, real]);
  }
  return out;
}
