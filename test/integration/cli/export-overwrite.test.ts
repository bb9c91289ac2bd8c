import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tessera } from '../../helpers/cli';
import { makeFolderDataset, rectLabels, tempDir, writeGreyMask } from '../../helpers/fixtures';

// Runs the BUILT CLI (node tools/build.mjs first). `tessera export --out` into a folder that holds
// files of the same names (here the dataset's own ground-truth masks) replaced them without a word.
let t: ReturnType<typeof tempDir>;
let masks: string;
let images: string;
const cli = (...args: string[]) => tessera(['--workspace', join(t.dir, 'ws'), ...args]);
const md5s = (dir: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [
        f,
        createHash('md5')
          .update(readFileSync(join(dir, f)))
          .digest('hex'),
      ]),
  );

beforeAll(async () => {
  t = tempDir('tessera-export-overwrite-');
  const data = await makeFolderDataset(join(t.dir, 's1d'), 3);
  masks = data.masks;
  images = data.images;
  const preds = join(t.dir, 's1d', 'pred');
  mkdirSync(preds);
  for (const name of ['img_000', 'img_001', 'img_002'])
    writeGreyMask(join(preds, `${name}.png`), 64, 48, rectLabels(64, 48, { x: 1, y: 1, w: 30, h: 20 }, 2));
  expect(cli('init').code).toBe(0);
  expect(cli('import', 'folder', data.images, '--masks', masks, '--name', 's1d').code).toBe(0);
  expect(cli('import', 'predictions', preds, '--dataset', 's1d', '--run', 'p', '--format', 'png').code).toBe(0);
}, 120_000);
afterAll(() => t.cleanup());

describe('tessera export into a folder holding files it would write', () => {
  it('refuses in one line with exit 1 and writes nothing; --overwrite replaces them', () => {
    const before = md5s(masks);
    expect(Object.keys(before)).toEqual(['img_000.png', 'img_001.png', 'img_002.png']);
    for (const json of [[], ['--json']]) {
      const refused = cli('export', '--dataset', 's1d', '--run', 'p', '--format', 'voc', '--out', masks, ...json);
      expect(refused).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: ${masks} already has 3 files this export would replace (img_000.png, img_001.png, …); nothing was written: choose an empty or new folder, or pass --overwrite to replace them\n`,
      });
      expect(md5s(masks)).toEqual(before);
      expect(readdirSync(join(t.dir, 's1d')).sort()).toEqual(['images', 'masks', 'pred']);
    }

    const replaced = cli('export', '--dataset', 's1d', '--run', 'p', '--format', 'voc', '--out', masks, '--overwrite');
    expect(replaced).toEqual({ code: 0, stdout: `wrote 3 file(s) for 3 image(s) to ${masks}\n`, stderr: '' });
    const after = md5s(masks);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    for (const f of Object.keys(before)) expect(after[f], f).not.toBe(before[f]);
  });
});

describe("tessera export never replaces a dataset's own image files", () => {
  it('refuses in one line with exit 1 even with --overwrite, naming the dataset; the images stay and still export', () => {
    const before = md5s(images);
    expect(Object.keys(before)).toEqual(['img_000.png', 'img_001.png', 'img_002.png']);
    for (const overwrite of [['--overwrite'], []]) {
      const refused = cli('export', '--dataset', 's1d', '--run', 'p', '--format', 'voc', '--out', images, ...overwrite);
      expect(refused).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: ${images} holds 3 image files of dataset "s1d" that this export would replace (img_000.png, img_001.png, …); nothing was written: an export never replaces a dataset's images, even with --overwrite; choose another export folder\n`,
      });
      expect(md5s(images)).toEqual(before);
      expect(readdirSync(join(t.dir, 's1d')).sort()).toEqual(['images', 'masks', 'pred']);
    }
    const gt = join(t.dir, 'gt');
    expect(cli('export', '--dataset', 's1d', '--format', 'voc', '--out', gt)).toMatchObject({ code: 0, stderr: '' });
    expect(md5s(join(gt, 'JPEGImages'))).toEqual(before);
  });
});

/** `dir` not writable by the CLI (run as this user): chattr +i as root (EPERM), else mode 0555 (EACCES); null where it cannot be. */
function lockFolder(dir: string): { why: string; undo: () => void } | null {
  if (process.getuid?.() === 0) {
    if (spawnSync('chattr', ['+i', dir]).status !== 0) return null;
    return { why: 'operation not permitted', undo: () => void spawnSync('chattr', ['-i', dir]) };
  }
  chmodSync(dir, 0o555);
  return { why: 'permission denied', undo: () => chmodSync(dir, 0o755) };
}

describe('tessera export into a folder it cannot use says why in one line', () => {
  it('--out a symbolic link to a missing target: said so, exit 1, nothing made', () => {
    const nowhere = join(t.dir, 'nowhere');
    const out = join(t.dir, 'dangling');
    symlinkSync(nowhere, out);
    const before = readdirSync(t.dir).sort();
    expect(cli('export', '--dataset', 's1d', '--format', 'voc', '--out', out)).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: ${out} is a symbolic link to a missing target (${nowhere}): make the folder it leads to, or choose another export folder\n`,
    });
    expect(readdirSync(t.dir).sort()).toEqual(before);
    expect(existsSync(nowhere)).toBe(false);
  });

  it('a parent of --out that may not be written: names the parent and why, exit 1, nothing written', (ctx) => {
    const parent = join(t.dir, 'locked');
    const out = join(parent, 'out');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'mine.txt'), 'mine');
    const before = md5s(out);
    const lock = lockFolder(parent);
    if (lock === null) return ctx.skip();
    try {
      expect(cli('export', '--dataset', 's1d', '--format', 'voc', '--out', out)).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: cannot write in ${parent} (${lock.why}): an export is first written into a hidden folder beside ${out}, then moved in; make ${parent} writable, or choose an export folder elsewhere\n`,
      });
      expect(readdirSync(parent)).toEqual(['out']);
      expect(md5s(out)).toEqual(before);
    } finally {
      lock.undo();
    }
  });
});
