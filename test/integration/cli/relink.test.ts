import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { tessera } from '../../helpers/cli';
import { tempDir } from '../../helpers/fixtures';
import { openTestEngine } from '../../helpers/engine';
import { engineInternals } from '../../../src/main/engine/internals';

// Runs the BUILT CLI (node tools/build.mjs first). Tessera stores absolute paths: a moved workspace that
// holds its own images and models (the demo, or ONNX files put in it for the browser UI) lost them all,
// every image "missing" and every model "vanished", with no way back but moving the folder back.
let t: ReturnType<typeof tempDir>;
let before: string;
let after: string;

beforeAll(() => {
  t = tempDir('tessera-relink-');
  before = join(t.dir, 'old', 'ws');
  after = join(t.dir, 'new', 'ws');
  expect(tessera(['--workspace', before, 'init', '--demo']).code).toBe(0);
  mkdirSync(join(t.dir, 'new'));
  renameSync(before, after);
}, 120_000);
afterAll(() => t.cleanup());

const cli = (...args: string[]) => tessera(['--workspace', after, ...args]);

describe('tessera relink after a folder moved', () => {
  it('points the moved images and models to their new place; runs and exports work again', () => {
    const moved = cli('run', '--model', 'toy-colour-semantic', '--dataset', 'demo-scenes', '--run', 'after-move');
    expect(moved.code).toBe(1);
    expect(moved.stderr).toContain(join(before, 'demo', 'models'));

    const dry = cli('relink', before, after, '--dry-run', '--json');
    expect(dry.code).toBe(0);
    const planned = JSON.parse(dry.stdout) as { images: number; datasets: number; models: number; missing: number };
    // 24 scenes and 12 referring images live in the workspace (the photos are the repository's); 7 toy models.
    expect(planned).toMatchObject({ images: 36, models: 7, missing: 0 });
    expect(cli('run', '--model', 'toy-colour-semantic', '--dataset', 'demo-scenes', '--run', 'after-move').code).toBe(1);

    const done = cli('relink', before, after);
    expect(done.stderr).toBe('');
    expect(done.stdout).toBe(`relinked 36 images, ${planned.datasets} dataset sources and 7 models from ${before} to ${after}\n`);
    const run = cli('run', '--model', 'toy-colour-semantic', '--dataset', 'demo-scenes', '--run', 'after-move', '--json');
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({ failed: 0 });
    // The process that ran a model leaves no empty onnxruntime telemetry log in /tmp (models/inference/worker.ts).
    expect(existsSync(`/tmp/mat-debug-${run.pid}.log`)).toBe(false);
    expect(cli('export', '--dataset', 'demo-scenes', '--format', 'voc', '--out', join(t.dir, 'voc')).code).toBe(0);
    expect(cli('check').code).toBe(0);
    // Again: nothing is under the old folder any more.
    expect(cli('relink', before, after).stdout).toBe(`nothing stored under ${before}: nothing to relink\n`);
  });

  it('refuses a relative path, a folder that does not exist, and web clients', async () => {
    expect(cli('relink', 'old/ws', after).stderr).toBe('error: the folder the files were in must be an absolute path (got "old/ws")\n');
    expect(cli('relink', before, join(t.dir, 'nowhere')).stderr).toBe(`error: ${join(t.dir, 'nowhere')} is not a folder\n`);
    const { engine } = openTestEngine(after);
    try {
      const r = await engine.dispatch('workspace.relink', { from: after, to: t.dir }, { transport: 'http' });
      expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    } finally {
      await engine.close();
    }
  });

  it('refuses a relink that would give two images of one dataset the same path, changing nothing', async () => {
    const a = join(t.dir, 'clash', 'a');
    const b = join(t.dir, 'clash', 'b');
    mkdirSync(a, { recursive: true });
    mkdirSync(b, { recursive: true });
    const ws = join(t.dir, 'clash', 'ws');
    const { engine } = openTestEngine(ws);
    try {
      const { db, repos } = engineInternals(engine);
      db.transaction(() => {
        const datasetId = repos.datasets.create({ name: 'two-folders', format: 'coco', task: 'semantic', sourcePath: null });
        for (const dir of [a, b])
          repos.images.create({
            datasetId,
            path: join(dir, 'x.png'),
            fileName: `${dir === a ? 'a' : 'b'}/x.png`,
            sha256: 'f',
            bytes: 0,
            width: 4,
            height: 4,
          });
      })();
      const paths = (): string[] => db.prepare('SELECT path FROM images ORDER BY id').pluck().all() as string[];
      const r = await engine.dispatch('workspace.relink', { from: a, to: b });
      expect(r).toMatchObject({
        ok: false,
        error: {
          code: 'INVALID_INPUT',
          message: `relinking ${a} to ${b} would give 1 path to two images of one dataset (first: ${join(b, 'x.png')}, images 1 and 2); nothing was changed`,
        },
      });
      expect(paths()).toEqual([join(a, 'x.png'), join(b, 'x.png')]);
    } finally {
      await engine.close();
    }
  });
});
