// SIGTERM is how `timeout`, Slurm's preemption and `docker stop` end a command: a job in progress
// is cancelled as Ctrl-C cancels it (the run shows "cancelled" and the same command resumes it),
// instead of the process dying at once (exit 143, no message, the run left "failed").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
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
});
