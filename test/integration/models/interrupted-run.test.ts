import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { decode } from 'fast-png';
import { writeToys } from '../../../tools/toy-models';
import { ExportResult } from '../../../src/shared/api/methods/exports';
import { REPO } from '../../helpers/cli';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { writeSceneDataset } from '../../helpers/scenes';

// A model run whose process is killed (kill -9) mid-run: once the workspace is opened again the run
// no longer shows as running (its job is interrupted), an export of it writes only the images it has
// results for and says how many it left out, and running it again still resumes where it stopped.

const N = 12;
const DONE = 5;
let t: ReturnType<typeof tempDir>;
let ws: string;
let datasetId: number;
let modelId: number;

beforeAll(async () => {
  t = tempDir();
  ws = join(t.dir, 'ws');
  const modelsDir = join(t.dir, 'models');
  mkdirSync(modelsDir);
  const toys = writeToys(modelsDir, ['semantic-seg']);
  const data = await writeSceneDataset(
    join(t.dir, 'scenes'),
    Array.from({ length: N }, (_, i) => ({
      name: `s${String(i).padStart(2, '0')}`,
      width: 64,
      height: 48,
      rects: [{ x: 4 + i, y: 6, w: 24, h: 20, cls: 1 + (i % 3) }],
    })),
  );
  const { engine, client } = openTestEngine(ws);
  try {
    const imp = await finishJob(client, () =>
      client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'scenes' }),
    );
    datasetId = Number(imp.result?.['datasetId']);
    modelId = (await client.call('models.add', { manifestPath: toys['semantic-seg'] as string })).id;
  } finally {
    await engine.close();
  }
}, 120_000);
afterAll(() => t.cleanup());

/** Another process computing the run from the source, held by the test gate before item DONE. */
async function runUntilGate(gate: string): Promise<{ child: ChildProcess; runId: number; jobId: string }> {
  const input = JSON.stringify({ modelId, datasetId, runName: 'r', device: 'cpu' });
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'test/helpers/runToGate.ts'), ws, input], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TESSERA_TEST_GATE: `${DONE}:${gate}` },
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const started = await new Promise<{ runId: number; jobId: string }>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /RUN (\d+) (\S+)/.exec(out);
      if (m !== null) resolve({ runId: Number(m[1]), jobId: m[2] as string });
    });
    child.once('exit', (code) => reject(new Error(`runToGate exited with ${code}: ${err}`)));
  });
  const deadline = Date.now() + 60_000;
  while (!existsSync(`${gate}.waiting`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(existsSync(`${gate}.waiting`)).toBe(true);
  return { child, ...started };
}

async function kill9(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

function storedRunStatus(runId: number): string {
  const db = new Database(join(ws, 'tessera.db'), { readonly: true });
  const row = db.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as { status: string };
  db.close();
  return row.status;
}

describe('a run whose process was killed', () => {
  it('shows as failed once the workspace is opened again, exports only what it computed, and still resumes', async () => {
    const a = await runUntilGate(join(t.dir, 'gate'));
    try {
      expect(storedRunStatus(a.runId)).toBe('running');
      // Its process is alive: another process opening the workspace leaves the run (and its job) running.
      const live = openTestEngine(ws);
      try {
        expect((await live.client.call('runs.get', { runId: a.runId })).status).toBe('running');
      } finally {
        await live.engine.close();
      }
    } finally {
      await kill9(a.child);
    }
    expect(storedRunStatus(a.runId)).toBe('running'); // nobody has looked yet

    const { engine, client } = openTestEngine(ws);
    try {
      const run = await client.call('runs.get', { runId: a.runId });
      expect(run).toMatchObject({ status: 'failed', predictedSamples: DONE });
      expect(run.finishedAt).not.toBeNull();
      const job = (await client.call('jobs.list', {})).find((j) => j.id === a.jobId);
      expect(job).toMatchObject({ status: 'failed', error: { message: expect.stringMatching(/^interrupted/) as unknown } });

      // VOC export of the unfinished run: only the images it has results for, and how many were left out.
      const out = join(t.dir, 'partial');
      const partial = await finishJob(client, () =>
        client.call('datasets.export', { datasetId, runId: a.runId, format: 'voc', outDir: out }),
      );
      expect(partial.status).toBe('succeeded');
      expect(ExportResult.parse(partial.result)).toMatchObject({ files: DONE, images: DONE, unpredicted: N - DONE });
      const files = readdirSync(out).sort();
      expect(files).toEqual(Array.from({ length: DONE }, (_, i) => `s${String(i).padStart(2, '0')}.png`));
      for (const f of files) expect((decode(readFileSync(join(out, f))).data as Uint8Array).some((v) => v !== 0)).toBe(true);

      // COCO results of it: rows only for those images, the others counted as left out.
      const coco = join(t.dir, 'partial-coco');
      const results = await finishJob(client, () =>
        client.call('datasets.export', { datasetId, runId: a.runId, format: 'coco', outDir: coco }),
      );
      expect(ExportResult.parse(results.result)).toMatchObject({ files: 1, images: DONE, unpredicted: N - DONE });
      const rows = JSON.parse(readFileSync(join(coco, 'results.json'), 'utf8')) as Array<{ image_id: number }>;
      expect(new Set(rows.map((r) => r.image_id)).size).toBe(DONE);

      // Running it again resumes where it stopped, as before.
      const again = await finishJob(client, () => client.call('runs.start', { modelId, datasetId, runName: 'r', device: 'cpu' }));
      expect(again.status).toBe('succeeded');
      expect(again.result).toMatchObject({ samples: N, resumed: DONE, computed: N - DONE });
      expect(await client.call('runs.get', { runId: a.runId })).toMatchObject({ status: 'complete', predictedSamples: N });

      // A finished run exports every image, nothing left out.
      const full = join(t.dir, 'full');
      const done = await finishJob(client, () =>
        client.call('datasets.export', { datasetId, runId: a.runId, format: 'voc', outDir: full }),
      );
      expect(ExportResult.parse(done.result)).toMatchObject({ files: N, images: N, unpredicted: 0 });
      expect(readdirSync(full)).toHaveLength(N);
    } finally {
      await engine.close();
    }
  }, 120_000);
});
