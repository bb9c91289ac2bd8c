import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ApiError, describeInput, type InputSpec, type ModelSummary } from '../../../src/shared';
import { writeToys } from '../../../tools/toy-models';
import { openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { engineInternals } from '../../../src/main/engine/internals';

let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;
let ws: string;
let modelsDir: string;
let onnx: string;

/** A manifest as the Models page's form sends it (no files: the engine names the ONNX file). */
const FORM_MANIFEST = {
  name: 'colours-from-form',
  kind: 'semantic-seg',
  input: { tensor: 'image', policy: 'resize', size: [64, 64], mean: [0, 0, 0], std: [1, 1, 1], range: '0-1', channel_order: 'RGB' },
  outputs: { logits: 'logits' },
  classes: { names: ['background', 'red', 'green', 'blue'], background: 0 },
};

beforeAll(() => {
  t = tempDir();
  ws = join(t.dir, 'ws');
  env = openTestEngine(ws);
  modelsDir = join(t.dir, 'models');
  writeToys(modelsDir, ['semantic-seg']);
  onnx = join(modelsDir, 'toy-colour-semantic.onnx');
});
afterAll(async () => {
  await env.engine.close();
  t.cleanup();
});

async function failure(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

function inputOf(m: ModelSummary): InputSpec {
  if (m.input === null) throw new Error(`${m.name} has no input spec`);
  return m.input;
}

function modelCount(): number {
  return (engineInternals(env.engine).db.prepare('SELECT COUNT(*) AS n FROM models').get() as { n: number }).n;
}

describe('models.inspect', () => {
  it("returns the ONNX file's real tensors and where its manifest would go", async () => {
    const r = await env.client.call('models.inspect', { path: onnx });
    expect(r).toEqual({
      path: onnx,
      inputs: [{ name: 'image', type: 'float32', shape: [1, 3, 'H', 'W'] }],
      outputs: [{ name: 'logits', type: 'float32', shape: [1, 4, 'h', 'w'] }],
      manifestPath: join(modelsDir, 'toy-colour-semantic.tessera.yaml'),
      manifestExists: false,
    });
  });

  it('names a missing file, and a file that is not ONNX, in one line', async () => {
    const missing = await failure(env.client.call('models.inspect', { path: join(modelsDir, 'nope.onnx') }));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toBe(`${join(modelsDir, 'nope.onnx')} does not exist`);
    const junk = join(modelsDir, 'junk.onnx');
    writeFileSync(junk, 'this is not a protobuf');
    const bad = await failure(env.client.call('models.inspect', { path: junk }));
    expect(bad.code).toBe('MODEL_MISMATCH');
    expect(bad.message).toMatch(new RegExp(`^${junk.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a loadable ONNX model \\(`));
    expect(bad.message).not.toContain('\n');
    const folder = await failure(env.client.call('models.inspect', { path: modelsDir }));
    expect(folder.message).toBe(`${modelsDir} is not a file (expected an .onnx model)`);
  });
});

describe('models.writeManifest', () => {
  it('writes <stem>.tessera.yaml beside the ONNX file, and models.add registers it with its input spec', async () => {
    const { manifestPath } = await env.client.call('models.writeManifest', { onnxPath: onnx, manifest: FORM_MANIFEST });
    expect(manifestPath).toBe(join(modelsDir, 'toy-colour-semantic.tessera.yaml'));
    expect(parseYaml(readFileSync(manifestPath, 'utf8'))).toEqual({ ...FORM_MANIFEST, files: { model: 'toy-colour-semantic.onnx' } });
    expect((await env.client.call('models.inspect', { path: onnx })).manifestExists).toBe(true);

    const model = await env.client.call('models.add', { manifestPath });
    expect(model.name).toBe('colours-from-form');
    expect(model.path).toBe(onnx);
    expect(model.input).toEqual({
      tensor: 'image',
      policy: 'resize',
      size: [64, 64],
      mean: [0, 0, 0],
      std: [1, 1, 1],
      range: 1,
      channel_order: 'RGB',
    });
    const listed = (await env.client.call('models.list', {})).find((m) => m.name === 'colours-from-form');
    expect(listed?.input).toEqual(model.input);
    expect(describeInput(inputOf(model))).toBe('64x64 resize RGB 0-1');
    expect(readdirSync(modelsDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses to overwrite an existing manifest unless asked, and leaves the file as it was', async () => {
    const target = join(modelsDir, 'toy-colour-semantic.tessera.yaml');
    const before = readFileSync(target, 'utf8');
    const changed = { ...FORM_MANIFEST, input: { ...FORM_MANIFEST.input, size: [32, 32] } };
    const err = await failure(env.client.call('models.writeManifest', { onnxPath: onnx, manifest: changed }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toBe(`${target} already exists (overwrite it, or edit that file and register it instead)`);
    expect(readFileSync(target, 'utf8')).toBe(before);

    await env.client.call('models.writeManifest', { onnxPath: onnx, manifest: changed, overwrite: true });
    expect((parseYaml(readFileSync(target, 'utf8')) as { input: { size: number[] } }).input.size).toEqual([32, 32]);
    expect(readdirSync(modelsDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes JSON when asked, as <stem>.tessera.json', async () => {
    const { manifestPath } = await env.client.call('models.writeManifest', {
      onnxPath: onnx,
      manifest: {
        ...FORM_MANIFEST,
        name: 'colours-json',
        input: { ...FORM_MANIFEST.input, policy: 'keep-aspect', size: 96, multiple: 32 },
      },
      format: 'json',
    });
    expect(manifestPath).toBe(join(modelsDir, 'toy-colour-semantic.tessera.json'));
    const written = JSON.parse(readFileSync(manifestPath, 'utf8')) as { input: Record<string, unknown>; files: unknown };
    expect(written.files).toEqual({ model: 'toy-colour-semantic.onnx' });
    expect(written.input).toMatchObject({ policy: 'keep-aspect', size: 96, multiple: 32 });
    const model = await env.client.call('models.add', { manifestPath });
    expect(model.input).toMatchObject({ policy: 'keep-aspect', size: [96, 96], multiple: 32 });
    expect(describeInput(inputOf(model))).toBe('max 96 /32 keep-aspect RGB 0-1');
  });

  it('lists every problem of a bad manifest at once and writes nothing', async () => {
    const dir = join(t.dir, 'bad');
    mkdirSync(dir);
    writeFileSync(join(dir, 'm.onnx'), readFileSync(onnx));
    const models = modelCount();
    const err = await failure(
      env.client.call('models.writeManifest', {
        onnxPath: join(dir, 'm.onnx'),
        manifest: {
          ...FORM_MANIFEST,
          name: '',
          input: { ...FORM_MANIFEST.input, policy: 'stretch', std: [1, 0, 1] },
        },
      }),
    );
    expect(err.code).toBe('INVALID_INPUT');
    const issues = (err.details?.['issues'] ?? []) as Array<{ path: string; message: string }>;
    expect(issues.map((i) => i.path).sort()).toEqual(['input.policy', 'input.std', 'name']);
    expect(err.message.split('\n')).toHaveLength(1 + issues.length);
    expect(err.message.split('\n')[0]).toBe(`${join(dir, 'm.tessera.yaml')}: 3 problems`);
    expect(readdirSync(dir)).toEqual(['m.onnx']);
    expect(modelCount()).toBe(models);
  });

  it('checks output roles and per-kind params before writing', async () => {
    const dir = join(t.dir, 'roles');
    mkdirSync(dir);
    writeFileSync(join(dir, 'p.onnx'), readFileSync(onnx));
    const err = await failure(
      env.client.call('models.writeManifest', {
        onnxPath: join(dir, 'p.onnx'),
        manifest: { ...FORM_MANIFEST, kind: 'probability-map', outputs: {}, params: { threshold: 30 } },
      }),
    );
    expect(err.code).toBe('INVALID_INPUT');
    const paths = ((err.details?.['issues'] ?? []) as Array<{ path: string }>).map((i) => i.path).sort();
    expect(paths).toEqual(['outputs', 'params.threshold']);
    expect(existsSync(join(dir, 'p.tessera.yaml'))).toBe(false);
  });

  it('writes for web clients only inside the workspace', async () => {
    const outside = await env.engine.dispatch(
      'models.writeManifest',
      { onnxPath: onnx, manifest: { ...FORM_MANIFEST, name: 'web' }, format: 'yaml', overwrite: true },
      // The model may be read (its folder is an allowed root), but the manifest beside it is outside the workspace.
      { transport: 'http', pathAccess: { readRoots: [realpathSync(ws), realpathSync(t.dir)] } },
    );
    expect(outside.ok).toBe(false);
    if (!outside.ok) {
      expect(outside.error.code).toBe('UNAUTHORIZED');
      expect(outside.error.message).toMatch(/^manifest: over the web UI, files can be written only inside the workspace/);
    }
    const insideDir = join(ws, 'models');
    mkdirSync(insideDir);
    writeFileSync(join(insideDir, 'web.onnx'), readFileSync(onnx));
    const inside = await env.engine.dispatch(
      'models.writeManifest',
      { onnxPath: join(insideDir, 'web.onnx'), manifest: { ...FORM_MANIFEST, name: 'web' } },
      { transport: 'http' },
    );
    expect(inside).toEqual({ ok: true, value: { manifestPath: join(insideDir, 'web.tessera.yaml') } });
    // The CLI and the desktop app may write anywhere.
    const ipc = await env.engine.dispatch(
      'models.writeManifest',
      { onnxPath: onnx, manifest: { ...FORM_MANIFEST, name: 'desktop' }, overwrite: true },
      { transport: 'ipc' },
    );
    expect(ipc.ok).toBe(true);
  });
});
