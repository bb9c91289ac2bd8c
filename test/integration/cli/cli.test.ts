import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { makeFolderDataset, tempDir } from '../../helpers/fixtures';
import { REPO, startServe, tessera } from '../../helpers/cli';
import { SCHEMA_VERSION } from '../../../src/main/engine/store/migrations';

let root: string;
let cleanup: () => void;
beforeAll(() => {
  const t = tempDir();
  root = t.dir;
  cleanup = t.cleanup;
});
afterAll(() => cleanup());

describe('tessera CLI', () => {
  it('creates a workspace with init, in ./.tessera by default', () => {
    const r = tessera(['init'], { cwd: root });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain(join(root, '.tessera'));
    const again = tessera(['init', '--json'], { cwd: root });
    expect(JSON.parse(again.stdout)).toMatchObject({ path: join(root, '.tessera'), created: false, schemaVersion: SCHEMA_VERSION });
  });

  it('imports a folder with masks and lists it as JSON', async () => {
    const data = await makeFolderDataset(join(root, 'data'), 4);
    const ws = join(root, 'ws1');
    expect(tessera(['--workspace', ws, 'init']).code).toBe(0);
    const imp = tessera(['--workspace', ws, 'import', 'folder', data.images, '--masks', data.masks, '--name', 'shapes']);
    expect(imp.stderr).toBe('');
    expect(imp.code).toBe(0);
    expect(imp.stdout).toMatch(/imported 4 images \(4 with masks\) as dataset "shapes"/);
    const list = tessera(['--workspace', ws, 'datasets', 'list', '--json']);
    expect(list.code).toBe(0);
    const parsed = JSON.parse(list.stdout) as Array<Record<string, unknown>>;
    expect(parsed).toHaveLength(1);
    expect(parsed[0]).toMatchObject({ name: 'shapes', imageCount: 4, annotatedImageCount: 4, format: 'folder' });
    const human = tessera(['--workspace', ws, 'datasets', 'list']);
    expect(human.stdout).toMatch(/shapes\s+folder\s+semantic\s+4/);
  });

  it('honours $TESSERA_WORKSPACE', () => {
    const ws = join(root, 'from-env');
    expect(tessera(['init'], { env: { TESSERA_WORKSPACE: ws } }).stdout).toContain(ws);
    expect(JSON.parse(tessera(['datasets', 'list', '--json'], { env: { TESSERA_WORKSPACE: ws } }).stdout)).toEqual([]);
  });

  it('exits 1 with one error line and no stack for user errors', () => {
    const ws = join(root, 'ws2');
    tessera(['--workspace', ws, 'init']);
    const r = tessera(['--workspace', ws, 'import', 'folder', join(root, 'missing')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: image folder not found: ${join(root, 'missing')}\n`);
    const noWs = tessera(['--workspace', join(root, 'nowhere'), 'datasets', 'list']);
    expect(noWs.code).toBe(1);
    expect(noWs.stderr).toMatch(/^error: no Tessera workspace at .*nowhere \(run "tessera init"/);
    expect(noWs.stderr.trim().split('\n')).toHaveLength(1);
    // A file given as the workspace: not told to "tessera init" there (which cannot make a folder over it).
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    expect(tessera(['--workspace', file, 'datasets', 'list'])).toMatchObject({
      code: 1,
      stderr: `error: ${file} is a file, not a Tessera workspace (a workspace is a folder: pass --workspace DIR)\n`,
    });
  });

  it('exits 2 for usage errors', () => {
    expect(tessera(['frobnicate']).code).toBe(2);
    expect(tessera(['import', 'folder']).code).toBe(2);
    expect(tessera(['datasets', 'list', '--bogus']).code).toBe(2);
    expect(tessera(['--help']).code).toBe(0);
  });

  it('refuses a workspace made by a newer schema with a clear message', () => {
    const ws = join(root, 'ws3');
    tessera(['--workspace', ws, 'init']);
    const db = new Database(join(ws, 'tessera.db'));
    db.pragma('user_version = 99');
    db.close();
    const r = tessera(['--workspace', ws, 'datasets', 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*schema version 99 was written by a newer Tessera .*upgrade Tessera/);
  });

  it('serves the UI with the token and refuses requests without it', async () => {
    const ws = join(root, 'ws4');
    tessera(['--workspace', ws, 'init']);
    const server = await startServe(ws);
    try {
      const url = new URL(server.url);
      expect(url.hostname).toBe('127.0.0.1');
      const page = await fetch(server.url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
      expect((await fetch(`${url.origin}/`)).status).toBe(401);
    } finally {
      await server.stop();
    }
  });

  it('serve keeps its port and token across a restart, so open tabs keep working; --new-token makes a new one', async () => {
    const ws = join(root, 'ws-restart');
    tessera(['--workspace', ws, 'init']);
    const first = await startServe(ws, [], {}, null);
    const url = new URL(first.url);
    const token = url.searchParams.get('token') ?? '';
    const info = (): Promise<Response> =>
      fetch(`${url.origin}/api/call/workspace.info`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    expect((await info()).status).toBe(200);
    await first.stop();
    const state = join(ws, 'cache', 'serve.json');
    expect(statSync(state).mode & 0o777).toBe(0o600);
    const second = await startServe(ws, [], {}, null);
    try {
      expect(second.url).toBe(first.url);
      expect((await info()).status).toBe(200); // the page's old token is taken again
    } finally {
      await second.stop();
    }
    const fresh = await startServe(ws, ['--new-token'], {}, null);
    try {
      expect(new URL(fresh.url).searchParams.get('token')).not.toBe(token);
      expect(new URL(fresh.url).port).toBe(url.port);
      expect(
        (
          await fetch(`${new URL(fresh.url).origin}/api/call/workspace.info`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${token}` },
          })
        ).status,
      ).toBe(401);
    } finally {
      await fresh.stop();
    }
    // A copy of the workspace (shared with someone, a backup opened elsewhere) gets a token of its own.
    const copy = join(root, 'ws-restart-copy');
    cpSync(ws, copy, { recursive: true });
    const copied = await startServe(copy, [], {}, null);
    try {
      expect(new URL(copied.url).searchParams.get('token')).not.toBe(new URL(fresh.url).searchParams.get('token'));
    } finally {
      await copied.stop();
    }
  });

  it('serve on an address this machine does not have, or on a port in use: one line saying what to do, no exposure warning, exit 2', async () => {
    const ws = join(root, 'ws-listen');
    tessera(['--workspace', ws, 'init']);
    expect(tessera(['--workspace', ws, 'serve', '--host', '999.1.1.1', '--port', '4789'])).toMatchObject({
      code: 2,
      stdout: '',
      stderr:
        'error: cannot listen on 999.1.1.1:4789: no such address on this machine (pass --host with one of its addresses, e.g. 127.0.0.1 or 0.0.0.0)\n',
    });
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as AddressInfo).port;
    try {
      expect(tessera(['--workspace', ws, 'serve', '--port', String(port)])).toMatchObject({
        code: 2,
        stdout: '',
        stderr: `error: port ${port} is in use (another tessera serve?): pass --port N or stop the other\n`,
      });
    } finally {
      await new Promise<void>((r) => taken.close(() => r()));
    }
  });

  it('starts from the code cache the build wrote for this very bundle, and runs the same without it', () => {
    const bundle = readFileSync(join(REPO, 'out', 'node', 'cli-main.cjs'));
    const cache = readFileSync(join(REPO, 'out', 'node', 'cli-main.cjs.cache'));
    expect(cache.subarray(0, 6).toString()).toBe('TSCC1\n');
    expect(cache.subarray(6, 26).equals(createHash('sha1').update(bundle).digest())).toBe(true);
    const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
    expect(tessera(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(tessera(['--version'], { env: { TESSERA_CODE_CACHE: '0' } })).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});
