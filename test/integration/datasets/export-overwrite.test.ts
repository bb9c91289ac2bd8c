/**
 * An export never replaces a file already in its folder unless asked (`overwrite`): it is refused
 * whole, in one line naming how many files and one or two of them, before anything is moved in,
 * in every format and over both transports; files the export does not write stay as they are.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { TesseraClient } from '../../../src/shared';
import { ImportResult } from '../../../src/shared';
import { PredictionsImportResult } from '../../../src/shared/api/methods/datasets';
import { startServer } from '../../../src/main/server/server';
import { finishJob } from '../../helpers/engine';
import { makeFolderDataset, rectLabels, writeGreyMask } from '../../helpers/fixtures';
import { npyBytes } from '../../unit/engine/datasets/npyBytes';
import { setup } from './store';

const md5 = (path: string): string => createHash('md5').update(readFileSync(path)).digest('hex');

/** Every file under `dir`, relative with '/', sorted, with its md5: a folder's contents before and after. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const full = join(dir, p);
    if (lstatSync(full).isSymbolicLink()) out[p] = `-> ${realpathSync(full)}`;
    else if (statSync(full).isFile()) out[p] = md5(full);
  }
  return out;
}

/** The hidden staging folders beside `outDir` (none may be left after a refusal). */
function stages(outDir: string): string[] {
  return readdirSync(dirname(outDir)).filter((n) => n.startsWith(`.${basename(outDir)}.tessera-export-`));
}

function refusal(outDir: string, names: string[]): string {
  const sorted = [...names].sort();
  const shown = sorted.slice(0, 2).join(', ') + (sorted.length > 2 ? ', …' : '');
  const what = sorted.length === 1 ? 'a file' : `${sorted.length} files`;
  const them = sorted.length === 1 ? 'it' : 'them';
  return `${outDir} already has ${what} this export would replace (${shown}); nothing was written: choose an empty or new folder, or pass --overwrite to replace ${them}`;
}

/** The refusal of an export that would replace a dataset's registered image files (with or without overwrite). */
function imagesRefusal(outDir: string, dataset: string, names: string[]): string {
  const sorted = [...names].sort();
  const shown = sorted.slice(0, 2).join(', ') + (sorted.length > 2 ? ', …' : '');
  const what = sorted.length === 1 ? 'an image file' : `${sorted.length} image files`;
  return `${outDir} holds ${what} of dataset "${dataset}" that this export would replace (${shown}); nothing was written: an export never replaces a dataset's images, even with --overwrite; choose another export folder`;
}

interface Fixture {
  root: string;
  client: TesseraClient;
  datasetId: number;
  /** The dataset's own image files (registered: images.path). */
  images: string;
  masks: string;
  /** A run of PNG predictions (voc, coco). */
  pngRun: number;
  /** A run of .npy heatmaps (npy). */
  npyRun: number;
}

async function fixture(s: ReturnType<typeof setup>): Promise<Fixture> {
  const { root, client } = s;
  const data = await makeFolderDataset(join(root, 'data'), 3);
  const imported = await finishJob(client, () =>
    client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'shapes' }),
  );
  const datasetId = ImportResult.parse(imported.result).datasetId;
  const preds = join(root, 'preds');
  const maps = join(root, 'maps');
  mkdirSync(preds);
  mkdirSync(maps);
  for (const name of ['img_000', 'img_001', 'img_002']) {
    writeGreyMask(join(preds, `${name}.png`), 64, 48, rectLabels(64, 48, { x: 2, y: 2, w: 10, h: 10 }, 1));
    writeFileSync(
      join(maps, `${name}.npy`),
      npyBytes(
        '<f4',
        [3, 4],
        Float32Array.from({ length: 12 }, (_, i) => i / 12),
      ),
    );
  }
  const png = await finishJob(client, () => client.call('runs.importPredictions', { datasetId, run: 'png', format: 'png', path: preds }));
  const npy = await finishJob(client, () => client.call('runs.importPredictions', { datasetId, run: 'npy', format: 'npy', path: maps }));
  return {
    root,
    client,
    datasetId,
    images: data.images,
    masks: data.masks,
    pngRun: PredictionsImportResult.parse(png.result).runId,
    npyRun: PredictionsImportResult.parse(npy.result).runId,
  };
}

type Target = { format: 'voc' | 'coco' | 'npy' | 'points'; runId?: number };

function exportTo(f: Fixture, target: Target, outDir: string, overwrite?: boolean) {
  return finishJob(f.client, () =>
    f.client.call('datasets.export', { datasetId: f.datasetId, ...target, outDir, ...(overwrite === undefined ? {} : { overwrite }) }),
  );
}

describe('export never replaces an existing file unless overwrite', () => {
  it("a run's VOC export into the dataset's own mask folder is refused; the ground-truth masks stay byte for byte", async () => {
    const f = await fixture(setup());
    const before = tree(f.masks);
    expect(Object.keys(before)).toEqual(['img_000.png', 'img_001.png', 'img_002.png']);
    const done = await exportTo(f, { format: 'voc', runId: f.pngRun }, f.masks);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'CONFLICT', message: refusal(f.masks, Object.keys(before)) });
    expect(done.error?.message).not.toMatch(/\n/);
    expect(done.error?.details).toMatchObject({ existing: 3, examples: ['img_000.png', 'img_001.png'] });
    expect(tree(f.masks)).toEqual(before);
    expect(stages(f.masks)).toEqual([]);
  });

  it('every format: a second export into the same folder is refused whole (the folder as it was); with overwrite it is replaced', async () => {
    const f = await fixture(setup());
    const targets: Array<[string, Target]> = [
      ['voc', { format: 'voc' }],
      ['voc-run', { format: 'voc', runId: f.pngRun }],
      ['coco', { format: 'coco' }],
      ['coco-run', { format: 'coco', runId: f.pngRun }],
      ['npy', { format: 'npy', runId: f.npyRun }],
    ];
    for (const [name, target] of targets) {
      const out = join(f.root, 'out', name);
      expect((await exportTo(f, target, out)).status, name).toBe('succeeded');
      const exported = tree(out);
      // The user's files now: every one changed, so that any file the refused export moved in would show.
      for (const p of Object.keys(exported)) writeFileSync(join(out, p), `mine: ${p}`);
      const mine = tree(out);

      const again = await exportTo(f, target, out);
      expect(again.status, name).toBe('failed');
      expect(again.error, name).toMatchObject({ code: 'CONFLICT', message: refusal(out, Object.keys(exported)) });
      expect(tree(out), name).toEqual(mine);
      expect(stages(out), name).toEqual([]);
      // overwrite: false is the default, said out loud.
      expect((await exportTo(f, target, out, false)).error?.code, name).toBe('CONFLICT');
      expect(tree(out), name).toEqual(mine);

      const replaced = await exportTo(f, target, out, true);
      expect(replaced.error, name).toBeNull();
      expect(replaced.result, name).toMatchObject({ files: Object.keys(exported).length });
      expect(tree(out), name).toEqual(exported);
      expect(stages(out), name).toEqual([]);
    }
  });

  it('a folder holding only other files takes the export beside them; they stay as they were (with or without overwrite)', async () => {
    const f = await fixture(setup());
    const out = join(f.root, 'mixed');
    mkdirSync(join(out, 'SegmentationClass'), { recursive: true });
    writeFileSync(join(out, 'README.txt'), 'my notes');
    writeFileSync(join(out, 'SegmentationClass', 'other.png'), 'not one of the export');
    const mine = tree(out);
    const done = await exportTo(f, { format: 'voc' }, out);
    expect(done.error).toBeNull();
    const after = tree(out);
    expect(after).toMatchObject(mine);
    expect(Object.keys(after)).toContain('SegmentationClass/img_000.png');
    // Overwrite replaces only what the export writes.
    writeFileSync(join(out, 'labelmap.txt'), 'edited');
    expect((await exportTo(f, { format: 'voc' }, out, true)).error).toBeNull();
    expect(tree(out)).toEqual(after);
  });

  it('a link where the export writes a file counts as an existing file: refused, link and target untouched; overwrite replaces the link only', async () => {
    const f = await fixture(setup());
    const out = join(f.root, 'linked');
    mkdirSync(out);
    const target = join(f.root, 'precious.png');
    writeFileSync(target, 'precious');
    symlinkSync(target, join(out, 'img_001.png'));
    const done = await exportTo(f, { format: 'voc', runId: f.pngRun }, out);
    expect(done.error).toMatchObject({ code: 'CONFLICT', message: refusal(out, ['img_001.png']) });
    expect(readdirSync(out)).toEqual(['img_001.png']);
    expect(lstatSync(join(out, 'img_001.png')).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('precious');

    expect((await exportTo(f, { format: 'voc', runId: f.pngRun }, out, true)).error).toBeNull();
    expect(lstatSync(join(out, 'img_001.png')).isSymbolicLink()).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe('precious');
  });

  it('over HTTP (the web UI): the same refusal as a failed job, overwrite: true replaces; a non-boolean overwrite is refused by the contract', async () => {
    const s = setup();
    const f = await fixture(s);
    const token = 'export-overwrite-token-0123456789';
    const server = await startServer({ engine: s.engine, host: '127.0.0.1', port: 0, token, staticDir: null });
    try {
      const call = async (method: string, input: unknown) => {
        const res = await fetch(`http://127.0.0.1:${server.port}/api/call/${method}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(input),
        });
        return (await res.json()) as { ok: boolean; value?: Record<string, unknown>; error?: { code: string; message: string } };
      };
      const job = async (input: Record<string, unknown>) => {
        const started = await call('datasets.export', { datasetId: f.datasetId, format: 'voc', runId: f.pngRun, ...input });
        expect(started.ok, JSON.stringify(started.error)).toBe(true);
        for (;;) {
          const state = (await call('jobs.get', { jobId: started.value?.['jobId'] })).value;
          if (state !== undefined && state['status'] !== 'queued' && state['status'] !== 'running') return state;
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      const out = realpathSync(join(f.root, 'ws'));
      const folder = join(out, 'exports', 'web');
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'img_000.png'), 'mine 0');
      writeFileSync(join(folder, 'img_002.png'), 'mine 2');
      const mine = tree(folder);

      const refused = await job({ outDir: 'exports/web' });
      expect(refused['status']).toBe('failed');
      expect(refused['error']).toMatchObject({ code: 'CONFLICT', message: refusal(folder, ['img_000.png', 'img_002.png']) });
      expect(tree(folder)).toEqual(mine);
      expect(stages(folder)).toEqual([]);

      const invalid = await call('datasets.export', { datasetId: f.datasetId, format: 'voc', outDir: 'exports/web', overwrite: 'yes' });
      expect(invalid.ok).toBe(false);
      expect(invalid.error?.code).toBe('INVALID_INPUT');
      expect(tree(folder)).toEqual(mine);

      expect((await job({ outDir: 'exports/web', overwrite: true }))['status']).toBe('succeeded');
      expect(Object.keys(tree(folder))).toEqual(['img_000.png', 'img_001.png', 'img_002.png']);
      expect(readFileSync(join(folder, 'img_000.png'), 'utf8')).not.toBe('mine 0');
      expect(existsSync(join(folder, 'img_001.png'))).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe("an export never replaces a dataset's image files, even with overwrite", () => {
  it("a run's VOC export into the dataset's own image folder is refused in one line, with or without overwrite; the images stay byte for byte", async () => {
    const f = await fixture(setup());
    const before = tree(f.images);
    expect(Object.keys(before)).toEqual(['img_000.png', 'img_001.png', 'img_002.png']);
    for (const overwrite of [true, false, undefined]) {
      const done = await exportTo(f, { format: 'voc', runId: f.pngRun }, f.images, overwrite);
      expect(done.status, String(overwrite)).toBe('failed');
      expect(done.error, String(overwrite)).toMatchObject({
        code: 'CONFLICT',
        message: imagesRefusal(f.images, 'shapes', Object.keys(before)),
      });
      expect(done.error?.message).not.toMatch(/\n/);
      expect(done.error?.details).toMatchObject({ datasets: ['shapes'], images: 3, examples: ['img_000.png', 'img_001.png'] });
      expect(tree(f.images)).toEqual(before);
      expect(stages(f.images)).toEqual([]);
    }
    // The images are still the ones imported: the ground truth exports them as they were.
    const gt = join(f.root, 'gt');
    expect((await exportTo(f, { format: 'voc' }, gt)).error).toBeNull();
    for (const [name, sum] of Object.entries(before)) expect(md5(join(gt, 'JPEGImages', name)), name).toBe(sum);
  });

  it('the image folder reached through a link to a folder is refused the same way (the path named as given)', async () => {
    const f = await fixture(setup());
    const before = tree(f.images);
    const via = join(f.root, 'via');
    symlinkSync(dirname(f.images), via);
    const out = join(via, 'images');
    const done = await exportTo(f, { format: 'voc', runId: f.pngRun }, out, true);
    expect(done.error).toMatchObject({ code: 'CONFLICT', message: imagesRefusal(out, 'shapes', Object.keys(before)) });
    expect(tree(f.images)).toEqual(before);
    expect(stages(out)).toEqual([]);
  });

  it("another dataset's images, imported through a link and exported into by their real folder: refused naming that dataset; a file beside them is not written either", async () => {
    const f = await fixture(setup());
    const other = await makeFolderDataset(join(f.root, 'real'), 2);
    symlinkSync(join(f.root, 'real'), join(f.root, 'lnk'));
    const imported = await finishJob(f.client, () =>
      f.client.call('datasets.importFolder', { dir: join(f.root, 'lnk', 'images'), name: 'linked' }),
    );
    expect(imported.error).toBeNull();
    const before = tree(other.images);
    expect(Object.keys(before)).toEqual(['img_000.png', 'img_001.png']);
    // The run writes img_000..img_002.png: two of them are "linked"'s images, img_002.png would be new.
    const done = await exportTo(f, { format: 'voc', runId: f.pngRun }, other.images, true);
    expect(done.error).toMatchObject({
      code: 'CONFLICT',
      message: imagesRefusal(other.images, 'linked', ['img_000.png', 'img_001.png']),
    });
    expect(tree(other.images)).toEqual(before);
    expect(stages(other.images)).toEqual([]);
  });

  it("a link in the export folder to a dataset's image is replaced as a link with overwrite; the image it led to stays", async () => {
    const f = await fixture(setup());
    const before = tree(f.images);
    const out = join(f.root, 'links');
    mkdirSync(out);
    symlinkSync(join(f.images, 'img_001.png'), join(out, 'img_001.png'));
    expect((await exportTo(f, { format: 'voc', runId: f.pngRun }, out)).error).toMatchObject({
      code: 'CONFLICT',
      message: refusal(out, ['img_001.png']),
    });
    expect((await exportTo(f, { format: 'voc', runId: f.pngRun }, out, true)).error).toBeNull();
    expect(lstatSync(join(out, 'img_001.png')).isSymbolicLink()).toBe(false);
    expect(readdirSync(out).sort()).toEqual(['img_000.png', 'img_001.png', 'img_002.png']);
    expect(tree(f.images)).toEqual(before);
  });

  it('over HTTP (the web UI): overwrite: true into a folder of registered images inside the workspace is refused; they stay', async () => {
    const s = setup();
    const f = await fixture(s);
    const ws = realpathSync(join(f.root, 'ws'));
    const pics = await makeFolderDataset(join(ws, 'pics'), 3);
    const imported = await finishJob(f.client, () => f.client.call('datasets.importFolder', { dir: pics.images, name: 'pics' }));
    expect(imported.error).toBeNull();
    const before = tree(pics.images);
    const token = 'export-images-token-0123456789abc';
    const server = await startServer({ engine: s.engine, host: '127.0.0.1', port: 0, token, staticDir: null });
    try {
      const call = async (method: string, input: unknown) => {
        const res = await fetch(`http://127.0.0.1:${server.port}/api/call/${method}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(input),
        });
        return (await res.json()) as { ok: boolean; value?: Record<string, unknown>; error?: { code: string; message: string } };
      };
      const started = await call('datasets.export', {
        datasetId: f.datasetId,
        format: 'voc',
        runId: f.pngRun,
        outDir: 'pics/images',
        overwrite: true,
      });
      expect(started.ok, JSON.stringify(started.error)).toBe(true);
      let state: Record<string, unknown> | undefined;
      for (;;) {
        state = (await call('jobs.get', { jobId: started.value?.['jobId'] })).value;
        if (state !== undefined && state['status'] !== 'queued' && state['status'] !== 'running') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(state['status']).toBe('failed');
      expect(state['error']).toMatchObject({ code: 'CONFLICT', message: imagesRefusal(pics.images, 'pics', Object.keys(before)) });
      expect(tree(pics.images)).toEqual(before);
      expect(stages(pics.images)).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

/**
 * Makes `dir` a folder this process may not write in: chattr +i as root (root ignores modes: EPERM),
 * else mode 0555 (EACCES). Returns the reason the system gives and how to undo it; null where it
 * cannot be done (a file system without the immutable flag).
 */
function lockFolder(dir: string): { why: string; undo: () => void } | null {
  if (process.getuid?.() === 0) {
    if (spawnSync('chattr', ['+i', dir]).status !== 0) return null;
    return { why: 'operation not permitted', undo: () => void spawnSync('chattr', ['-i', dir]) };
  }
  chmodSync(dir, 0o555);
  return { why: 'permission denied', undo: () => chmodSync(dir, 0o755) };
}

describe('an export folder that cannot be used says why, naming the right path', () => {
  it('a symbolic link to a missing target (or a loop) as the export folder, or on its way: one line saying so; nothing made', async () => {
    const f = await fixture(setup());
    const nowhere = join(f.root, 'nowhere');
    const out = join(f.root, 'dangling');
    symlinkSync(nowhere, out);
    const loop = join(f.root, 'loop');
    symlinkSync(loop, loop);
    const before = readdirSync(f.root).sort();
    const cases: Array<[string, string]> = [
      [out, `${out} is a symbolic link to a missing target (${nowhere}): make the folder it leads to, or choose another export folder`],
      [
        join(out, 'sub'),
        `${join(out, 'sub')}: ${out} is a symbolic link to a missing target (${nowhere}): make the folder it leads to, or choose another export folder`,
      ],
      [loop, `${loop} is a symbolic link that leads back to itself (${loop}): point it at a folder, or choose another export folder`],
    ];
    for (const [outDir, message] of cases) {
      const done = await exportTo(f, { format: 'voc' }, outDir, true);
      expect(done.error, outDir).toMatchObject({ code: 'INVALID_INPUT', message });
      expect(readdirSync(f.root).sort(), outDir).toEqual(before);
      expect(readlinkSync(out)).toBe(nowhere);
      expect(existsSync(nowhere)).toBe(false);
    }
  });

  it('a parent folder that may not be written (the staging folder is made there): names that folder and why, not the export folder; nothing written', async (ctx) => {
    const f = await fixture(setup());
    const parent = join(f.root, 'locked');
    mkdirSync(join(parent, 'out'), { recursive: true });
    writeFileSync(join(parent, 'out', 'mine.txt'), 'mine');
    const before = tree(parent);
    const lock = lockFolder(parent);
    if (lock === null) return ctx.skip();
    try {
      for (const out of [join(parent, 'out'), join(parent, 'new', 'deeper')]) {
        const done = await exportTo(f, { format: 'voc' }, out);
        expect(done.error, out).toMatchObject({
          code: 'IO_ERROR',
          message: `cannot write in ${parent} (${lock.why}): an export is first written into a hidden folder beside ${out}, then moved in; make ${parent} writable, or choose an export folder elsewhere`,
        });
        expect(tree(parent), out).toEqual(before);
        expect(readdirSync(parent), out).toEqual(['out']);
      }
    } finally {
      lock.undo();
    }
  });
});
