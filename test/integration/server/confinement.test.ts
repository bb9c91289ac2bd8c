/**
 * Web clients stay in their lane: over `tessera serve` (a real server on loopback, real files, real
 * symlinks) path-taking calls read only under the allowed roots and write only inside the
 * workspace, wherever a symlink leads; system folders never; errors never quote file contents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import WebSocket from 'ws';
import { readRootsFor, startServer, type RunningServer } from '../../../src/main/server/server';
import { writeToys } from '../../../tools/toy-models';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { makeFolderDataset, rectLabels, tempDir, writeGreyMask, writeSolidImage } from '../../helpers/fixtures';
import { engineInternals } from '../../../src/main/engine/internals';

const TOKEN = 'confinement-token-0123456789';
let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;
let server: RunningServer;
let base: string;
let ws: string; // the workspace
let allowed: string; // the one extra folder web clients may read
let outside: string; // neither
let datasetId = 0;
let runId = 0;

interface Envelope {
  ok: boolean;
  value?: Record<string, unknown>;
  error?: { code: string; message: string };
}

async function call(method: string, input: unknown): Promise<Envelope> {
  const res = await fetch(`${base}/api/call/${method}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(input),
  });
  return (await res.json()) as Envelope;
}

async function refused(method: string, input: unknown): Promise<string> {
  const r = await call(method, input);
  expect(r.ok, `${method} ${JSON.stringify(input)} should be refused`).toBe(false);
  expect(r.error?.code, r.error?.message).toBe('UNAUTHORIZED');
  return r.error?.message ?? '';
}

/** Raw HTTP: the test controls the path bytes and the headers. */
function raw(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolveReq, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, method: 'GET', headers: { Authorization: `Bearer ${TOKEN}`, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolveReq({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Polls a job over HTTP until it ends; returns its final state. */
async function jobOf(started: Envelope): Promise<Record<string, unknown>> {
  expect(started.ok, JSON.stringify(started.error)).toBe(true);
  const jobId = String(started.value?.['jobId']);
  for (;;) {
    const state = (await call('jobs.get', { jobId })).value;
    if (state !== undefined && state['status'] !== 'queued' && state['status'] !== 'running') return state;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function count(table: string): number {
  return (engineInternals(env.engine).db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
}

beforeAll(async () => {
  t = tempDir();
  ws = join(t.dir, 'ws');
  allowed = join(t.dir, 'allowed');
  outside = join(t.dir, 'outside');
  mkdirSync(allowed);
  mkdirSync(outside);
  env = openTestEngine(ws);
  // One dataset with a run, imported in-process (the CLI may read anywhere).
  const data = await makeFolderDataset(join(t.dir, 'seed'), 2);
  const imported = await finishJob(env.client, () => env.client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks }));
  datasetId = Number(imported.result?.['datasetId']);
  const preds = join(t.dir, 'seed', 'preds');
  mkdirSync(preds);
  for (const name of ['img_000', 'img_001'])
    writeGreyMask(join(preds, `${name}.png`), 64, 48, rectLabels(64, 48, { x: 4, y: 4, w: 20, h: 20 }, 1));
  const run = await finishJob(env.client, () =>
    env.client.call('runs.importPredictions', { datasetId, run: 'seed-run', format: 'png', path: preds }),
  );
  runId = Number(run.result?.['runId']);
  if (!Number.isInteger(runId)) throw new Error(JSON.stringify(run));
  await makeFolderDataset(join(outside, 'data'), 1);
  await makeFolderDataset(join(allowed, 'data'), 1);
  writeToys(join(outside, 'models'), ['semantic-seg']);
  writeToys(join(allowed, 'models'), ['semantic-seg']);
  writeFileSync(join(outside, 'secret.json'), '{"password": "hunter2-in-the-file"}');
  server = await startServer({ engine: env.engine, host: '127.0.0.1', port: 0, token: TOKEN, staticDir: null, allowDirs: [allowed] });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server.close();
  await env.engine.close();
  t.cleanup();
});

describe('writes from web clients follow symlinks before the containment check', () => {
  it('refuses reports.create and datasets.export through a symlink inside the workspace that leads outside', async () => {
    symlinkSync(outside, join(ws, 'escape'));
    const before = readdirSync(outside).sort();
    expect(await refused('reports.create', { datasetId, runIds: [runId], format: 'csv', out: 'escape/report.csv' })).toMatch(
      /only inside the workspace .*which leads to .*outside/,
    );
    expect(await refused('reports.create', { datasetId, runIds: [runId], format: 'csv', out: join(ws, 'escape', 'r.csv') })).toMatch(
      /only inside the workspace/,
    );
    expect(await refused('datasets.export', { datasetId, format: 'voc', outDir: 'escape/voc' })).toMatch(/only inside the workspace/);
    expect(await refused('datasets.export', { datasetId, format: 'voc', outDir: 'escape' })).toMatch(/only inside the workspace/);
    expect(readdirSync(outside).sort()).toEqual(before);
    // A real folder of the workspace still takes a report.
    const ok = await call('reports.create', { datasetId, runIds: [runId], format: 'csv', out: 'reports/ok.csv' });
    expect(ok.ok).toBe(true);
  });

  it('refuses a dangling symlink whose target would be created outside', async () => {
    symlinkSync(join(outside, 'created-by-web.csv'), join(ws, 'dangling.csv'));
    expect(await refused('reports.create', { datasetId, runIds: [runId], format: 'csv', out: 'dangling.csv' })).toMatch(
      /broken symbolic link/,
    );
    expect(existsSync(join(outside, 'created-by-web.csv'))).toBe(false);
  });

  it("refuses writes over the store's own files", async () => {
    const db = readFileSync(join(ws, 'tessera.db'));
    expect(await refused('reports.create', { datasetId, runIds: [runId], format: 'csv', out: 'tessera.db' })).toMatch(/own files/);
    expect(await refused('datasets.export', { datasetId, format: 'voc', outDir: 'cache/x' })).toMatch(/own files/);
    expect(await refused('datasets.export', { datasetId, format: 'voc', outDir: '.' })).toMatch(/own files/);
    expect(readFileSync(join(ws, 'tessera.db')).length).toBeGreaterThanOrEqual(db.length);
  });

  it('refuses models.writeManifest beside a model reached through a symlinked folder', async () => {
    symlinkSync(join(allowed, 'models'), join(ws, 'linked-models'));
    const manifest = {
      name: 'web-written',
      kind: 'semantic-seg',
      input: { tensor: 'image', policy: 'resize', size: [64, 64], mean: [0, 0, 0], std: [1, 1, 1], range: '0-1', channel_order: 'RGB' },
      outputs: { logits: 'logits' },
      classes: { names: ['background', 'red', 'green', 'blue'], background: 0 },
    };
    const onnx = join(ws, 'linked-models', 'toy-colour-semantic.onnx');
    expect(await refused('models.writeManifest', { onnxPath: onnx, manifest, format: 'yaml' })).toMatch(
      /^manifest: over the web UI, files can be written only inside the workspace/,
    );
    expect(existsSync(join(allowed, 'models', 'toy-colour-semantic.tessera.yaml'))).toBe(false);
    // A manifest naming a companion file outside the allowed roots is refused before anything is written.
    mkdirSync(join(ws, 'models'));
    writeFileSync(join(ws, 'models', 'm.onnx'), readFileSync(join(allowed, 'models', 'toy-colour-semantic.onnx')));
    expect(
      await refused('models.writeManifest', {
        onnxPath: join(ws, 'models', 'm.onnx'),
        manifest: { ...manifest, files: { encoder: join(outside, 'models', 'toy-colour-semantic.onnx') } },
      }),
    ).toMatch(/^files\.encoder: over the web UI, files can be read only under/);
    expect(existsSync(join(ws, 'models', 'm.tessera.yaml'))).toBe(false);
  });
});

describe('files found inside an allowed folder are checked one by one', () => {
  const outsideRule = /outside the folders web clients may read/;
  /** An import over the web that must fail on the linked file, leave no dataset and quote nothing. */
  async function failsOnLink(method: string, input: Record<string, unknown>, secret: string): Promise<string> {
    const datasets = count('datasets');
    const state = await jobOf(await call(method, input));
    expect(state['status']).toBe('failed');
    const message = String((state['error'] as { message?: string } | null)?.message ?? '');
    expect(message).toMatch(outsideRule);
    expect(message).not.toContain(secret);
    expect(JSON.stringify(state)).not.toContain(secret);
    expect(count('datasets')).toBe(datasets);
    return message;
  }

  it('ReasonSeg: a JSON file linked to a file elsewhere is not read', async () => {
    const dir = join(allowed, 'rs-linked');
    mkdirSync(dir);
    await writeSolidImage(join(dir, 'a.jpg'), 40, 30, [90, 90, 90]);
    const secret = 'outside-root secret query';
    writeFileSync(
      join(outside, 'rs.json'),
      JSON.stringify({
        text: [secret],
        is_sentence: false,
        shapes: [
          {
            label: 'target',
            points: [
              [1, 1],
              [9, 1],
              [9, 9],
            ],
            shape_type: 'polygon',
          },
        ],
      }),
    );
    symlinkSync(join(outside, 'rs.json'), join(dir, 'a.json'));
    expect(await failsOnLink('datasets.importReasonSeg', { dir }, secret)).toContain('a.json');
  });

  it('VOC: a split list linked to a file elsewhere is neither read nor quoted', async () => {
    const root = join(allowed, 'voc-linked');
    const data = await makeFolderDataset(join(t.dir, 'voc-src'), 1);
    for (const d of ['JPEGImages', 'SegmentationClass', 'ImageSets/Segmentation']) mkdirSync(join(root, d), { recursive: true });
    await writeSolidImage(join(root, 'JPEGImages', 'img_000.jpg'), 64, 48, [128, 128, 128]);
    copyFileSync(join(data.masks, 'img_000.png'), join(root, 'SegmentationClass', 'img_000.png'));
    writeFileSync(join(outside, 'list.txt'), 'TOPSECRET_api_key_d34db33f\n');
    symlinkSync(join(outside, 'list.txt'), join(root, 'ImageSets', 'Segmentation', 'train.txt'));
    await failsOnLink('datasets.importVoc', { root }, 'TOPSECRET');
    // The CLI and the desktop app follow links (datasets are often linked from other disks): in-process it reads the list.
    const local = await finishJob(env.client, () => env.client.call('datasets.importVoc', { root, name: 'voc-local' }));
    expect(local.error?.message).toMatch(/TOPSECRET_api_key_d34db33f/); // the id is not an image there: named as such
  });

  it('COCO: an image linked to a file elsewhere is not imported or served', async () => {
    const images = join(allowed, 'coco-linked');
    mkdirSync(images);
    await writeSolidImage(join(outside, 'private.png'), 64, 48, [1, 2, 3]);
    symlinkSync(join(outside, 'private.png'), join(images, 'leak.png'));
    const annotations = join(allowed, 'coco-linked.json');
    writeFileSync(
      annotations,
      JSON.stringify({
        images: [{ id: 1, file_name: 'leak.png', width: 64, height: 48 }],
        annotations: [],
        categories: [{ id: 1, name: 'thing' }],
      }),
    );
    expect(await failsOnLink('datasets.importCoco', { annotations, imagesDir: images }, 'never-there')).toContain('leak.png');
  });

  it('folder import: a mask linked to a file elsewhere is that image’s error, not its mask', async () => {
    const root = join(allowed, 'folder-linked');
    const data = await makeFolderDataset(root, 2);
    writeGreyMask(join(outside, 'mask.png'), 64, 48, rectLabels(64, 48, { x: 0, y: 0, w: 64, h: 48 }, 2));
    execFileSync('rm', [join(data.masks, 'img_001.png')]);
    symlinkSync(join(outside, 'mask.png'), join(data.masks, 'img_001.png'));
    const datasets = count('datasets');
    const state = await jobOf(await call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'folder-linked' }));
    expect(JSON.stringify(state)).toMatch(outsideRule);
    expect(state['status']).toBe('failed');
    expect(count('datasets')).toBe(datasets);
  });

  it('predictions: PNG and .npy files linked to files elsewhere are refused', async () => {
    const preds = join(allowed, 'preds-linked');
    mkdirSync(preds);
    writeGreyMask(join(preds, 'img_000.png'), 64, 48, rectLabels(64, 48, { x: 1, y: 1, w: 9, h: 9 }, 1));
    writeGreyMask(join(outside, 'pred.png'), 64, 48, rectLabels(64, 48, { x: 1, y: 1, w: 9, h: 9 }, 2));
    symlinkSync(join(outside, 'pred.png'), join(preds, 'img_001.png'));
    const runs = engineInternals(env.engine).db.prepare('SELECT COUNT(*) FROM runs').pluck().get() as number;
    const png = await jobOf(await call('runs.importPredictions', { datasetId, run: 'linked-png', format: 'png', path: preds }));
    expect(png['status']).toBe('failed');
    expect(JSON.stringify(png['error'])).toMatch(outsideRule);
    const npy = join(allowed, 'npy-linked');
    mkdirSync(npy);
    // A valid float32 [48, 64] .npy outside, linked in.
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (48, 64), }";
    const padded = header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
    const head = Buffer.alloc(10);
    Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
    head.writeUInt16LE(padded.length, 8);
    writeFileSync(join(outside, 'map.npy'), Buffer.concat([head, Buffer.from(padded, 'latin1'), Buffer.alloc(48 * 64 * 4)]));
    symlinkSync(join(outside, 'map.npy'), join(npy, 'img_000.npy'));
    const heat = await jobOf(await call('runs.importPredictions', { datasetId, run: 'linked-npy', format: 'npy', path: npy }));
    expect(heat['status']).toBe('failed');
    expect(JSON.stringify(heat['error'])).toMatch(outsideRule);
    expect(engineInternals(env.engine).db.prepare('SELECT COUNT(*) FROM runs').pluck().get()).toBe(runs);
  });

  it('export: a folder linked to a folder elsewhere inside an existing export folder is not written through', async () => {
    const target = join(outside, 'export-target');
    mkdirSync(target);
    mkdirSync(join(ws, 'exp-linked'));
    symlinkSync(target, join(ws, 'exp-linked', 'JPEGImages'));
    const state = await jobOf(await call('datasets.export', { datasetId, format: 'voc', outDir: 'exp-linked' }));
    expect(state['status']).toBe('failed');
    expect(JSON.stringify(state['error'])).toMatch(/leads outside the workspace/);
    expect(readdirSync(target)).toEqual([]);
    expect(readdirSync(join(ws, 'exp-linked'))).toEqual(['JPEGImages']);
  });
});

describe('reads never wait on a FIFO or read a folder', () => {
  it('models.add of a FIFO answers at once; a FIFO mask is that image’s error; a folder named like a prediction is named', async () => {
    const fifo = join(allowed, 'manifest-fifo.json');
    execFileSync('mkfifo', [fifo]);
    const added = await call('models.add', { manifestPath: fifo });
    expect(added.ok).toBe(false);
    expect(added.error?.message).toMatch(/named pipe \(FIFO\), not a file to read/);

    const root = join(allowed, 'folder-fifo');
    const data = await makeFolderDataset(root, 2);
    execFileSync('rm', [join(data.masks, 'img_001.png')]);
    execFileSync('mkfifo', [join(data.masks, 'img_001.png')]);
    const state = await jobOf(await call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'folder-fifo' }));
    expect(state['status']).toBe('failed');
    expect(JSON.stringify(state['error'])).toMatch(/img_001\.png: a named pipe \(FIFO\)/);

    const preds = join(allowed, 'preds-dir');
    mkdirSync(join(preds, 'img_000.png'), { recursive: true });
    const run = await finishJob(env.client, () =>
      env.client.call('runs.importPredictions', { datasetId, run: 'dir-named-png', format: 'png', path: preds }),
    );
    expect(run.error?.message).toMatch(/img_000\.png: a directory, not a file to read/);
    expect(run.error?.code).not.toBe('INTERNAL');
  });
});

describe('reads from web clients stay under the allowed roots', () => {
  it('refuses models.add of a system file without quoting it', async () => {
    for (const p of ['/etc/passwd', '/etc/shadow', '/proc/self/environ']) {
      const message = await refused('models.add', { manifestPath: p });
      expect(message).toMatch(/system folders/);
      expect(message).not.toMatch(/root:|PATH=/);
    }
    const secret = await refused('models.add', { manifestPath: join(outside, 'secret.json') });
    expect(secret).toMatch(/can be read only under/);
    expect(secret).not.toContain('hunter2');
    expect(count('models')).toBe(0);
  });

  it('refuses imports of every kind from outside the allowed roots, and through a symlink', async () => {
    const datasets = count('datasets');
    const jobs = count('jobs');
    symlinkSync(join(outside, 'data'), join(allowed, 'looks-allowed'));
    symlinkSync('/etc', join(allowed, 'etc-link'));
    await refused('datasets.importFolder', { dir: join(outside, 'data', 'images') });
    await refused('datasets.importFolder', { dir: join(allowed, 'data', 'images'), masksDir: join(outside, 'data', 'masks') });
    expect(await refused('datasets.importFolder', { dir: join(allowed, 'looks-allowed', 'images') })).toMatch(/which leads to/);
    expect(await refused('datasets.importFolder', { dir: join(allowed, 'etc-link') })).toMatch(/system folders \(\/etc\)/);
    await refused('datasets.importFolder', { dir: '/' });
    await refused('datasets.importVoc', { root: outside });
    await refused('datasets.importCoco', { annotations: join(outside, 'secret.json'), imagesDir: join(allowed, 'data', 'images') });
    await refused('datasets.importCoco', { annotations: join(allowed, 'x.json'), imagesDir: join(outside, 'data', 'images') });
    await refused('datasets.importReasonSeg', { dir: outside });
    await refused('datasets.importRefCoco', { refs: join(outside, 'secret.json'), instances: join(allowed, 'i.json'), imagesDir: allowed });
    await refused('runs.importPredictions', { datasetId, run: 'from-outside', format: 'png', path: join(outside, 'data', 'masks') });
    await refused('models.inspect', { path: join(outside, 'models', 'toy-colour-semantic.onnx') });
    expect(count('datasets')).toBe(datasets);
    expect(count('jobs')).toBe(jobs);
  });

  it('imports from an allowed root and serves those images', async () => {
    const state = await jobOf(await call('datasets.importFolder', { dir: join(allowed, 'data', 'images'), name: 'allowed-data' }));
    expect(state['status']).toBe('succeeded');
    const inspected = await call('models.inspect', { path: join(allowed, 'models', 'toy-colour-semantic.onnx') });
    expect(inspected.ok).toBe(true);
  });

  it('tells the web client which folders it may read', async () => {
    const info = await call('workspace.info', {});
    expect(info.value?.['readRoots']).toEqual([realpathSync(ws), realpathSync(allowed)]);
    expect(server.readRoots).toEqual([realpathSync(ws), realpathSync(allowed)]);
    // In-process callers (CLI, desktop) are not confined.
    expect((await env.client.call('workspace.info', {})).readRoots).toBeNull();
  });

  it('chooses the roots: defaults, "/" never by default, system folders refused', () => {
    const roots = readRootsFor(ws, undefined);
    expect(roots[0]).toBe(realpathSync(ws));
    expect(roots).toContain(realpathSync(process.cwd()) === '/' ? realpathSync(ws) : realpathSync(process.cwd()));
    expect(roots).not.toContain('/');
    expect(() => readRootsFor(ws, ['/etc'])).toThrow(/system folders \(\/etc\)/);
    expect(() => readRootsFor(ws, ['/proc/self'])).toThrow(/system folders/);
    expect(() => readRootsFor(ws, [join(outside, 'nope')])).toThrow(/not a folder/);
    expect(readRootsFor(ws, ['/'])).toEqual([realpathSync(ws), '/']);
  });
});

describe('errors never quote the files they are about', () => {
  const SECRET = 'SECRETVALUE1234';
  const message = (state: Record<string, unknown>): string => {
    expect(state['status']).toBe('failed');
    return String((state['error'] as { message?: string } | null)?.message ?? '');
  };

  it('COCO / JSON: malformed elements, keys and characters are located, not repeated', async () => {
    const dir = join(allowed, 'coco');
    mkdirSync(dir);
    const cases = [
      `{"images": [{"id": ${SECRET}}], "annotations": [], "categories": []}`,
      `{"images": [${SECRET}], "annotations": [], "categories": []}`,
      `{"${SECRET} key" 1}`,
      `{"images": [] ${SECRET}}`,
      `{"images": [1 ${SECRET}]}`,
      `{${SECRET}: 1}`,
    ];
    for (const [i, text] of cases.entries()) {
      writeFileSync(join(dir, `${i}.json`), text);
      const m = message(await jobOf(await call('datasets.importCoco', { annotations: join(dir, `${i}.json`), imagesDir: dir })));
      expect(m, text).toMatch(/^\d\.json: /);
      expect(m, text).not.toContain(SECRET);
      expect(m, text).not.toMatch(/SECRET|VALUE/);
    }
  });

  it('ReasonSeg: a malformed annotation is named, its text is not quoted', async () => {
    const dir = join(allowed, 'reasonseg');
    mkdirSync(dir);
    await makeFolderDataset(join(dir, 'tmp'), 1);
    writeFileSync(join(dir, 'a.png'), readFileSync(join(dir, 'tmp', 'images', 'img_000.png')));
    writeFileSync(join(dir, 'a.json'), `{"text": ["x"], "shapes": [${SECRET}]}`);
    const m = message(await jobOf(await call('datasets.importReasonSeg', { dir })));
    expect(m).toMatch(/a\.json: malformed JSON: not valid JSON/);
    expect(m).not.toContain(SECRET);
  });

  it('.npy predictions: a bad header, dtype or shape is described, not echoed', async () => {
    const npy = (header: string): Buffer => {
      const text = `${header}`.padEnd(118, ' ') + '\n';
      const head = Buffer.alloc(10);
      Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
      head.writeUInt16LE(text.length, 8);
      return Buffer.concat([head, Buffer.from(text), Buffer.alloc(64)]);
    };
    const headers = [
      `{'${SECRET}': 1}`,
      `{'descr': '${SECRET}', 'fortran_order': False, 'shape': (2, 2), }`,
      `{'descr': '<f4', 'fortran_order': False, 'shape': (${SECRET}), }`,
    ];
    for (const [i, header] of headers.entries()) {
      const dir = join(allowed, `npy${i}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'img_000.npy'), npy(header));
      const state = await jobOf(await call('runs.importPredictions', { datasetId, run: `npy-${i}`, format: 'npy', path: dir }));
      const text = JSON.stringify(state);
      expect(text, header).not.toContain(SECRET);
    }
  });

  it('models.add: a manifest with bad values is described without quoting them', async () => {
    const dir = join(allowed, 'manifests');
    mkdirSync(dir);
    const cases: Array<[string, string]> = [
      ['a.json', `{"name": "${SECRET}", "kind": "${SECRET}", "files": {"model": "${SECRET}.onnx"}, "input": "${SECRET}", "outputs": {}}`],
      ['b.json', `{"name": ${SECRET}}`],
      ['c.yaml', `name: ${SECRET}\nkind: [${SECRET}\n`],
      ['d.yaml', `name: x\nkind: ${SECRET}\ninput: {size: ${SECRET}}\n`],
    ];
    for (const [name, text] of cases) {
      writeFileSync(join(dir, name), text);
      const r = await call('models.add', { manifestPath: join(dir, name) });
      expect(r.ok).toBe(false);
      expect(JSON.stringify(r.error), text).not.toContain(SECRET);
    }
  });
});

describe('the HTTP edge', () => {
  it('answers malformed percent-encoding with 400, never 500', async () => {
    for (const path of ['/api/call/%E0%A4%A', '/blob/image/%zz', '/%', '/assets/%C0%AF']) {
      const res = await raw(path);
      expect(res.status, path).toBe(400);
    }
    const post = await fetch(`${base}/api/call/%E0%A4%A`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` }, body: '{}' });
    expect(post.status).toBe(400);
    const badCookie = await raw('/', { Authorization: '', Cookie: 'tessera_token=%zz' });
    expect(badCookie.status).toBe(401);
  });

  it('compares the Origin by scheme, host and port', async () => {
    const post = (origin: string) =>
      fetch(`${base}/api/call/datasets.list`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, Origin: origin },
        body: '{}',
      });
    expect((await post(`https://127.0.0.1:${server.port}`)).status).toBe(403);
    expect((await post(`http://127.0.0.1:${server.port + 1}`)).status).toBe(403);
    expect((await post('null')).status).toBe(403);
    expect((await post(`http://127.0.0.1:${server.port}`)).status).toBe(200);
    expect((await post(`http://localhost:${server.port}`)).status).toBe(200);
    const socket = (origin: string) =>
      new Promise<string>((r) => {
        const s = new WebSocket(`ws://127.0.0.1:${server.port}/api/events?token=${TOKEN}`, { origin });
        s.on('error', () => r('error'));
        s.on('open', () => {
          s.close();
          r('open');
        });
      });
    expect(await socket(`https://127.0.0.1:${server.port}`)).toBe('error');
    expect(await socket(`http://127.0.0.1:${server.port}`)).toBe('open');
  });
});
