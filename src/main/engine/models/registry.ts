import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import type { ModelManifest, ModelSummary, TensorInfo } from '../../../shared/domain';
import type { EngineDeps } from '../deps';
import type { InferenceClient } from './inference/InferenceClient';
import type { TensorMeta } from './inference/protocol';
import { loadManifest } from './manifest';
import { requiredInputs } from './adapters';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function dimsText(shape: ReadonlyArray<number | string>): string {
  return `[${shape.join(',')}]`;
}

/** The manifest must name tensors the ONNX file really has, with compatible shapes. */
export function checkAgainstModel(manifest: ModelManifest, file: string, inputs: TensorMeta[], outputs: TensorMeta[]): void {
  const inputNames = new Set(inputs.map((i) => i.name));
  const outputNames = new Set(outputs.map((o) => o.name));
  const mismatch = (what: string): never => {
    throw new ApiError(
      'MODEL_MISMATCH',
      `${file}: ${what} (model inputs: ${[...inputNames].join(', ')}; outputs: ${[...outputNames].join(', ')})`,
    );
  };
  const expectedInputs =
    manifest.kind === 'prompt-decoder' ? requiredInputs(manifest) : [manifest.input.tensor, ...requiredInputs(manifest)];
  for (const name of expectedInputs) if (!inputNames.has(name)) mismatch(`manifest input "${name}" is not an input of the model`);
  for (const [role, name] of Object.entries(manifest.outputs))
    if (!outputNames.has(name)) mismatch(`manifest output ${role} = "${name}" is not an output of the model`);
  if (manifest.kind !== 'prompt-decoder') {
    const image = inputs.find((i) => i.name === manifest.input.tensor);
    if (image !== undefined && image.shape.length > 0) {
      if (image.shape.length !== 4) mismatch(`input "${image.name}" has shape ${dimsText(image.shape)}, expected [N,3,H,W]`);
      const c = image.shape[1];
      if (typeof c === 'number' && c !== 3) mismatch(`input "${image.name}" has ${c} channels, expected 3`);
      const [h, w] = [image.shape[2], image.shape[3]];
      const [sh, sw] = manifest.input.size;
      if (
        manifest.input.policy !== 'fixed' &&
        typeof h === 'number' &&
        typeof w === 'number' &&
        (h !== sh || w !== sw) &&
        !Array.isArray(manifest.params['scales'])
      ) {
        mismatch(`input "${image.name}" is fixed at ${h}x${w} but the manifest resizes to ${sh}x${sw}`);
      }
    }
  }
  const classes = manifest.classes?.names.length;
  const channelsOf = (role: string): number | string | undefined => outputs.find((o) => o.name === manifest.outputs[role])?.shape[1];
  if (classes !== undefined) {
    const bg = manifest.classes?.background === null ? 0 : 1;
    const check = (role: string, expected: number, what: string): void => {
      const ch = channelsOf(role);
      if (typeof ch === 'number' && ch !== expected)
        mismatch(`output ${role} has ${ch} channels but the manifest lists ${expected} ${what}`);
    };
    if (manifest.kind === 'semantic-seg') check('logits', classes, 'classes');
    if (manifest.kind === 'cam') check('cam', manifest.params['cam_channels'] === 'all' ? classes : classes - bg, 'foreground classes');
  }
}

/** A folder's identity: sha256 over its bundle files' names and contents, in name order. */
export async function sha256Folder(dir: string): Promise<{ sha256: string; files: number }> {
  const names = (await readdir(dir)).filter((n) => /\.(npz|safetensors)$/.test(n)).sort();
  const hash = createHash('sha256');
  for (const name of names) {
    hash.update(name).update('\0');
    for await (const chunk of createReadStream(join(dir, name))) hash.update(chunk as Buffer);
  }
  return { sha256: hash.digest('hex'), files: names.length };
}

/** A seg-token model given as precomputed tensors (READ/LISA bundles): no ONNX graph to check. */
async function addBundleModel(deps: EngineDeps, manifest: ModelManifest, files: Record<string, string>): Promise<ModelSummary> {
  const dir = files['bundles'] as string;
  const { sha256, files: count } = await sha256Folder(dir);
  if (count === 0) throw new ApiError('INVALID_INPUT', `${dir}: no .npz or .safetensors bundles in this folder`);
  const id = deps.repos.models.upsert({
    name: manifest.name,
    kind: manifest.kind,
    path: dir,
    sha256,
    toy: manifest.toy,
    manifest: { ...(manifest as unknown as Record<string, unknown>), files },
    inputs: [],
    outputs: ['image_hidden', 'seg_hidden', 'seg_embeds'].map((name) => ({ name, type: 'float32', shape: [] })),
  });
  deps.events.emit('data.changed', { topics: ['models'] });
  const summary = deps.repos.models.get(id);
  if (summary === undefined) throw new ApiError('INTERNAL', 'model vanished after insert');
  return summary;
}

function toInfo(list: TensorMeta[]): TensorInfo[] {
  return list.map((t) => ({ name: t.name, type: t.type, shape: t.shape }));
}

/** `models add`: validate the manifest, hash the file, open it once to check it against the manifest. */
export async function addModel(deps: EngineDeps, inference: InferenceClient, manifestPath: string): Promise<ModelSummary> {
  const loaded = await loadManifest(manifestPath);
  const { manifest, files } = loaded;
  for (const [role, file] of Object.entries(files)) {
    const info = await stat(file).catch(() => null);
    const ok = role === 'bundles' ? info?.isDirectory() === true : info?.isFile() === true;
    if (!ok)
      throw new ApiError(
        'NOT_FOUND',
        `${loaded.path}: files.${role} = ${file} does not exist${role === 'bundles' ? ' (a folder of .npz/.safetensors files)' : ''}`,
      );
  }
  if (files['model'] === undefined) return addBundleModel(deps, manifest, files);
  const main = files['model'];
  const key = `check:${main}`;
  let meta;
  try {
    meta = await inference.load(key, main, ['cpu']);
  } catch (err) {
    const why =
      err instanceof Error ? err.message.replace(/^.*cannot load the model \((.*)\)$/s, '$1').replace(/^\((.*)\)$/s, '$1') : String(err);
    throw new ApiError('MODEL_MISMATCH', `${main}: not a loadable ONNX model (${why})`);
  } finally {
    await inference.unload(key).catch(() => undefined);
  }
  checkAgainstModel(manifest, main, meta.inputs, meta.outputs);
  if (files['encoder'] !== undefined) {
    const encKey = `check:${files['encoder']}`;
    try {
      const enc = await inference.load(encKey, files['encoder'], ['cpu']);
      const encoder = (manifest.params['encoder'] ?? {}) as { input?: string; output?: string };
      if (!enc.inputs.some((i) => i.name === (encoder.input ?? manifest.input.tensor))) {
        throw new ApiError('MODEL_MISMATCH', `${files['encoder']}: the encoder has no input "${encoder.input ?? manifest.input.tensor}"`);
      }
    } finally {
      await inference.unload(encKey).catch(() => undefined);
    }
  }
  const sha256 = await sha256File(main);
  const id = deps.repos.models.upsert({
    name: manifest.name,
    kind: manifest.kind,
    path: main,
    sha256,
    toy: manifest.toy,
    manifest: { ...(manifest as unknown as Record<string, unknown>), files },
    inputs: toInfo(meta.inputs),
    outputs: toInfo(meta.outputs),
  });
  deps.events.emit('data.changed', { topics: ['models'] });
  const summary = deps.repos.models.get(id);
  if (summary === undefined) throw new ApiError('INTERNAL', 'model vanished after insert');
  return summary;
}
