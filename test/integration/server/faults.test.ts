/**
 * What a web client gets when something is wrong on the engine's side or in its own request, over
 * `tessera serve` on loopback with real files: one clear line (and a log line), never a bare
 * internal error, a hung connection or a write into a workspace that is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../../src/main/server/server';
import type { Engine } from '../../../src/main/engine/engine';
import type { TesseraClient } from '../../../src/shared';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { makeFolderDataset, tempDir, writeSolidImage } from '../../helpers/fixtures';

const TOKEN = 'faults-token-0123456789';

interface Envelope {
  ok: boolean;
  value?: Record<string, unknown>;
  error?: { code: string; message: string };
}

interface Served {
  engine: Engine;
  client: TesseraClient;
  server: RunningServer;
  workspace: string;
  root: string;
  /** Image ids of the imported folder (img_000.png, img_001.png, ...). */
  imageIds: number[];
  datasetId: number;
  close(): Promise<void>;
}

/** A workspace with a folder dataset of `n` images, served on loopback. */
async function serve(n: number): Promise<Served> {
  const t = tempDir();
  const workspace = join(t.dir, 'ws');
  const { engine, client } = openTestEngine(workspace);
  const data = await makeFolderDataset(t.dir, n);
  const done = await finishJob(client, () => client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks }));
  const datasetId = Number(done.result?.['datasetId']);
  const imageIds = await client.call('images.ids', { datasetId });
  const server = await startServer({ engine, host: '127.0.0.1', port: 0, token: TOKEN, staticDir: null });
  return {
    engine,
    client,
    server,
    workspace,
    root: t.dir,
    imageIds,
    datasetId,
    async close() {
      await server.close();
      await engine.close();
      t.cleanup();
    },
  };
}

async function call(s: Served, method: string, input: unknown): Promise<Envelope> {
  const res = await fetch(`http://127.0.0.1:${s.server.port}/api/call/${method}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(input),
  });
  return (await res.json()) as Envelope;
}

async function blob(s: Served, path: string): Promise<{ status: number; type: string | null; text: string; bytes: Buffer }> {
  const res = await fetch(`http://127.0.0.1:${s.server.port}/blob/${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, type: res.headers.get('content-type'), text: bytes.toString('utf8'), bytes };
}

const logOf = (s: Served): string => readFileSync(join(s.workspace, 'tessera.log'), 'utf8');

describe('requests and files that are not what they should be', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve(3);
  });
  afterAll(async () => {
    await s?.close();
  });

  /** Writes `head` and `body` on one connection, then a second request; what came back before the server closed it. */
  function oversized(head: string, body: Buffer | string): Promise<{ received: string; closed: boolean }> {
    return new Promise((resolveRaw) => {
      const sock = connect(s.server.port, '127.0.0.1');
      let received = '';
      const timer = setTimeout(() => {
        sock.destroy();
        resolveRaw({ received, closed: false });
      }, 10_000);
      sock.on('data', (d) => (received += d.toString()));
      // Writing the rest of the body may fail once the server has closed (EPIPE, ECONNRESET): expected.
      sock.on('error', () => undefined);
      sock.on('close', () => {
        clearTimeout(timer);
        resolveRaw({ received, closed: true });
      });
      sock.write(head);
      sock.write(body, () =>
        sock.write(
          `POST /api/call/workspace.info HTTP/1.1\r\nHost: 127.0.0.1:${s.server.port}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 2\r\n\r\n{}`,
        ),
      );
    });
  }

  it('answers a body over 16 MiB with 413 and Connection: close, and closes the connection', async () => {
    const size = 17 * 1024 * 1024;
    const declared = await oversized(
      `POST /api/call/workspace.info HTTP/1.1\r\nHost: 127.0.0.1:${s.server.port}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: ${size}\r\n\r\n`,
      Buffer.alloc(size, 'x'),
    );
    // Chunked: no length up front, the limit is seen while reading.
    const chunk = Buffer.alloc(1024 * 1024, 'y');
    const chunked = await oversized(
      `POST /api/call/workspace.info HTTP/1.1\r\nHost: 127.0.0.1:${s.server.port}\r\nAuthorization: Bearer ${TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\n`,
      Buffer.concat(
        Array.from({ length: 17 }, () => Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')])),
      ),
    );
    for (const { received, closed } of [declared, chunked]) {
      expect(closed).toBe(true);
      expect(received.split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large');
      expect(received.toLowerCase()).toContain('connection: close');
      expect(received).toContain('request body too large: an API call takes at most 16 MiB');
      // One answer only: the second request on that connection was never taken for one.
      expect(received.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    }
    expect((await call(s, 'workspace.info', {})).ok).toBe(true);
  });

  it('serves an image with the Content-Type of its bytes, not of its name', async () => {
    const liar = join(s.root, 'liar');
    mkdirSync(liar);
    await writeSolidImage(join(liar, 'photo.jpg'), 40, 30, [10, 200, 30]);
    renameSync(join(liar, 'photo.jpg'), join(liar, 'photo.png'));
    const done = await finishJob(s.client, () => s.client.call('datasets.importFolder', { dir: liar, name: 'liar' }));
    expect(done.status).toBe('succeeded');
    const [id] = (await call(s, 'images.ids', { datasetId: Number(done.result?.['datasetId']) })).value as unknown as number[];
    const image = await blob(s, `image/${id}`);
    expect(image.status).toBe(200);
    expect(image.type).toBe('image/jpeg');
    expect(image.bytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
  });

  it('refuses an image file that changed on disk since import, with one line naming it, logged', async () => {
    const [recoloured, garbled] = s.imageIds; // img_000.png, img_001.png
    const garbledPath = join(s.root, 'images', 'img_001.png');
    const recolouredPath = join(s.root, 'images', 'img_000.png');
    writeFileSync(garbledPath, 'not a png at all');
    await writeSolidImage(recolouredPath, 64, 48, [200, 10, 10]);
    for (const [id, path] of [
      [garbled, garbledPath],
      [recoloured, recolouredPath],
    ] as const) {
      for (const kind of ['thumb', 'image']) {
        const r = await blob(s, `${kind}/${id}`);
        expect(r.status, `${kind} ${path}`).toBe(409);
        expect(r.type).toBe('text/plain; charset=utf-8');
        expect(r.text).toMatch(new RegExp(`^the image file changed or is unreadable: ${path} \\(.+\\);.*\\n$`));
        expect(r.text.trim().split('\n')).toHaveLength(1);
      }
      expect(logOf(s)).toContain(`the image file changed or is unreadable: ${path}`);
    }
    // A file that is gone is still "missing" (404), as before.
    rmSync(garbledPath);
    const gone = await blob(s, `image/${garbled}`);
    expect(gone.status).toBe(404);
    expect(gone.text).toContain(`${garbledPath}: image file is missing`);
  });

  it('reports.file: a folder is refused in one line, and a relative path is taken from the workspace', async () => {
    const reports = join(s.workspace, 'reports');
    mkdirSync(join(reports, 'd.json'), { recursive: true });
    writeFileSync(join(reports, 'r.json'), '{"report":1}\n');
    const folder = await call(s, 'reports.file', { path: join(reports, 'd.json') });
    expect(folder.error).toEqual({ code: 'INVALID_INPUT', message: `${join(reports, 'd.json')} is a folder, not a report file` });
    const relative = await call(s, 'reports.file', { path: 'reports/r.json' });
    expect(relative.ok).toBe(true);
    expect(relative.value).toMatchObject({ fileName: 'r.json', format: 'json', bytes: 13 });
    expect(Buffer.from(String(relative.value?.['base64']), 'base64').toString()).toBe('{"report":1}\n');
    expect((await call(s, 'reports.file', { path: 'reports/d.json' })).error?.code).toBe('INVALID_INPUT');
  });
});

describe('a workspace deleted or replaced while the server runs', () => {
  it('answers every call with one line naming the database, writes nothing and makes no folder', async () => {
    const s = await serve(1);
    try {
      const db = join(s.workspace, 'tessera.db');
      rmSync(s.workspace, { recursive: true, force: true });
      const expected = new RegExp(`^${db} was deleted, moved or replaced while Tessera had it open`);
      for (const [method, input] of [
        ['workspace.info', {}],
        ['workspace.check', {}],
        ['datasets.list', {}],
        ['tags.apply', { tag: 'after-delete', imageIds: s.imageIds }],
        ['datasets.export', { datasetId: s.datasetId, format: 'coco', outDir: 'exp-after' }],
        ['reports.create', { datasetId: s.datasetId, runIds: [], format: 'html' }],
      ] as const) {
        const r = await call(s, method, input);
        expect(r.ok, method).toBe(false);
        expect(r.error?.code, method).toBe('IO_ERROR');
        expect(r.error?.message, method).toMatch(expected);
      }
      const thumb = await blob(s, `thumb/${s.imageIds[0]}`);
      expect(thumb.status).toBe(503);
      expect(thumb.text).toMatch(expected);
      expect(existsSync(s.workspace)).toBe(false);
    } finally {
      await s.close();
    }
  });

  it('notices a database file replaced by another one (a restore under it)', async () => {
    const s = await serve(1);
    try {
      const db = join(s.workspace, 'tessera.db');
      copyFileSync(db, `${db}.copy`);
      renameSync(`${db}.copy`, db);
      const r = await call(s, 'tags.apply', { tag: 'after-replace', imageIds: s.imageIds });
      expect(r.error?.code).toBe('IO_ERROR');
      expect(r.error?.message).toMatch(new RegExp(`^${db} was deleted, moved or replaced`));
    } finally {
      await s.close();
    }
  });
});
