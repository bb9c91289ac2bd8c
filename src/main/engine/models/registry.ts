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

/** A shape as `[N,3,H,W]`; an unnamed dynamic axis (onnxruntime says "") as `?`. */
function dimsText(shape: ReadonlyArray<number | string>): string {
  return `[${shape.map((d) => (d === '' ? '?' : d)).join(',')}]`;
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
  const expected = expectedInputNames(manifest);
  for (const name of expected) {
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
  // An input nothing feeds fails every image ("input 'gain' is missing in 'feeds'"). Only once every
  // expected input exists: a misnamed input.tensor is already reported with the model's inputs.
  if (expected.every((name) => inputs.some((i) => i.name === name)))
    for (const t of inputs) if (!expected.includes(t.name)) problems.push(unfedInputProblem(manifest, t));
  return problems;
}

/** A model input the manifest's kind never feeds, with the manifest field that would feed it where there is one. */
function unfedInputProblem(manifest: ModelManifest, t: TensorMeta): ManifestProblem {
  const what = `the model has an input "${t.name}" ${dimsText(t.shape)} that a ${manifest.kind} model is not fed`;
  if (manifest.kind === 'prompt-decoder' && t.name === 'text_embeds')
    return {
      path: 'params.text_embeds',
      message: `${what}: set params.text_embeds: true (a READ/LISA decoder that takes the <SEG> embedding)`,
    };
  if (manifest.kind === 'seg-token' && manifest.params['query'] === undefined)
    return {
      path: 'params.query',
      message: `${what}: a text input is fed only through params.query ({ tensor: "${t.name}", encoding: one-hot, vocabulary: [...] })`,
    };
  const fed = expectedInputNames(manifest).map((n) => `"${n}"`);
  return {
    path: 'kind',
    message: `${what} (Tessera feeds only ${fed.join(', ')}): no manifest field feeds it; export the model without it (e.g. "${t.name}" as a constant)`,
  };
}

/** The tensor [h, w] a size policy feeds whatever the image, or null when each image gets its own size (fixed, keep-aspect). */
function policyTensorSize(input: ModelManifest['input']): [number, number] | null {
  const [sh, sw] = input.size;
  switch (input.policy) {
    case 'resize':
      return [sh, sw];
    case 'longest-side-pad':
      return [Math.max(sh, sw), Math.max(sh, sw)];
    case 'shortest-side-center-crop':
      return [Math.min(sh, sw), Math.min(sh, sw)];
    default:
      return null;
  }
}

/** A channel axis that holds an image's channels (grey, RGB, RGBA): what a channels-last input shows on its last axis. */
function imageChannels(d: number | string | undefined): boolean {
  return typeof d === 'number' && d >= 1 && d <= 4;
}

/**
 * The image input's layout, batch, channels and static size versus the size policy. A channels-last
 * input is reported once: its H, W and C sit on other axes, so no size or channel line follows.
 */
function imageProblems(manifest: ModelManifest, image: TensorMeta): ManifestProblem[] {
  if (image.shape.length === 0) return [];
  const shape = dimsText(image.shape);
  if (image.shape.length !== 4) return [{ path: 'input.tensor', message: `"${image.name}" has shape ${shape}, expected [N,3,H,W]` }];
  const problems: ManifestProblem[] = [];
  const [n, c, , last] = image.shape;
  // Batches of 1 (2 for a cam's flip, only where the axis is dynamic): a static other batch never fits.
  if (typeof n === 'number' && n !== 1)
    problems.push({
      path: 'input.tensor',
      message: `"${image.name}" has shape ${shape}: a static batch of ${n}, but Tessera feeds one image at a time (batch 1): export the model with batch 1 or a dynamic batch axis`,
    });
  // [N,H,W,C] (TensorFlow / Keras exports: RGB, RGBA, grey): a small last axis where channels-first has its width.
  if (imageChannels(last) && !imageChannels(c)) {
    problems.push({
      path: 'input.tensor',
      message:
        last === 3
          ? `"${image.name}" has shape ${shape}, channels last; Tessera feeds [N,3,H,W] (channels first): export the model with an NCHW input`
          : `"${image.name}" has shape ${shape}, channels last with ${last} channel${last === 1 ? '' : 's'}; Tessera feeds [N,3,H,W] (channels first, 3 channels): export the model with an NCHW, 3-channel input`,
    });
    return problems;
  }
  if (typeof c === 'number' && c !== 3)
    problems.push({ path: 'input.tensor', message: `"${image.name}" has ${c} channel${c === 1 ? '' : 's'} (${shape}), expected 3` });
  return [...problems, ...sizeProblems(manifest, image)];
}

/** Static H and/or W of the image input versus the tensor size the policy feeds. */
function sizeProblems(manifest: ModelManifest, image: TensorMeta): ManifestProblem[] {
  const [h, w] = [image.shape[2], image.shape[3]];
  const hFixed = typeof h === 'number';
  const wFixed = typeof w === 'number';
  if (!hFixed && !wFixed) return [];
  const { policy } = manifest.input;
  const shape = dimsText(image.shape);
  // Which side is fixed, e.g. "fixed at 128x128", "[N,3,48,W]: its height is fixed at 48".
  const fixed =
    hFixed && wFixed ? `is fixed at ${h}x${w}` : `has shape ${shape}: its ${hFixed ? `height is fixed at ${h}` : `width is fixed at ${w}`}`;
  const fed = policyTensorSize(manifest.input);
  if (fed === null)
    return [
      {
        path: 'input.policy',
        message: `"${image.name}" ${fixed}, but policy ${policy} gives every image its own size: ${
          hFixed && wFixed
            ? `use resize, longest-side-pad or shortest-side-center-crop with size [${h}, ${w}]`
            : `use policy resize with size [${hFixed ? h : '<height>'}, ${wFixed ? w : '<width>'}]`
        }`,
      },
    ];
  if (Array.isArray(manifest.params['scales']) && (manifest.params['scales'] as unknown[]).some((v) => v !== 1))
    return [{ path: 'params.scales', message: `multi-scale inference needs dynamic H and W; "${image.name}" is ${shape}` }];
  const [fh, fw] = fed;
  if ((!hFixed || h === fh) && (!wFixed || w === fw)) return [];
  // resize feeds size as it is; longest-side-pad and shortest-side-center-crop a square.
  const change =
    policy === 'resize'
      ? `set input.size to [${hFixed ? h : fh}, ${wFixed ? w : fw}]`
      : hFixed && wFixed && h !== w
        ? `policy ${policy} feeds a square: use policy resize with size [${h}, ${w}]`
        : `set input.size to ${hFixed ? h : w}`;
  return [{ path: 'input.size', message: `"${image.name}" ${fixed} but the manifest resizes to ${fh}x${fw}: ${change}` }];
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
        message: `"${manifest.outputs[role]}" has ${ch} channel${ch === 1 ? '' : 's'} but ${expected} ${what} ${expected === 1 ? 'is' : 'are'} expected`,
      });
  };
  if (manifest.kind === 'probability-map') {
    const role = manifest.outputs['probability'] !== undefined ? 'probability' : 'logits';
    const shape = shapeOf(role);
    // [N,H,W,1] (TensorFlow / Keras exports, a transpose after the head): the map's H would be read as channels.
    if (shape !== undefined && shape.length === 4 && shape[3] === 1 && shape[1] !== 1)
      problems.push({
        path: `outputs.${role}`,
        message: `"${manifest.outputs[role]}" has shape ${dimsText(shape)}, channels last; a probability-map output is [N,1,h,w] (channels first): export the model with an NCHW output`,
      });
    else channel(role, 1, 'channel (one foreground map)');
  }
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
  if (input !== undefined)
    for (const other of enc.inputs.filter((i) => i.name !== inputName))
      problems.push({
        path: 'files.encoder',
        message: `the encoder ${file} has an input "${other.name}" ${dimsText(other.shape)} that is not fed (Tessera feeds only the image, "${inputName}"): export the encoder without it`,
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
