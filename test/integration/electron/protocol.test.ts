import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { protocolHandler } from '../../../src/main/electron/protocol';
import { isTrustedSender } from '../../../src/main/electron/security';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { makeFolderDataset, tempDir } from '../../helpers/fixtures';

let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;
let handle: (r: Request) => Promise<Response>;
let imageId = 0;

beforeAll(async () => {
  t = tempDir();
  env = openTestEngine(join(t.dir, 'ws'));
  const renderer = join(t.dir, 'app', 'renderer');
  mkdirSync(renderer, { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Tessera</title>');
  writeFileSync(join(t.dir, 'app', 'secret.txt'), 'not for the page');
  const data = await makeFolderDataset(t.dir, 1);
  const done = await finishJob(env.client, () => env.client.call('datasets.importFolder', { dir: data.images }));
  imageId = (await env.client.call('images.page', { datasetId: Number(done.result?.['datasetId']) })).items[0]!.id;
  handle = protocolHandler(env.engine, renderer);
});
afterAll(async () => {
  await env.engine.close();
  t.cleanup();
});

describe('the tessera:// protocol of the Electron shell', () => {
  it('serves the app with a strict CSP and registered images, nothing else', async () => {
    const page = await handle(new Request('tessera://app/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const image = await handle(new Request(`tessera://blob/image/${imageId}`));
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect((await handle(new Request('tessera://blob/image/99999'))).status).toBe(404);
    expect((await handle(new Request('tessera://elsewhere/index.html'))).status).toBe(404);
  });

  it('never serves a file outside the renderer folder', async () => {
    for (const url of [
      'tessera://app/../secret.txt',
      'tessera://app/%2e%2e/secret.txt',
      'tessera://app/..%2fsecret.txt',
      'tessera://app/%2e%2e%2f%2e%2e%2fws%2ftessera.db',
    ]) {
      const res = await handle(new Request(url));
      expect([403, 404], url).toContain(res.status);
      expect(await res.text()).not.toContain('not for the page');
    }
  });

  it('answers IPC only for frames of the app itself', () => {
    const sender = { id: 1, send: () => {}, setWindowOpenHandler: () => {}, on: () => {}, isDestroyed: () => false };
    expect(isTrustedSender({ sender, senderFrame: { url: 'tessera://app/index.html' } })).toBe(true);
    expect(isTrustedSender({ sender, senderFrame: { url: 'https://evil.example/' } })).toBe(false);
    expect(isTrustedSender({ sender, senderFrame: null })).toBe(false);
  });
});
