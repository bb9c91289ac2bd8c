import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { writeToys } from '../../../tools/toy-models';
import { REPO, tessera } from '../../helpers/cli';
import { tempDir } from '../../helpers/fixtures';
import { writeSceneDataset } from '../../helpers/scenes';

// Two processes on one workspace: a job that process A is running stays "running" when process B
// opens the workspace; once A is gone (kill -9) the next open marks it failed "interrupted"; and B
// cannot start a run that A is computing.

let t: ReturnType<typeof tempDir>;
let ws: string;
beforeAll(async () => {
  t = tempDir();
  ws = join(t.dir, 'ws');
  const modelsDir = join(t.dir, 'models');
  mkdirSync(modelsDir);
  writeToys(modelsDir, ['cam']);
  const data = await writeSceneDataset(
    join(t.dir, 'scenes'),
    Array.from({ length: 4 }, (_, i) => ({
      name: `s${i}`,
      width: 64,
      height: 48,
      rects: [{ x: 8 + i, y: 8, w: 20, h: 16, cls: 1 + (i % 3) }],
    })),
  );
  expect(tessera(['--workspace', ws, 'init']).code).toBe(0);
  expect(tessera(['--workspace', ws, 'import', 'folder', data.images, '--masks', data.masks, '--name', 'scenes']).code).toBe(0);
  expect(tessera(['--workspace', ws, 'models', 'add', join(modelsDir, 'toy-colour-cam.manifest.json')]).code).toBe(0);
  expect(
    tessera(['--workspace', ws, 'run', '--model', 'toy-colour-cam', '--dataset', 'scenes', '--device', 'cpu', '--run', 'r1']).code,
  ).toBe(0);
}, 120_000);
afterAll(() => t.cleanup());

/** Process A: holds one job of `kind` open until killed. */
async function holdJob(kind: string, params: object): Promise<{ child: ChildProcess; jobId: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'test/helpers/holdJob.ts'), ws, kind, JSON.stringify(params)], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const jobId = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /JOB (\S+)/.exec(out);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`holdJob exited with ${code}: ${err}`)));
  });
  return { child, jobId };
}

async function kill9(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

function job(jobId: string): { status: string; error: string | null } {
  const db = new Database(join(ws, 'tessera.db'), { readonly: true });
  const row = db.prepare('SELECT status, error FROM jobs WHERE id = ?').get(jobId) as { status: string; error: string | null };
  db.close();
  return row;
}

function runId(name: string): number {
  const db = new Database(join(ws, 'tessera.db'), { readonly: true });
  const row = db.prepare('SELECT id FROM runs WHERE name = ?').get(name) as { id: number };
  db.close();
  return row.id;
}

describe('jobs survive other processes', () => {
  it("another process opening the workspace leaves a live process's job running; a killed one's is marked interrupted", async () => {
    const a = await holdJob('datasets.import', { format: 'folder' });
    try {
      expect(job(a.jobId).status).toBe('running');
      const list = tessera(['--workspace', ws, 'datasets', 'list', '--json']);
      expect(list.code).toBe(0);
      expect(job(a.jobId)).toEqual({ status: 'running', error: null });
    } finally {
      await kill9(a.child);
    }
    expect(job(a.jobId).status).toBe('running'); // nobody has looked yet
    expect(tessera(['--workspace', ws, 'datasets', 'list']).code).toBe(0);
    const after = job(a.jobId);
    expect(after.status).toBe('failed');
    expect(JSON.parse(after.error ?? '{}')).toMatchObject({ message: expect.stringMatching(/^interrupted/) });
  }, 60_000);

  it('a second process cannot start a run the first one is computing; after the first dies it resumes', async () => {
    const id = runId('r1');
    const a = await holdJob('runs.start', { runId: id });
    try {
      const r = tessera(['--workspace', ws, 'run', '--model', 'toy-colour-cam', '--dataset', 'scenes', '--device', 'cpu', '--run', 'r1']);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe('error: run "r1" is being computed right now by another Tessera process');
      expect(job(a.jobId).status).toBe('running');
    } finally {
      await kill9(a.child);
    }
    const again = tessera([
      '--workspace',
      ws,
      'run',
      '--model',
      'toy-colour-cam',
      '--dataset',
      'scenes',
      '--device',
      'cpu',
      '--run',
      'r1',
      '--json',
    ]);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ samples: 4, resumed: 4, computed: 0, run: { status: 'complete' } });
    expect(job(a.jobId).status).toBe('failed');
  }, 60_000);
});
