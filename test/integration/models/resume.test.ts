import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { writeToys } from '../../../tools/toy-models';
import { BIN, tessera } from '../../helpers/cli';
import { tempDir } from '../../helpers/fixtures';
import { writeSceneDataset } from '../../helpers/scenes';

let t: ReturnType<typeof tempDir>;
let data: Awaited<ReturnType<typeof writeSceneDataset>>;
let modelsDir: string;

beforeAll(async () => {
  t = tempDir();
  modelsDir = join(t.dir, 'models');
  mkdirSync(modelsDir);
  writeToys(modelsDir, ['cam']);
  const scenes = Array.from({ length: 40 }, (_, i) => ({
    name: `s${String(i).padStart(2, '0')}`,
    width: 160,
    height: 120,
    rects: [
      { x: (i * 7) % 80, y: (i * 5) % 50, w: 50, h: 40, cls: 1 + (i % 3) },
      { x: 100, y: 60, w: 40, h: 40, cls: 1 + ((i + 1) % 3) },
    ],
  }));
  data = await writeSceneDataset(join(t.dir, 'scenes'), scenes);
});
afterAll(() => t.cleanup());

function setup(ws: string): void {
  expect(tessera(['--workspace', ws, 'init']).code).toBe(0);
  expect(tessera(['--workspace', ws, 'import', 'folder', data.images, '--masks', data.masks, '--name', 'scenes']).code).toBe(0);
  expect(tessera(['--workspace', ws, 'models', 'add', join(modelsDir, 'toy-colour-cam.manifest.json')]).code).toBe(0);
}

function rows(ws: string): Array<{ file: string; cls: number; rle: string }> {
  const db = new Database(join(ws, 'tessera.db'), { readonly: true });
  const r = db
    .prepare(
      'SELECT i.file_name AS file, p.class_idx AS cls, p.rle FROM predictions p JOIN samples s ON s.id = p.sample_id JOIN images i ON i.id = s.image_id ORDER BY i.file_name, p.class_idx',
    )
    .all() as Array<{ file: string; cls: number; rle: string }>;
  db.close();
  return r;
}

function finishedSamples(ws: string): number {
  try {
    const db = new Database(join(ws, 'tessera.db'), { readonly: true });
    const n = (db.prepare('SELECT COUNT(DISTINCT sample_id) AS n FROM heatmaps').get() as { n: number }).n;
    db.close();
    return n;
  } catch {
    return 0;
  }
}

describe('run resume after kill -9', () => {
  it('continues where it stopped and gives the same results as a clean run, without duplicates', async () => {
    const clean = join(t.dir, 'clean');
    setup(clean);
    const r = tessera(['--workspace', clean, 'run', '--model', 'toy-colour-cam', '--dataset', 'scenes', '--device', 'cpu', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      samples: 40,
      computed: 40,
      resumed: 0,
      run: { status: 'complete', executionProvider: 'cpu' },
    });

    const killed = join(t.dir, 'killed');
    setup(killed);
    // The test gate (src/main/engine/jobs/testGate.ts) holds the run before its 6th item, so the kill
    // lands mid-run after exactly 5 committed items, however fast this machine is.
    const gate = join(t.dir, 'gate');
    const child = spawn(
      process.execPath,
      [BIN, '--workspace', killed, 'run', '--model', 'toy-colour-cam', '--dataset', 'scenes', '--device', 'cpu'],
      { stdio: 'ignore', env: { ...process.env, TESSERA_WORKSPACE: '', TESSERA_TEST_GATE: `5:${gate}` } },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 60_000;
    while (!existsSync(`${gate}.waiting`) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    child.kill('SIGKILL');
    await exited;
    const partial = finishedSamples(killed);
    expect(partial).toBeGreaterThanOrEqual(5);
    expect(partial).toBeLessThan(40);

    const again = tessera(['--workspace', killed, 'run', '--model', 'toy-colour-cam', '--dataset', 'scenes', '--device', 'cpu', '--json']);
    expect(again.code).toBe(0);
    const summary = JSON.parse(again.stdout) as { resumed: number; computed: number; run: { status: string } };
    expect(summary.resumed).toBe(partial);
    expect(summary.computed).toBe(40 - partial);
    expect(summary.run.status).toBe('complete');
    expect(rows(killed)).toEqual(rows(clean));
    expect(finishedSamples(killed)).toBe(40);
  });
});
