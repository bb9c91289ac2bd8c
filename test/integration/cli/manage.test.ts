import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeToys } from '../../../tools/toy-models';
import { tessera } from '../../helpers/cli';
import { tempDir, writeSolidImage } from '../../helpers/fixtures';
import { writeSceneDataset } from '../../helpers/scenes';

let t: ReturnType<typeof tempDir>;
let ws: string;
const cli = (...args: string[]) => tessera(['--workspace', ws, ...args]);
const count = (sql: string): number => {
  const db = new Database(join(ws, 'tessera.db'), { readonly: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
};

beforeAll(async () => {
  t = tempDir();
  ws = join(t.dir, 'ws');
  const manifests = writeToys(join(t.dir, 'models'), ['semantic-seg']);
  const data = await writeSceneDataset(join(t.dir, 'scenes'), [
    {
      name: 'a',
      width: 40,
      height: 32,
      rects: [
        { x: 2, y: 2, w: 10, h: 10, cls: 1 },
        { x: 20, y: 4, w: 8, h: 8, cls: 2 },
        { x: 4, y: 20, w: 8, h: 8, cls: 3 },
      ],
    },
  ]);
  mkdirSync(join(t.dir, 'plain'));
  await writeSolidImage(join(t.dir, 'plain', 'p.png'), 16, 16, [1, 2, 3]);
  for (const args of [
    ['init'],
    ['models', 'add', manifests['semantic-seg'] as string],
    ['import', 'folder', data.images, '--masks', data.masks, '--name', 'scenes'],
    ['import', 'folder', join(t.dir, 'plain'), '--name', 'plain'],
    ['import', 'folder', join(t.dir, 'plain'), '--name', 'empty'],
    ['run', '--model', 'toy-colour-semantic', '--dataset', 'scenes', '--device', 'cpu'],
  ]) {
    const r = cli(...args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }
}, 120_000);
afterAll(() => t.cleanup());

describe('tessera runs', () => {
  it('lists runs with the model name, its hash and TOY', () => {
    const r = cli('runs', 'list', '--dataset', 'scenes');
    expect(r.code).toBe(0);
    const [header, row] = r.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+MADE BY\s+STATUS\s+SAMPLES\s+DEVICE\s+CREATED$/);
    expect(row).toMatch(/^\d+\s+toy-colour-semantic\s+toy-colour-semantic [0-9a-f]{12} TOY\s+complete\s+1\s+cpu\s+\d{4}-/);
  });

  it('renames a run; the same model under the same name resumes it', () => {
    const r = cli('runs', 'rename', 'toy-colour-semantic', 'baseline', '--dataset', 'scenes');
    expect(r.stdout.trim()).toMatch(/^run \d+ is now "baseline"$/);
    const again = cli('run', '--model', 'toy-colour-semantic', '--dataset', 'scenes', '--run', 'baseline', '--device', 'cpu');
    expect(again.stderr).toBe('');
    expect(again.stdout).toMatch(/run "baseline" complete: 1 samples \(0 computed, 0 from cache, 1 already done\)/);
  });

  it('delete shows what goes and deletes only with --yes', () => {
    const before = count('SELECT COUNT(*) AS n FROM predictions');
    const dry = cli('runs', 'delete', 'baseline', '--dataset', 'scenes');
    expect(dry.code).toBe(1);
    expect(dry.stdout).toMatch(/^deleting run "baseline" removes:\n\s+\d+ {2}predictions\n\s+0 {2}heatmaps\n\s+0 {2}metric rows\n/);
    expect(dry.stderr.trim()).toBe(
      'error: nothing deleted: run "tessera runs delete baseline --dataset scenes --yes" to delete run "baseline"',
    );
    expect(count('SELECT COUNT(*) AS n FROM predictions')).toBe(before);
    const yes = cli('runs', 'delete', 'baseline', '--dataset', 'scenes', '--yes');
    expect(yes.stderr).toBe('');
    expect(yes.code).toBe(0);
    expect(yes.stdout).toContain('deleted run "baseline" of dataset "scenes"');
    expect(JSON.parse(cli('runs', 'list', '--dataset', 'scenes', '--json').stdout)).toEqual([]);
    const missing = cli('runs', 'delete', 'baseline', '--dataset', 'scenes', '--yes');
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('error: no run "baseline" in dataset "scenes" (it has no runs yet)');
  });
});

describe('tessera classes', () => {
  it('lists placeholders, renames, recolours and adds', () => {
    const list = cli('classes', 'list', '--dataset', 'scenes');
    expect(list.stdout.trimEnd().split('\n')).toEqual([
      'INDEX  NAME        COLOUR',
      '0      background  #000000',
      '1      class 1     #800000',
      '2      class 2     #008000',
      '3      class 3     #808000',
    ]);
    expect(cli('classes', 'rename', 'class 1', 'car', '--dataset', 'scenes').stdout.trim()).toBe('class 1 "class 1" is now "car"');
    expect(cli('classes', 'recolor', '2', '#ff8800', '--dataset', 'scenes').stdout.trim()).toBe('class 2 "class 2" is now #ff8800');
    const bad = cli('classes', 'recolor', '2', 'orange', '--dataset', 'scenes');
    expect([bad.code, bad.stderr.trim()]).toEqual([1, 'error: colour "orange" is not #rrggbb or r,g,b with values 0-255']);
    const dup = cli('classes', 'rename', '3', 'CAR', '--dataset', 'scenes');
    expect([dup.code, dup.stderr.trim()]).toEqual([1, 'error: class 1 of "scenes" is already called "car"']);
    const json = JSON.parse(cli('classes', 'list', '--dataset', 'scenes', '--json').stdout) as Array<{ name: string; color: number[] }>;
    expect(json.map((c) => c.name)).toEqual(['background', 'car', 'class 2', 'class 3']);
    expect(json[2]!.color).toEqual([255, 136, 0]);

    expect(cli('classes', 'list', '--dataset', 'empty').stdout).toContain('has no classes yet');
    const added = cli('classes', 'add', 'cat', 'dog', '--dataset', 'empty', '--color', '#010203;4,5,6');
    expect(added.code).toBe(0);
    expect(added.stdout.trimEnd().split('\n').slice(1)).toEqual([
      '0      background  #000000',
      '1      cat         #010203',
      '2      dog         #040506',
    ]);
  });
});

describe('tessera datasets / models rename and delete', () => {
  it('renames a dataset and a model, refusing taken names', () => {
    expect(cli('datasets', 'rename', 'plain', 'photos').stdout.trim()).toMatch(/^dataset \d+ is now "photos"$/);
    const taken = cli('datasets', 'rename', 'photos', 'scenes');
    expect([taken.code, taken.stderr.trim()]).toEqual([1, 'error: a dataset named "scenes" exists already: choose another name']);
    expect(cli('models', 'rename', 'toy-colour-semantic', 'semantic-toy').stdout.trim()).toMatch(/^model \d+ is now "semantic-toy"$/);
  });

  it('trims names, refuses empty ones, and refuses a number that names one dataset and is the id of another', () => {
    const imported = cli('import', 'folder', join(t.dir, 'plain'), '--name', ' 2 ', '--json');
    expect(imported.code).toBe(0);
    const id = (JSON.parse(imported.stdout) as { datasetId: number }).datasetId;
    expect(id).not.toBe(2);
    const ambiguous = cli('runs', 'list', '--dataset', '2');
    expect([ambiguous.code, ambiguous.stderr.trim()]).toEqual([
      1,
      `error: "2" is the name of dataset ${id} and the id of dataset "photos": write id:2 or id:${id}`,
    ]);
    expect(cli('runs', 'list', '--dataset', `id:${id}`).code).toBe(0);
    expect(cli('runs', 'list', '--dataset', 'id:2').code).toBe(0);
    const empty = cli('import', 'folder', join(t.dir, 'plain'), '--name', '   ');
    expect(empty.code).toBe(1);
    expect(empty.stderr.trim()).toBe('error: a name cannot be empty (--name)');
    expect(cli('datasets', 'delete', `id:${id}`, '--yes').code).toBe(0);
  });

  it('deletes a model whose runs stay, then a dataset, with the store consistent', () => {
    const ran = cli('run', '--model', 'semantic-toy', '--dataset', 'photos', '--run', 'baseline', '--device', 'cpu');
    expect(ran.stderr).toBe('');
    const dry = cli('models', 'delete', 'semantic-toy');
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain('deleting model "semantic-toy" removes:');
    expect(dry.stdout).toMatch(/kept: 1 run \(photos\/baseline\) keep their predictions, scores and provenance/);
    expect(cli('models', 'delete', 'semantic-toy', '--yes').code).toBe(0);
    expect(JSON.parse(cli('models', 'list', '--json').stdout)).toEqual([]);
    const runs = JSON.parse(cli('runs', 'list', '--dataset', 'photos', '--json').stdout) as Array<{ modelId: number | null; name: string }>;
    expect(runs.map((r) => [r.name, r.modelId])).toEqual([['baseline', null]]);
    expect(cli('runs', 'list', '--dataset', 'photos').stdout).toMatch(/baseline\s+semantic-toy [0-9a-f]{12} TOY/);

    const plan = JSON.parse(cli('datasets', 'delete', 'photos', '--json').stdout) as { goes: Array<{ key: string; count: number }> };
    expect(Object.fromEntries(plan.goes.map((g) => [g.key, g.count]))).toMatchObject({ images: 1, runs: 1, classes: 4 });
    const done = cli('datasets', 'delete', 'photos', '--yes');
    expect(done.stderr).toBe('');
    expect(done.stdout).toContain('deleted dataset "photos"');
    expect((JSON.parse(cli('datasets', 'list', '--json').stdout) as Array<{ name: string }>).map((d) => d.name)).toEqual([
      'scenes',
      'empty',
    ]);
    expect(count('SELECT COUNT(*) AS n FROM runs')).toBe(0);
    expect(count('SELECT COUNT(*) AS n FROM images')).toBe(2);
    expect(cli('check').code).toBe(0);
  });
});
