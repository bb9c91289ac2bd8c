import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../../src/main/server/server';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { makeFolderDataset, tempDir } from '../../helpers/fixtures';

const TOKEN = 'test-token-0123456789';
let server: RunningServer;
let base: string;
let cleanup: Array<() => unknown> = [];
let imageId = 0;
let workspace = '';

/** Raw HTTP so the test controls the Host header (fetch does not allow it). */
function raw(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolveReq, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolveReq({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

beforeAll(async () => {
  const t = tempDir();
  const staticDir = join(t.dir, 'renderer');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Tessera</title>');
  mkdirSync(join(staticDir, 'assets'));
  writeFileSync(join(staticDir, 'assets', 'index-abc.js'), 'export {};\n');
  workspace = join(t.dir, 'ws');
  const { engine, client } = openTestEngine(workspace);
  const data = await makeFolderDataset(t.dir, 1);
  const done = await finishJob(client, () => client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks }));
  imageId = (await client.call('images.page', { datasetId: Number(done.result?.['datasetId']) })).items[0]?.id ?? 0;
  server = await startServer({ engine, host: '127.0.0.1', port: 0, token: TOKEN, staticDir });
  base = `http://127.0.0.1:${server.port}`;
  cleanup = [() => server.close(), () => engine.close(), t.cleanup];
});

afterAll(async () => {
  for (const c of cleanup) await c();
});

describe('tessera serve transport', () => {
  it('prints a loopback URL that carries the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${TOKEN}`);
  });

  it('refuses the page, the API and blobs without the token', async () => {
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/api/call/datasets.list`, { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await fetch(`${base}/blob/image/${imageId}`)).status).toBe(401);
    expect((await fetch(`${base}/?token=wrong`)).status).toBe(401);
  });

  it('serves the page with the token and sets a strict HTTP-only cookie for its own requests', async () => {
    const res = await fetch(`${base}/?token=${TOKEN}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>Tessera</title>');
    expect(res.headers.get('set-cookie')).toMatch(/tessera_token=.*HttpOnly; SameSite=Strict/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const withCookie = await fetch(`${base}/blob/image/${imageId}`, { headers: { cookie: `tessera_token=${TOKEN}` } });
    expect(withCookie.status).toBe(200);
    expect(withCookie.headers.get('content-type')).toBe('image/png');
  });

  it('answers a missing file with 404, never the page; a route typed without its # goes to it', async () => {
    const auth = { headers: { cookie: `tessera_token=${TOKEN}` } };
    const script = await raw('/assets/index-abc.js', auth);
    expect([script.status, script.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
    for (const path of [
      '/assets/gone.js',
      '/assets/x',
      '/some/unknown/style.css',
      '/favicon.ico',
      '/api',
      '/api/other',
      '/blob',
      '/.env',
    ]) {
      const res = await raw(path, auth);
      expect({ path, status: res.status, type: res.headers['content-type'] }).toEqual({
        path,
        status: 404,
        type: 'text/plain; charset=utf-8',
      });
      expect(res.body.toString()).not.toContain('<title>Tessera</title>');
    }
    // Routes live in the hash: a path without an extension is sent to that route, query (the token) kept.
    const route = await raw('/some/unknown/path?token=abc', auth);
    expect([route.status, route.headers['location']]).toEqual([302, '/?token=abc#/some/unknown/path']);
    expect((await raw('/datasets/1', auth)).headers['location']).toBe('/#/datasets/1');
    // A gallery link typed without its '#': its filters and sort go into the hash, where the gallery reads them.
    expect((await raw('/datasets/1?tag=hard&sort=asc%3A3&token=abc', auth)).headers['location']).toBe(
      '/?token=abc#/datasets/1?tag=hard&sort=asc%3A3',
    );
    // The page itself, at / and /index.html.
    for (const path of ['/', '/index.html']) {
      const page = await raw(path, auth);
      expect([page.status, page.body.toString()]).toEqual([200, '<!doctype html><title>Tessera</title>']);
    }
  });

  it('lets the page connect only to its own origin (CSP connect-src)', async () => {
    const res = await fetch(`${base}/?token=${TOKEN}`);
    const policy = res.headers.get('content-security-policy') ?? '';
    const connect = policy
      .split(';')
      .map((d) => d.trim())
      .find((d) => d.startsWith('connect-src'));
    expect(connect).toBe(`connect-src 'self' ws://127.0.0.1:${server.port}`);
  });

  it('refuses a foreign Host header even with the token (DNS rebinding)', async () => {
    const res = await raw(`/?token=${TOKEN}`, { headers: { Host: `evil.example:${server.port}` } });
    expect(res.status).toBe(403);
    const ok = await raw(`/?token=${TOKEN}`, { headers: { Host: `localhost:${server.port}` } });
    expect(ok.status).toBe(200);
  });

  it('refuses cross-origin API calls', async () => {
    const res = await raw('/api/call/datasets.list', {
      method: 'POST',
      headers: { Host: `127.0.0.1:${server.port}`, Authorization: `Bearer ${TOKEN}`, Origin: 'http://evil.example' },
      body: '{}',
    });
    expect(res.status).toBe(403);
  });

  it('answers contract calls with Result envelopes, including typed errors', async () => {
    const call = (method: string, body: string) =>
      fetch(`${base}/api/call/${method}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body,
      });
    const list = (await (await call('datasets.list', '{}')).json()) as { ok: boolean; value: Array<{ imageCount: number }> };
    expect(list.ok).toBe(true);
    expect(list.value[0]?.imageCount).toBe(1);
    expect(await (await call('images.get', JSON.stringify({ imageId: 424242 }))).json()).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'image 424242 not found' },
    });
    expect(((await (await call('images.get', '{"imageId":"x"}')).json()) as { error: { code: string } }).error.code).toBe('INVALID_INPUT');
    expect(((await (await call('no.such', '{}')).json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    expect((await call('datasets.list', '{not json')).status).toBe(400);
  });

  it('refuses to write files outside the workspace for web clients', async () => {
    const res = await fetch(`${base}/api/call/datasets.export`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ datasetId: 1, format: 'voc', outDir: '/tmp/elsewhere-tessera' }),
    });
    const body = (await res.json()) as { ok: boolean; error: { code: string; message: string } };
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe('UNAUTHORIZED');
    expect(body.error.message).toMatch(/only inside the workspace/);
    const inside = (await (
      await fetch(`${base}/api/call/datasets.export`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ datasetId: 1, format: 'voc', outDir: 'exports/voc' }),
      })
    ).json()) as { ok: boolean };
    expect(inside.ok).toBe(true);
  });

  it('serves label maps as raw bytes and 404s for unknown blobs', async () => {
    const res = await fetch(`${base}/blob/labelmap/gt/${imageId}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(64 * 48);
    expect((await fetch(`${base}/blob/image/999999`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
    const escape = await raw('/blob/../../../../etc/passwd', {
      headers: { Host: `127.0.0.1:${server.port}`, Authorization: `Bearer ${TOKEN}` },
    });
    expect(escape.body.toString()).not.toContain('root:');
    const staticEscape = await raw('/..%2f..%2f..%2fetc%2fpasswd', {
      headers: { Host: `127.0.0.1:${server.port}`, Authorization: `Bearer ${TOKEN}` },
    });
    expect(staticEscape.body.toString()).not.toContain('root:');
  });

  it('pushes job progress over the WebSocket only to token holders', async () => {
    const refused = await new Promise<string>((r) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`);
      ws.on('error', () => r('error'));
      ws.on('open', () => r('open'));
    });
    expect(refused).toBe('error');

    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events?token=${TOKEN}`);
    await new Promise((r) => ws.on('open', r));
    const names: string[] = [];
    const finished = new Promise<void>((r) =>
      ws.on('message', (m) => {
        const ev = JSON.parse(String(m)) as { name: string };
        names.push(ev.name);
        if (ev.name === 'job.finished') r();
      }),
    );
    const res = await fetch(`${base}/api/call/datasets.importFolder`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ dir: join(workspace, 'not-here') }),
    });
    expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
    await finished;
    ws.close();
    expect(names).toContain('job.finished');
  });

  it('closes an event socket that sends a malformed frame and keeps serving', async () => {
    const frames = {
      reservedBits: Buffer.from([0xf1, 0x80, 0, 0, 0, 0]), // FIN + RSV1-3, masked, empty
      unmasked: Buffer.from([0x81, 0x02, 0x68, 0x69]), // a client frame without a mask
      oversized: Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0x10, 0, 0, 0, 1, 2, 3, 4]), // announces 256 MiB
    };
    for (const [name, frame] of Object.entries(frames)) {
      const closed = await new Promise<string>((resolveClosed, reject) => {
        const sock = connect(server.port, '127.0.0.1');
        sock.on('error', reject);
        let upgraded = false;
        sock.on('data', (d) => {
          if (!upgraded) {
            upgraded = true;
            expect(d.toString().split('\r\n')[0]).toBe('HTTP/1.1 101 Switching Protocols');
            sock.write(frame);
          }
        });
        sock.on('close', () => resolveClosed(name));
        sock.write(
          `GET /api/events?token=${TOKEN} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
      expect(closed).toBe(name);
      const info = await fetch(`${base}/api/call/workspace.info`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(((await info.json()) as { ok: boolean }).ok).toBe(true);
    }
  });
});
