// SIGTERM is how `timeout`, Slurm's preemption and `docker stop` end a command: a job in progress
// is cancelled as Ctrl-C cancels it (the run shows "cancelled" and the same command resumes it),
// instead of the process dying at once (exit 143, no message, the run left "failed").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeToys } from '../../../tools/toy-models';
import { BIN, REPO, tessera } from '../../helpers/cli';
import { tempDir } from '../../helpers/fixtures';
import { writeSceneDataset } from '../../helpers/scenes';

let t: ReturnType<typeof tempDir>;
let ws: string;

beforeAll(async () => {
  t = tempDir();
  ws = join(t.dir, 'ws');
  const models = join(t.dir, 'models');
  mkdirSync(models);
  const toys = writeToys(models, ['semantic-seg']);
  const data = await writeSceneDataset(
    join(t.dir, 'scenes'),
    Array.from({ length: 4 }, (_, i) => ({ name: `s${i}`, width: 48, height: 40, rects: [{ x: 4 + i, y: 6, w: 20, h: 12, cls: 1 }] })),
  );
  expect(tessera(['--workspace', ws, 'init']).code).toBe(0);
  expect(tessera(['--workspace', ws, 'import', 'folder', data.images, '--name', 'scenes']).code).toBe(0);
  expect(tessera(['--workspace', ws, 'models', 'add', toys['semantic-seg'] as string]).code).toBe(0);
}, 120_000);
afterAll(() => t.cleanup());

describe('SIGTERM during a job', () => {
  it('cancels the run as Ctrl-C does: one line, the run cancelled with what it finished, and the same command resumes it', async () => {
    const gate = join(t.dir, 'gate');
    const child = spawn(
      process.execPath,
      [BIN, '--workspace', ws, 'run', '--model', 'toy-colour-semantic', '--dataset', 'scenes', '--run', 'r', '--device', 'cpu'],
      {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, TESSERA_WORKSPACE: '', TESSERA_TEST_GATE: `2:${gate}` },
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Two images done, the third held at the gate: the job is mid-way.
    for (let i = 0; i < 1500 && !existsSync(`${gate}.waiting`); i++) await sleep(20);
    expect(existsSync(`${gate}.waiting`)).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(stderr).toBe('error: cancelled by the user\n');
    const runs = JSON.parse(tessera(['--workspace', ws, 'runs', 'list', '--dataset', 'scenes', '--json']).stdout) as Array<{
      name: string;
      status: string;
      predictedSamples: number;
    }>;
    expect(runs.map((r) => [r.name, r.status])).toEqual([['r', 'cancelled']]);
    const resumed = tessera([
      '--workspace',
      ws,
      'run',
      '--model',
      'toy-colour-semantic',
      '--dataset',
      'scenes',
      '--run',
      'r',
      '--device',
      'cpu',
      '--json',
    ]);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ resumed: 2 });
  }, 120_000);

  it('SIGTERM sent twice at once, as timeout sends it to the process and its group, is one cancel, not an abort', async () => {
    const gate = join(t.dir, 'gate2');
    // The held item does not notice the cancel (as one long inference would not): the process is still
    // there when the second signal comes.
    writeFileSync(`${gate}.hold`, '');
    const child = spawnCli(['run', '--model', 'toy-colour-semantic', '--dataset', 'scenes', '--run', 'twice', '--device', 'cpu'], {
      TESSERA_TEST_GATE: `1:${gate}`,
    });
    for (let i = 0; i < 1500 && !existsSync(`${gate}.waiting`); i++) await sleep(20);
    expect(existsSync(`${gate}.waiting`)).toBe(true);
    child.process.kill('SIGTERM');
    await sleep(100); // delivered apart (two signals at once are one for the kernel)
    child.process.kill('SIGTERM');
    await sleep(200);
    writeFileSync(gate, ''); // the held item ends; the job sees the cancel
    expect(await child.exited).toBe(1);
    expect(child.stderr()).toBe('error: cancelled by the user\n');
    const runs = JSON.parse(tessera(['--workspace', ws, 'runs', 'list', '--dataset', 'scenes', '--json']).stdout) as Array<{
      name: string;
      status: string;
    }>;
    expect(runs.find((r) => r.name === 'twice')?.status).toBe('cancelled');
  }, 120_000);
});

describe('Ctrl-C with no job in flight', () => {
  it('stops compare (a plain call) at once with the one line, where it went on to print its result', async () => {
    const data = await writeSceneDataset(
      join(t.dir, 'masked'),
      Array.from({ length: 3 }, (_, i) => ({
        name: `m${i}`,
        width: 40,
        height: 32,
        rects: [{ x: 3 + i, y: 5, w: 18, h: 12, cls: 1 + i }],
      })),
    );
    expect(tessera(['--workspace', ws, 'import', 'folder', data.images, '--masks', data.masks, '--name', 'masked']).code).toBe(0);
    for (const run of ['a', 'b']) {
      const r = tessera([
        '--workspace',
        ws,
        'run',
        '--model',
        'toy-colour-semantic',
        '--dataset',
        'masked',
        '--run',
        run,
        '--device',
        'cpu',
      ]);
      expect(r.code, r.stderr).toBe(0);
    }
    const gate = join(t.dir, 'gate-compare');
    const child = spawnCli(['compare', '--dataset', 'masked', '--runs', 'a,b'], { TESSERA_TEST_GATE: `compare:${gate}` });
    for (let i = 0; i < 1500 && !existsSync(`${gate}.waiting`); i++) await sleep(20);
    expect(existsSync(`${gate}.waiting`)).toBe(true);
    child.process.kill('SIGINT');
    expect(await child.exited).toBe(1);
    expect(child.stderr()).toBe('error: cancelled by the user\n');
    expect(child.stdout()).toBe('');
  }, 120_000);
});

function spawnCli(
  args: string[],
  env: Record<string, string>,
): { process: ChildProcess; exited: Promise<number | null>; stderr(): string; stdout(): string } {
  const child = spawn(process.execPath, [BIN, '--workspace', ws, ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TESSERA_WORKSPACE: '', ...env },
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, exited, stderr: () => stderr, stdout: () => stdout };
}
