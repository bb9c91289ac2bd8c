import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, jobResult, type EngineEvent, type JobFinished, type JobProgress, type TesseraClient } from '../../../src/shared';
import { createEngine, type Engine } from '../../../src/main/engine/engine';
import { makeFolderDataset, tempDir } from '../../helpers/fixtures';

/** A client connected to `engine` over one transport, and how to disconnect it. */
export interface Connection {
  client: TesseraClient;
  close(): Promise<void> | void;
}

/** What one job announced, in order, up to its job.finished. */
interface JobEvents {
  progress: JobProgress[];
  changed: string[][];
  finished: JobFinished;
}

/** Starts a job and collects its events until job.finished (subscribed before the call, as clients do). */
async function followJob(client: TesseraClient, start: () => Promise<{ jobId: string }>): Promise<JobEvents> {
  const all: Array<{ name: EngineEvent['name']; payload: unknown }> = [];
  const offs = [
    client.on('job.progress', (p) => all.push({ name: 'job.progress', payload: p })),
    client.on('data.changed', (c) => all.push({ name: 'data.changed', payload: c })),
  ];
  let jobId: string | null = null;
  const early: JobFinished[] = [];
  let done: ((f: JobFinished) => void) | null = null;
  offs.push(
    client.on('job.finished', (f) => {
      if (f.jobId === jobId && done !== null) done(f);
      else early.push(f);
    }),
  );
  try {
    jobId = (await start()).jobId;
    const id = jobId;
    const finished = early.find((f) => f.jobId === id) ?? (await new Promise<JobFinished>((r) => (done = r)));
    return {
      progress: all
        .filter((e) => e.name === 'job.progress')
        .map((e) => e.payload as JobProgress)
        .filter((p) => p.jobId === id),
      changed: all.filter((e) => e.name === 'data.changed').map((e) => (e.payload as { topics: string[] }).topics),
      finished,
    };
  } finally {
    for (const off of offs) off();
  }
}

/** Waits until events reach the client (a WebSocket connects after the transport is made): the engine announces until one arrives. */
async function eventsFlow(engine: Engine, client: TesseraClient): Promise<void> {
  await new Promise<void>((resolve) => {
    const off = client.on('data.changed', ({ topics }) => {
      if (!topics.includes('conformance.probe')) return;
      clearInterval(timer);
      off();
      resolve();
    });
    const timer = setInterval(() => engine.events.emit('data.changed', { topics: ['conformance.probe'] }), 20);
    engine.events.emit('data.changed', { topics: ['conformance.probe'] });
  });
}

/**
 * The contract as every client sees it, whatever carries it: the same calls, outputs, errors and
 * events over each transport (in-process, HTTP/WS, IPC). `connect` joins a client to the engine.
 */
export function contractConformance(transport: string, connect: (engine: Engine, dirs: { root: string }) => Promise<Connection>): void {
  describe(`the contract over ${transport}`, () => {
    let t: ReturnType<typeof tempDir>;
    let engine: Engine;
    let conn: Connection;
    let client: TesseraClient;
    let images = '';
    let masks = '';
    let empty = '';

    beforeAll(async () => {
      t = tempDir('tessera-transport-');
      engine = createEngine({ workspace: join(t.dir, 'ws'), create: true });
      ({ images, masks } = await makeFolderDataset(t.dir, 2, { w: 16, h: 12 }));
      empty = join(t.dir, 'empty');
      mkdirSync(empty);
      conn = await connect(engine, { root: t.dir });
      client = conn.client;
      await eventsFlow(engine, client);
    });
    afterAll(async () => {
      await conn?.close();
      await engine?.close();
      t?.cleanup();
    });

    it('answers a call with the output the contract defines', async () => {
      expect(await client.call('datasets.list', {})).toEqual([]);
      const info = await client.call('workspace.info', {});
      expect(info.schemaVersion).toBeGreaterThan(0);
    });

    it('carries a user error as an ApiError with its code and one-line message', async () => {
      const missing = await client.call('datasets.get', { datasetId: 424242 }).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(ApiError);
      expect(missing).toMatchObject({ code: 'NOT_FOUND', message: 'dataset 424242 not found' });
      const invalid = await client.call('datasets.get', { datasetId: -1 }).catch((e: unknown) => e);
      expect(invalid).toBeInstanceOf(ApiError);
      expect((invalid as ApiError).code).toBe('INVALID_INPUT');
      expect((invalid as ApiError).message).toMatch(/^datasets\.get: .*datasetId/);
      expect((invalid as ApiError).message).not.toContain('\n');
    });

    it('announces a job: its progress, data.changed, then job.finished with the typed result', async () => {
      const events = await followJob(client, () => client.call('datasets.importFolder', { dir: images, masksDir: masks, name: 'two' }));
      expect(events.finished).toMatchObject({ status: 'succeeded', error: null });
      const result = jobResult('datasets.importFolder', events.finished);
      expect(result).toMatchObject({ name: 'two', images: 2, annotated: 2, skipped: [] });
      expect(events.progress.length).toBeGreaterThan(0);
      expect(events.progress.at(-1)).toMatchObject({ done: 2, total: 2 });
      expect(events.changed.some((topics) => topics.includes('datasets'))).toBe(true);
      // The job as stored says the same; the data it wrote is there.
      const job = await client.call('jobs.get', { jobId: events.finished.jobId });
      expect(job).toMatchObject({ kind: 'datasets.import', status: 'succeeded', done: 2, total: 2 });
      expect(jobResult('datasets.importFolder', job)).toEqual(result);
      expect((await client.call('datasets.list', {})).map((d) => [d.name, d.imageCount])).toEqual([['two', 2]]);
    });

    it('ends a failing job with job.finished carrying its one clear error, and writes nothing', async () => {
      const events = await followJob(client, () => client.call('datasets.importFolder', { dir: empty }));
      expect(events.finished.status).toBe('failed');
      expect(events.finished.result).toBeNull();
      expect(events.finished.error?.code).toBe('INVALID_INPUT');
      expect(events.finished.error?.message).toMatch(/empty: no image files found/);
      expect((await client.call('datasets.list', {})).map((d) => d.name)).toEqual(['two']);
    });
  });
}
