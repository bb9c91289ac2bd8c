import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import type { ModelManifest, ModelSummary, TensorInfo } from '../../../shared/domain';
import type { EngineDeps } from '../deps';
import type { InferenceClient } from './inference/InferenceClient';
import type { TensorMeta } from './inference/protocol';
import { inspectOnnx } from './inspectHandlers';
import { loadManifest, manifestError, type ManifestProblem } from './manifest';
import { requiredInputs } from './adapters';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function dimsText(shape: ReadonlyArray<number | string>): string {
  return `[${shape.join(',')}]`;
}

/** Output roles whose tensor rank the adapter relies on (checked where the model states a rank). */
const OUTPUT_RANKS: Record<string, number> = {
  logits: 4,
  probability: 4,
  cam: 4,
  cls_logits: 2,
  patch_tokens: 3,
  masks: 4,
  image_embeddings: 4,
};

/**
 * The manifest against the ONNX file's real tensors: names, the image input's rank, channels and
 * static size versus the size policy, output ranks and channel counts. Returns every problem.
 */
export function modelProblems(manifest: ModelManifest, inputs: TensorMeta[], outputs: TensorMeta[]): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const inputNames = inputs.map((i) => i.name);
  const outputNames = outputs.map((o) => o.name);
  const expectedInputs =
    manifest.kind === 'prompt-decoder' ? requiredInputs(manifest) : [manifest.input.tensor, ...requiredInputs(manifest)];
  for (const name of expectedInputs)
    if (!inputNames.includes(name))
      problems.push({ path: 'input.tensor', message: `"${name}" is not an input of the model (its inputs: ${inputNames.join(', ')})` });
  for (const [role, name] of Object.entries(manifest.outputs))
    if (!outputNames.includes(name))
      problems.push({
        path: `outputs.${role}`,
        message: `"${name}" is not an output of the model (its outputs: ${outputNames.join(', ')})`,
      });
  if (manifest.kind !== 'prompt-decoder') {
    const image = inputs.find((i) => i.name === manifest.input.tensor);
    if (image !== undefined && image.shape.length > 0) {
      if (image.shape.length !== 4) {
        problems.push({ path: 'input.tensor', message: `"${image.name}" has shape ${dimsText(image.shape)}, expected [N,3,H,W]` });
      } else {
        const c = image.shape[1];
        if (typeof c === 'number' && c !== 3)
          problems.push({ path: 'input.tensor', message: `"${image.name}" has ${c} channels, expected 3` });
        const [h, w] = [image.shape[2], image.shape[3]];
        const fixedSize = typeof h === 'number' && typeof w === 'number';
        const [sh, sw] = manifest.input.size;
        const multiScale = Array.isArray(manifest.params['scales']) && (manifest.params['scales'] as unknown[]).some((v) => v !== 1);
        if (fixedSize && (manifest.input.policy === 'fixed' || manifest.input.policy === 'keep-aspect'))
          problems.push({
            path: 'input.policy',
            message: `"${image.name}" is fixed at ${h}x${w}, but policy ${manifest.input.policy} gives every image its own size: use resize, longest-side-pad or shortest-side-center-crop with size [${h}, ${w}]`,
          });
        else if (fixedSize && (h !== sh || w !== sw) && !multiScale)
          problems.push({
            path: 'input.size',
            message: `"${image.name}" is fixed at ${h}x${w} but the manifest resizes to ${sh}x${sw}`,
          });
        else if (multiScale && (typeof h === 'number' || typeof w === 'number'))
          problems.push({
            path: 'params.scales',
            message: `multi-scale inference needs dynamic H and W; "${image.name}" is ${dimsText(image.shape)}`,
          });
      }
    }
  }
  const shapeOf = (role: string): ReadonlyArray<number | string> | undefined =>
    outputs.find((o) => o.name === manifest.outputs[role])?.shape;
  for (const role of Object.keys(manifest.outputs)) {
    const rank = OUTPUT_RANKS[role] ?? (role.startsWith('attn') ? 4 : undefined);
    const shape = shapeOf(role);
    if (rank !== undefined && shape !== undefined && shape.length > 0 && shape.length !== rank)
      problems.push({
        path: `outputs.${role}`,
        message: `"${manifest.outputs[role]}" has rank ${shape.length} ${dimsText(shape)}, a ${role} output has rank ${rank}`,
      });
  }
  const channel = (role: string, expected: number, what: string): void => {
    const shape = shapeOf(role);
    const ch = shape?.[1];
    if (shape !== undefined && shape.length === 4 && typeof ch === 'number' && ch !== expected)
      problems.push({
        path: `outputs.${role}`,
        message: `"${manifest.outputs[role]}" has ${ch} channels but ${expected} ${what} are expected`,
      });
  };
  if (manifest.kind === 'probability-map')
    channel(manifest.outputs['probability'] !== undefined ? 'probability' : 'logits', 1, 'channel (one foreground map)');
  const classes = manifest.classes?.names.length;
  if (classes !== undefined) {
    const bg = manifest.classes?.background === null ? 0 : 1;
    if (manifest.kind === 'semantic-seg') channel('logits', classes, 'channels (classes.names)');
    if (manifest.kind === 'cam') channel('cam', manifest.params['cam_channels'] === 'all' ? classes : classes - bg, 'foreground classes');
  }
  return problems;
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

/** Adding a name that exists is refused unless the caller asked to replace it. */
function refuseTaken(deps: EngineDeps, name: string, replace: boolean, manifestPath: string): void {
  if (replace) return;
  const existing = deps.repos.models.byName(name);
  if (existing !== undefined)
    throw new ApiError(
      'CONFLICT',
      `${manifestPath}: a model named "${name}" is already registered (${existing.kind}, sha256 ${existing.sha256.slice(0, 12)}…); pass --replace to replace it (its runs keep their own provenance) or give the manifest another name`,
      { existingModelId: existing.id },
    );
}

/**
 * `models add`: validate the manifest (every problem at once), open the ONNX file(s) to check the
 * manifest against their real tensors, hash the file, register. Nothing is written on any problem.
 */
export async function addModel(
  deps: EngineDeps,
  inference: InferenceClient,
  manifestPath: string,
  options: { replace?: boolean } = {},
): Promise<ModelSummary> {
  const loaded = await loadManifest(manifestPath);
  const { manifest, files } = loaded;
  refuseTaken(deps, manifest.name, options.replace === true, loaded.path);
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
  const meta = await inspectOnnx(inference, main);
  const problems = modelProblems(manifest, meta.inputs, meta.outputs);
  if (files['encoder'] !== undefined) {
    const enc = await inspectOnnx(inference, files['encoder']);
    const encoder = (manifest.params['encoder'] ?? {}) as { input?: string; output?: string };
    const input = encoder.input ?? manifest.input.tensor;
    const output = encoder.output ?? 'image_embeddings';
    if (!enc.inputs.some((i) => i.name === input))
      problems.push({ path: 'params.encoder.input', message: `the encoder ${files['encoder']} has no input "${input}"` });
    if (!enc.outputs.some((o) => o.name === output))
      problems.push({ path: 'params.encoder.output', message: `the encoder ${files['encoder']} has no output "${output}"` });
  }
  if (problems.length > 0) throw manifestError(`${loaded.path} (checked against ${main})`, problems, 'MODEL_MISMATCH');
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
