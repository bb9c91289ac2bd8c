import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import type { ModelManifest, ModelSummary, TensorInfo } from '../../../shared/domain';
import type { EngineDeps } from '../deps';
import type { InferenceClient } from './inference/InferenceClient';
import type { TensorMeta } from './inference/protocol';
import { inspectOnnx } from './inspectHandlers';
import { externalDataOfFile } from './onnxExternalData';
import { loadManifest, manifestError, type ManifestProblem } from './manifest';
import { requiredInputs } from './adapters';
import { LABEL_CLASSES } from './adapters/geometry';
import { FLOAT_OUTPUT_TYPES, READABLE_OUTPUT_TYPES } from './inference/outputTypes';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The external-data locations a model file names (onnxExternalData.ts); none for a file that is not an ONNX protobuf. */
function externalDataLocationsOf(path: string): string[] {
  try {
    return externalDataOfFile(path, statSync(path).size);
  } catch {
    return []; // not a protobuf: nothing to name (onnxruntime says what is wrong with a broken model)
  }
}

/** The external data files a model file keeps weights in, as paths (resolved beside it). */
export function externalDataFiles(path: string): string[] {
  return externalDataLocationsOf(path).map((location) => resolve(dirname(path), location));
}

/**
 * A model file's identity (`models.sha256`, cache keys, provenance): the sha256 of the file when it
 * keeps its weights itself (every model so far: unchanged), else a sha256 over the file's hash and
 * each external-data file it names (onnxExternalData.ts), location and content hash. Without them,
 * new weights written into the same data file were the same model, its old outputs served from cache.
 * A file that is not an ONNX protobuf (a companion's other files) is hashed as it is.
 */
export async function sha256Model(path: string): Promise<string> {
  const own = await sha256File(path);
  const locations = externalDataLocationsOf(path);
  if (locations.length === 0) return own;
  const hash = createHash('sha256').update(`onnx ${own}\n`);
  for (const location of locations) {
    const file = resolve(dirname(path), location);
    if (!existsSync(file))
      throw new ApiError('NOT_FOUND', `${file}: the external data file "${location}" that ${path} keeps weights in does not exist`, {
        file,
      });
    hash.update(`${location}\0${await sha256File(file)}\n`);
  }
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

/** Roles whose tensors an adapter reads as float32 values (float16/float64 are converted on the way). */
const FLOAT_ROLES = new Set([...Object.keys(OUTPUT_RANKS), 'image_hidden', 'seg_hidden', 'seg_embeds', 'iou_predictions', 'low_res_masks']);

function isFloatRole(role: string): boolean {
  return FLOAT_ROLES.has(role) || role.startsWith('attn');
}

/** The inputs Tessera feeds: the image (not for a prompt-decoder, whose image goes to its encoder) and the kind's others. */
function expectedInputNames(manifest: ModelManifest): string[] {
  return manifest.kind === 'prompt-decoder' ? requiredInputs(manifest) : [manifest.input.tensor, ...requiredInputs(manifest)];
}

/** A stated zero-size dimension: the tensor holds no values whatever the image. */
function zeroDimProblem(path: string, t: TensorMeta): ManifestProblem[] {
  return t.shape.some((d) => d === 0)
    ? [{ path, message: `"${t.name}" has shape ${dimsText(t.shape)}: a zero-size dimension, it holds no values` }]
    : [];
}

/** Every input Tessera feeds is float32 (normalized pixels, SAM's prompt tensors, the query vector). */
function inputProblems(manifest: ModelManifest, inputs: TensorMeta[]): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  for (const name of expectedInputNames(manifest)) {
    // input.tensor names the image's input; the others are fed by the kind (a prompt-decoder's SAM prompts).
    const path = name === manifest.input.tensor ? 'input.tensor' : 'kind';
    const t = inputs.find((i) => i.name === name);
    if (t === undefined) {
      problems.push({
        path,
        message: `"${name}" is not an input of the model${path === 'kind' ? `, and a ${manifest.kind} model is fed it` : ''} (its inputs: ${inputs.map((i) => i.name).join(', ')})`,
      });
      continue;
    }
    if (t.type !== 'float32')
      problems.push({
        path,
        message: `"${name}" is ${t.type}, but Tessera feeds it float32${name === manifest.input.tensor ? ' (the normalized pixels)' : ''}`,
      });
    problems.push(...zeroDimProblem(path, t));
  }
  return problems;
}

/** The image input's layout, channels and static size versus the size policy. */
function imageProblems(manifest: ModelManifest, image: TensorMeta): ManifestProblem[] {
  if (image.shape.length === 0) return [];
  if (image.shape.length !== 4)
    return [{ path: 'input.tensor', message: `"${image.name}" has shape ${dimsText(image.shape)}, expected [N,3,H,W]` }];
  const problems: ManifestProblem[] = [];
  const c = image.shape[1];
  // [N,H,W,3] (TensorFlow / Keras exports): its symbolic H passes a channel check on shape[1] alone.
  if (image.shape[3] === 3 && c !== 3)
    problems.push({
      path: 'input.tensor',
      message: `"${image.name}" has shape ${dimsText(image.shape)}, channels last; Tessera feeds [N,3,H,W] (channels first): export the model with an NCHW input`,
    });
  else if (typeof c === 'number' && c !== 3)
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
  return problems;
}

/** Element types: the roles an adapter reads need a float type; any other role a type the worker can hand over. */
function outputTypeProblem(role: string, t: TensorMeta): string | null {
  if (isFloatRole(role))
    return FLOAT_OUTPUT_TYPES.includes(t.type)
      ? null
      : `"${t.name}" is ${t.type}, expected a float type (${FLOAT_OUTPUT_TYPES.join(', ')})`;
  return READABLE_OUTPUT_TYPES.includes(t.type) ? null : `"${t.name}" is ${t.type}: Tessera reads ${READABLE_OUTPUT_TYPES.join(', ')}`;
}

/** Names, element types, zero dims and ranks of the outputs the manifest maps. */
function outputProblems(manifest: ModelManifest, outputs: TensorMeta[]): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  for (const [role, name] of Object.entries(manifest.outputs)) {
    const path = `outputs.${role}`;
    const t = outputs.find((o) => o.name === name);
    if (t === undefined) {
      problems.push({ path, message: `"${name}" is not an output of the model (its outputs: ${outputs.map((o) => o.name).join(', ')})` });
      continue;
    }
    const typeProblem = outputTypeProblem(role, t);
    if (typeProblem !== null) problems.push({ path, message: typeProblem });
    problems.push(...zeroDimProblem(path, t));
    const rank = OUTPUT_RANKS[role] ?? (role.startsWith('attn') ? 4 : undefined);
    if (rank !== undefined && t.shape.length > 0 && t.shape.length !== rank)
      problems.push({ path, message: `"${name}" has rank ${t.shape.length} ${dimsText(t.shape)}, a ${role} output has rank ${rank}` });
  }
  return problems;
}

/**
 * The manifest against the ONNX file's real tensors: names and element types, the image input's
 * layout, channels and static size versus the size policy, zero-size dimensions, output ranks and
 * channel counts. Returns every problem.
 */
export function modelProblems(manifest: ModelManifest, inputs: TensorMeta[], outputs: TensorMeta[]): ManifestProblem[] {
  const problems = inputProblems(manifest, inputs);
  const image = manifest.kind === 'prompt-decoder' ? undefined : inputs.find((i) => i.name === manifest.input.tensor);
  if (image !== undefined) problems.push(...imageProblems(manifest, image));
  problems.push(...outputProblems(manifest, outputs));
  const shapeOf = (role: string): ReadonlyArray<number | string> | undefined =>
    outputs.find((o) => o.name === manifest.outputs[role])?.shape;
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
  } else if (manifest.kind === 'semantic-seg') {
    // Without classes.names any channel count goes; the label map still holds only ids 0-254.
    const ch = shapeOf('logits')?.[1];
    if (typeof ch === 'number' && ch > LABEL_CLASSES)
      problems.push({
        path: 'outputs.logits',
        message: `"${manifest.outputs['logits']}" has ${ch} channels, but a label map holds at most ${LABEL_CLASSES} classes (ids 0-254; 255 is ignore)`,
      });
  }
  return problems;
}

/** The encoder of a prompt-decoder (files.encoder): its image input and embedding output, by name and element type. */
function encoderProblems(manifest: ModelManifest, file: string, enc: { inputs: TensorMeta[]; outputs: TensorMeta[] }): ManifestProblem[] {
  const encoder = (manifest.params['encoder'] ?? {}) as { input?: string; output?: string };
  const inputName = encoder.input ?? manifest.input.tensor;
  const outputName = encoder.output ?? 'image_embeddings';
  const problems: ManifestProblem[] = [];
  const input = enc.inputs.find((i) => i.name === inputName);
  if (input === undefined) problems.push({ path: 'params.encoder.input', message: `the encoder ${file} has no input "${inputName}"` });
  else if (input.type !== 'float32')
    problems.push({
      path: 'params.encoder.input',
      message: `the encoder ${file}: "${inputName}" is ${input.type}, but Tessera feeds it float32 (the normalized pixels)`,
    });
  const output = enc.outputs.find((o) => o.name === outputName);
  if (output === undefined) problems.push({ path: 'params.encoder.output', message: `the encoder ${file} has no output "${outputName}"` });
  else {
    const typeProblem = outputTypeProblem('image_embeddings', output);
    if (typeProblem !== null) problems.push({ path: 'params.encoder.output', message: `the encoder ${file}: ${typeProblem}` });
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

/** A path in `files` exists and is what its role needs: a folder for `bundles`, a file for every other role. */
async function requireManifestFile(manifestPath: string, role: string, file: string): Promise<void> {
  const info = await stat(file).catch(() => null);
  const what = `${manifestPath}: files.${role} = ${file}`;
  const wantsFolder = role === 'bundles';
  if (info === null)
    throw new ApiError('NOT_FOUND', `${what} does not exist${wantsFolder ? ' (a folder of .npz/.safetensors files)' : ''}`);
  if (wantsFolder && !info.isDirectory())
    throw new ApiError('INVALID_INPUT', `${what} is not a folder (bundles is a folder of .npz/.safetensors files)`);
  if (!wantsFolder && info.isDirectory()) throw new ApiError('INVALID_INPUT', `${what} is a folder, not a model file`);
  if (!wantsFolder && !info.isFile()) throw new ApiError('INVALID_INPUT', `${what} is not a regular file`);
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
  for (const [role, file] of Object.entries(files)) await requireManifestFile(loaded.path, role, file);
  if (files['model'] === undefined) return addBundleModel(deps, manifest, files);
  const main = files['model'];
  const meta = await inspectOnnx(inference, main);
  const problems = modelProblems(manifest, meta.inputs, meta.outputs);
  if (files['encoder'] !== undefined)
    problems.push(...encoderProblems(manifest, files['encoder'], await inspectOnnx(inference, files['encoder'])));
  if (problems.length > 0) throw manifestError(`${loaded.path} (checked against ${main})`, problems, 'MODEL_MISMATCH');
  const sha256 = await sha256Model(main);
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
