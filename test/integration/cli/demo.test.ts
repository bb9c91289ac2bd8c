import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { writeToys } from '../../../tools/toy-models';
import { writeSemanticScenes } from '../../../src/main/cli/demo/scenes';
import { tempDir } from '../../helpers/fixtures';
import { BIN, REPO, tessera } from '../../helpers/cli';

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir();
});
afterAll(() => t.cleanup());

const DATASETS = ['demo-scenes', 'demo-referring', 'demo-photos'];

/** What a user sees of a demo workspace: datasets, models, every run with its status and samples, the scores of runs with masks. */
function demoState(ws: string): unknown {
  const json = (args: string[]): unknown => {
    const r = tessera(['--workspace', ws, ...args, '--json']);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return JSON.parse(r.stdout);
  };
  const datasets = (json(['datasets', 'list']) as Array<Record<string, unknown>>)
    .map((d) => [d['name'], d['task'], d['imageCount'], d['sampleCount'], d['annotatedImageCount'], d['classCount']])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  const models = (json(['models', 'list']) as Array<Record<string, unknown>>)
    .map((m) => [m['name'], m['kind'], m['sha256'], m['toy']])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  const runs = DATASETS.flatMap((d) =>
    (json(['runs', 'list', '--dataset', d]) as Array<{ name: string; status: string; predictedSamples: number; hasMasks: boolean }>).map(
      (r) => ({
        dataset: d,
        name: r.name,
        status: r.status,
        samples: r.predictedSamples,
        scores: r.hasMasks ? json(['eval', '--dataset', d, '--run', r.name]) : null,
      }),
    ),
  ).sort((a, b) => `${a.dataset} ${a.name}`.localeCompare(`${b.dataset} ${b.name}`));
  return { datasets, models, runs };
}

/** Everything a workspace's store lists: datasets, models and every dataset's runs (for "nothing changed"). */
function storeState(ws: string): unknown {
  const json = (args: string[]): unknown => {
    const r = tessera(['--workspace', ws, ...args, '--json']);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return JSON.parse(r.stdout);
  };
  const datasets = json(['datasets', 'list']) as Array<{ id: number }>;
  return { datasets, models: json(['models', 'list']), runs: datasets.map((d) => json(['runs', 'list', '--dataset', String(d.id)])) };
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * `init --demo`, sent SIGINT (as Ctrl-C) once its first run has stored a prediction: the demo's
 * datasets and models are there, its runs are not all done.
 */
async function interruptedDemo(ws: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, '--workspace', ws, 'init', '--demo'], {
    cwd: REPO,
    env: { ...process.env, TESSERA_WORKSPACE: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stderr: err })),
  );
  const predicted = (): boolean => {
    if (!existsSync(join(ws, 'tessera.db'))) return false;
    const db = new Database(join(ws, 'tessera.db'), { readonly: true, fileMustExist: true });
    try {
      return hasTable(db, 'predictions') && db.prepare('SELECT 1 FROM predictions LIMIT 1').get() !== undefined;
    } catch {
      return false; // the schema is still being made
    } finally {
      db.close();
    }
  };
  while (child.exitCode === null && !predicted()) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGINT');
  return exited;
}

function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

describe('tessera init --demo', () => {
  let clean: unknown;

  it('builds a workspace with scenes, a referring set, the photos, every toy model and a complete run of each', () => {
    const ws = join(t.dir, 'demo');
    const r = tessera(['--workspace', ws, 'init', '--demo', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      demo: { datasets: string[]; models: string[]; runs: string[]; added: { runs: string[] }; resumed: string[] };
    };
    expect(out.demo.datasets).toEqual(DATASETS);
    expect(out.demo.runs).toHaveLength(6);
    expect(out.demo.added.runs).toEqual(out.demo.runs);
    expect(out.demo.resumed).toEqual([]);
    const datasets = JSON.parse(tessera(['--workspace', ws, 'datasets', 'list', '--json']).stdout) as Array<{
      name: string;
      imageCount: number;
      task: string;
    }>;
    expect(datasets.map((d) => [d.name, d.task, d.imageCount])).toEqual([
      ['demo-scenes', 'semantic', 24],
      ['demo-referring', 'referring', 12],
      ['demo-photos', 'unlabelled', 10],
    ]);
    const models = JSON.parse(tessera(['--workspace', ws, 'models', 'list', '--json']).stdout) as Array<{
      name: string;
      kind: string;
      toy: boolean;
    }>;
    expect(models.map((m) => m.kind).sort()).toEqual([
      'cam',
      'image-encoder',
      'patch-tokens',
      'probability-map',
      'prompt-decoder',
      'seg-token',
      'semantic-seg',
    ]);
    expect(models.every((m) => m.toy)).toBe(true);
    clean = demoState(ws);
    expect((clean as { runs: Array<{ status: string }> }).runs.map((r) => r.status)).toEqual(new Array(6).fill('complete'));
    // A complete demo is left as it is, and the command says so.
    const again = tessera(['--workspace', ws, 'init', '--demo']);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout.split('\n').slice(1)).toEqual([
      'the demo is already there: datasets demo-scenes, demo-referring, demo-photos, 7 toy models, 6 complete runs; nothing to do',
      '',
    ]);
    expect(demoState(ws)).toEqual(clean);
  });

  it('an interrupted init --demo is completed by running it again: the same datasets, models, complete runs and scores', async () => {
    const ws = join(t.dir, 'interrupted');
    const stopped = await interruptedDemo(ws);
    expect(stopped).toEqual({ code: 1, stderr: 'error: cancelled by the user\n' });
    const before = demoState(ws) as { runs: Array<{ name: string; status: string }> };
    // Stopped while its runs went: some run is missing or unfinished (e.g. toy-colour-cam cancelled at 8 samples).
    expect(before.runs.filter((r) => r.status === 'complete').length).toBeLessThan(6);

    const again = tessera(['--workspace', ws, 'init', '--demo']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    const lines = again.stdout.split('\n');
    expect(lines[0]).toMatch(/^completing the demo: 3 of 3 datasets, 7 of 7 toy models and [0-5] of 6 runs were there$/);
    expect(lines.slice(-3)).toEqual([
      expect.stringMatching(/^workspace already exists: /),
      'demo ready: toy models are labelled TOY; the UI shows it (npm start, or tessera serve)',
      '',
    ]);
    // The run Ctrl-C cancelled is resumed (its finished samples kept), the rest are run.
    expect(lines).toContainEqual(expect.stringMatching(/^resumed toy-colour-[a-z-]+ on demo-scenes \(cancelled at \d+ samples\)$/));
    expect(again.stdout).toMatch(/\nresumed toy-colour-[a-z-]+ on demo-scenes \((cancelled|running|pending|failed) at \d+ samples\)/);
    expect(demoState(ws)).toEqual(clean);
  });

  it('a demo missing a model, a dataset and a run gets them back', () => {
    const ws = join(t.dir, 'demo');
    const cli = (args: string[]) => tessera(['--workspace', ws, ...args]);
    expect(cli(['models', 'delete', 'toy-colour-cam', '--yes']).code).toBe(0);
    expect(cli(['datasets', 'delete', 'demo-referring', '--yes']).code).toBe(0);
    expect(cli(['runs', 'delete', 'toy-colour-sam', '--dataset', 'demo-scenes', '--yes']).code).toBe(0);
    const again = cli(['init', '--demo']);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout.split('\n').slice(0, 4)).toEqual([
      'completing the demo: 2 of 3 datasets, 6 of 7 toy models and 4 of 6 runs were there',
      'added 1 of 7 toy models (toy-colour-cam)',
      'created datasets demo-referring',
      'ran 2 toy runs',
    ]);
    expect(demoState(ws)).toEqual(clean);
  });

  it("a run of a demo run's name that the demo's toy did not make is refused, nothing changed; renamed, the demo run is added", () => {
    const ws = join(t.dir, 'demo');
    const cli = (args: string[]) => tessera(['--workspace', ws, ...args]);
    expect(cli(['runs', 'delete', 'toy-colour-sam', '--dataset', 'demo-scenes', '--yes']).code).toBe(0);
    // The user's own run under the name the SAM toy's run has: made by another model.
    const mine = cli(['run', '--model', 'toy-colour-semantic', '--dataset', 'demo-scenes', '--run', 'toy-colour-sam']);
    expect(mine.code, mine.stderr).toBe(0);
    const before = demoState(ws);
    expect(cli(['init', '--demo'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: run "toy-colour-sam" on dataset "demo-scenes" is not the demo\'s (made by model "toy-colour-semantic"): rename it (tessera runs rename toy-colour-sam NEW --dataset demo-scenes) and run init --demo again\n',
    });
    expect(demoState(ws)).toEqual(before);
    // As it says: renamed, the user's run stays and the demo's run is made again.
    expect(cli(['runs', 'rename', 'toy-colour-sam', 'mine', '--dataset', 'demo-scenes']).code).toBe(0);
    const again = cli(['init', '--demo']);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout.split('\n').slice(0, 2)).toEqual([
      'completing the demo: 3 of 3 datasets, 7 of 7 toy models and 5 of 6 runs were there',
      'ran 1 toy runs',
    ]);
    const after = demoState(ws) as { runs: Array<{ dataset: string; name: string }> };
    expect({ ...after, runs: after.runs.filter((r) => r.name !== 'mine') }).toEqual(clean);
  });

  it("a user's dataset named like a demo dataset (the same scenes, imported from elsewhere) is refused: exit 1, nothing added", async () => {
    const ws = join(t.dir, 'user-dataset');
    const user = await writeSemanticScenes(join(t.dir, 'user-scenes'), 2);
    expect(tessera(['--workspace', ws, 'init']).code).toBe(0);
    const imported = tessera(['--workspace', ws, 'import', 'folder', user.images, '--masks', user.masks, '--name', 'demo-scenes']);
    expect(imported.code, imported.stderr).toBe(0);
    const before = storeState(ws);
    expect(tessera(['--workspace', ws, 'init', '--demo'])).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: dataset "demo-scenes" is not the demo's (imported from ${user.images}): rename it (tessera datasets rename demo-scenes NEW) and run init --demo again\n`,
    });
    expect(storeState(ws)).toEqual(before);
    expect(existsSync(join(ws, 'demo'))).toBe(false);
  });

  it("a user's model registered under a toy's name (another toy's file) is refused: exit 1, nothing added", () => {
    const ws = join(t.dir, 'user-model');
    const dir = join(t.dir, 'user-models');
    const manifestPath = writeToys(dir, ['semantic-seg'])['semantic-seg'] as string;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name: string; files: { model: string } };
    writeFileSync(join(dir, 'mine.manifest.json'), JSON.stringify({ ...manifest, name: 'toy-colour-cam' }));
    const toyDir = join(t.dir, 'toy-cam');
    const toyCam = JSON.parse(readFileSync(writeToys(toyDir, ['cam'])['cam'] as string, 'utf8')) as { files: { model: string } };
    expect(tessera(['--workspace', ws, 'init']).code).toBe(0);
    const added = tessera(['--workspace', ws, 'models', 'add', join(dir, 'mine.manifest.json')]);
    expect(added.code, added.stderr).toBe(0);
    const before = storeState(ws);
    const file = join(dir, manifest.files.model);
    expect(tessera(['--workspace', ws, 'init', '--demo'])).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: model "toy-colour-cam" is not the demo's (${file}, sha256 ${sha256(file).slice(0, 12)}…; the demo's toy is ${sha256(join(toyDir, toyCam.files.model)).slice(0, 12)}…): rename it (tessera models rename toy-colour-cam NEW) and run init --demo again\n`,
    });
    expect(storeState(ws)).toEqual(before);
    expect(existsSync(join(ws, 'demo'))).toBe(false);
  });
});
