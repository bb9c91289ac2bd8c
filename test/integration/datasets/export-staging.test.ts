/**
 * How an export reaches its folder (datasets/exportStaging.ts): the folder gets the mode a plain
 * mkdir gives, a merge into an existing folder is refused whole when anything is in the way, a path
 * under a file is one line naming it, and the staging folder of a killed export is removed by the
 * next export to the same folder, never one of a live export.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { TesseraClient } from '../../../src/shared';
import { ImportResult } from '../../../src/shared';
import { REPO } from '../../helpers/cli';
import { finishJob } from '../../helpers/engine';
import { makeFolderDataset } from '../../helpers/fixtures';
import { setup } from './store';

const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) await kill9(child);
});

async function importShapes(root: string, client: TesseraClient): Promise<number> {
  const data = await makeFolderDataset(join(root, 'data'), 3);
  const done = await finishJob(client, () =>
    client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'shapes' }),
  );
  return ImportResult.parse(done.result).datasetId;
}

function exportVoc(client: TesseraClient, datasetId: number, outDir: string, overwrite?: boolean) {
  return finishJob(client, () => client.call('datasets.export', { datasetId, format: 'voc', outDir, overwrite }));
}

/** Every path under `dir` (relative, sorted) with a file's content, to compare a folder before and after. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((p) => {
      const full = join(dir, p);
      return statSync(full).isDirectory() ? `${p}/` : `${p}: ${readFileSync(full, 'utf8')}`;
    });
}

/** The hidden staging folders beside `outDir`. */
function stages(outDir: string): string[] {
  return readdirSync(dirname(outDir)).filter((n) => n.startsWith(`.${basename(outDir)}.tessera-export-`));
}

/**
 * Another process in the middle of an export to `outDir`: writeStaged has made its staging folder and
 * written a file into it, and the process waits there (to be killed, or to run on as a live export).
 */
async function exportInAnotherProcess(outDir: string): Promise<{ child: ChildProcess; stage: string }> {
  const script = `
    import { writeFileSync } from 'node:fs';
    import { join } from 'node:path';
    import { writeStaged } from ${JSON.stringify(join(REPO, 'src/main/engine/datasets/exportStaging.ts'))};
    setInterval(() => undefined, 1 << 30);
    await writeStaged(${JSON.stringify(outDir)}, async (dir) => {
      writeFileSync(join(dir, 'instances.json'), '{}');
      process.stdout.write('STAGED ' + dir + '\\n');
      await new Promise(() => undefined);
    });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const stage = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /STAGED (.+)\n/.exec(out);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`the export process exited with ${code}: ${err}`)));
  });
  return { child, stage };
}

async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

describe('export staging', () => {
  it('gives the export folder the mode a plain mkdir gets (0777 less the umask), not 0700', async () => {
    const { root, client } = setup();
    const datasetId = await importShapes(root, client);
    // A umask of 022 (the usual one) tells 0755 from mkdtemp's 0700.
    const umask = process.umask(0o022);
    try {
      const out = join(root, 'out');
      expect((await exportVoc(client, datasetId, out)).status).toBe('succeeded');
      mkdirSync(join(root, 'plain'));
      expect(statSync(out).mode & 0o777).toBe(0o755);
      expect(statSync(out).mode & 0o777).toBe(statSync(join(root, 'plain')).mode & 0o777);
      for (const sub of ['JPEGImages', 'SegmentationClass']) expect(statSync(join(out, sub)).mode & 0o777).toBe(0o755);
    } finally {
      process.umask(umask);
    }
  });

  it('refuses a merge with anything in the way before moving a file: the folder stays as it was', async () => {
    const { root, client } = setup();
    const datasetId = await importShapes(root, client);
    // A file where the export has a folder, in a folder that holds nothing else yet.
    const fileForFolder = join(root, 'file-for-folder');
    mkdirSync(fileForFolder);
    writeFileSync(join(fileForFolder, 'SegmentationClass'), 'mine');
    // A folder where the export has a file (its last mask), in a folder holding an older export
    // whose every file is marked, so that a file moved in before the refusal shows.
    const folderForFile = join(root, 'folder-for-file');
    expect((await exportVoc(client, datasetId, folderForFile)).status).toBe('succeeded');
    for (const p of readdirSync(folderForFile, { recursive: true, encoding: 'utf8' })) {
      if (statSync(join(folderForFile, p)).isFile()) writeFileSync(join(folderForFile, p), 'older');
    }
    const masks = join(folderForFile, 'SegmentationClass');
    const lastMask = join(masks, readdirSync(masks).sort().at(-1)!);
    rmSync(lastMask);
    mkdirSync(lastMask);
    writeFileSync(join(lastMask, 'note'), 'mine');

    for (const [dir, blocked, why] of [
      [fileForFolder, join(fileForFolder, 'SegmentationClass'), 'exists and is not a folder, but the export writes a folder there'],
      [folderForFile, lastMask, 'is a folder, but the export writes a file there'],
    ] as const) {
      const before = tree(dir);
      const done = await exportVoc(client, datasetId, dir);
      expect(done.status).toBe('failed');
      expect(done.error).toMatchObject({
        code: 'INVALID_INPUT',
        message: `${blocked} ${why}; move it away or choose another export folder`,
      });
      expect(tree(dir), relative(root, dir)).toEqual(before);
      expect(stages(dir)).toEqual([]);
    }
  });

  it('an export under a file says which file is in the way', async () => {
    const { root, client } = setup();
    const datasetId = await importShapes(root, client);
    const file = join(root, 'afile');
    writeFileSync(file, 'x');
    for (const out of [join(file, 'sub'), join(file, 'sub', 'deeper')]) {
      const done = await exportVoc(client, datasetId, out);
      expect(done.status).toBe('failed');
      expect(done.error).toMatchObject({
        code: 'INVALID_INPUT',
        message: `${out}: ${file} is a file, not a folder: choose another export folder`,
      });
    }
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('an export where no folder can be made, or under a name too long, says so in one line (was "internal error")', async () => {
    const { root, client } = setup();
    const datasetId = await importShapes(root, client);
    const cases: Array<[string, string]> = [[join(root, 'x'.repeat(300)), 'a name in this path is too long for the file system']];
    // /proc refuses new entries with ENOENT though the folder exists.
    if (existsSync('/proc/self')) cases.push(['/proc/tessera-export', 'no such file or folder (or one cannot be made there)']);
    for (const [out, why] of cases) {
      const done = await exportVoc(client, datasetId, out);
      expect(done.status).toBe('failed');
      expect(done.error?.message).toMatch(new RegExp(`^\\S*: ${why.replace(/[()]/g, '\\$&')}$`));
      expect(done.error?.message).not.toMatch(/internal error/);
    }
  });

  it("removes a killed export's staging folder at the next export there, never a live export's", async () => {
    const { root, client } = setup();
    const datasetId = await importShapes(root, client);
    const out = join(root, 'out');
    // The live one first: an export starting after the kill would already remove the killed one's folder.
    const live = await exportInAnotherProcess(out);
    const killed = await exportInAnotherProcess(out);
    await kill9(killed.child);
    // An older Tessera's staging folder (mkdtemp's name): it names no owner, so it is not ours to judge.
    const foreign = join(root, '.out.tessera-export-AbC123');
    mkdirSync(foreign);
    expect(existsSync(killed.stage) && existsSync(live.stage)).toBe(true);

    expect((await exportVoc(client, datasetId, out)).status).toBe('succeeded');
    expect(existsSync(killed.stage)).toBe(false);
    expect(existsSync(live.stage)).toBe(true);
    expect(stages(out).sort()).toEqual([basename(foreign), basename(live.stage)].sort());

    // Once the live one is gone too, the next export removes its folder.
    await kill9(live.child);
    expect((await exportVoc(client, datasetId, out, true)).status).toBe('succeeded');
    expect(stages(out)).toEqual([basename(foreign)]);
  });
});
