import { randomBytes } from 'node:crypto';
import { link, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { loadYaml } from '../lazyPackages';
import { ApiError } from '../../../shared/api/errors';
import { plainIssue } from '../../../shared/api/issueText';
import { ModelManifest, type TensorInfo } from '../../../shared/domain';
import type { CallContext, Handlers } from '../api/dispatch';
import { readablePath, writablePath } from '../api/writablePath';
import type { EngineDeps } from '../deps';
import type { InferenceClient } from './inference/InferenceClient';
import { issueProblem, manifestError, manifestProblems } from './manifest';

/** `<stem>.tessera.yaml` (or `.json`) beside the ONNX file: where the UI's form writes a manifest. */
export function manifestPathFor(onnxPath: string, format: 'yaml' | 'json' = 'yaml'): string {
  const abs = resolve(onnxPath);
  const ext = extname(abs);
  const stem = ext.toLowerCase() === '.onnx' ? basename(abs, ext) : basename(abs);
  return join(dirname(abs), `${stem}.tessera.${format}`);
}

/** YAML as a person writes it: lists of plain values on one line (`mean: [0.485, 0.456, 0.406]`). */
function toYaml(value: unknown): string {
  const { Document, isScalar, visit } = loadYaml();
  const doc = new Document(value);
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((item) => isScalar(item))) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

async function requireFile(path: string): Promise<string> {
  const abs = resolve(path);
  const info = await stat(abs).catch(() => null);
  if (info === null) throw new ApiError('NOT_FOUND', `${abs} does not exist`);
  if (!info.isFile()) throw new ApiError('INVALID_INPUT', `${abs} is not a file (expected an .onnx model)`);
  // onnxruntime reports an empty file as a C++ signature and "ModelProto does not have a graph".
  if (info.size === 0) throw new ApiError('MODEL_MISMATCH', `${abs}: empty file (0 bytes), not an ONNX model`);
  return abs;
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

/** Opens the ONNX file once on the CPU for its real tensors, then closes it again. */
export async function inspectOnnx(inference: InferenceClient, path: string): Promise<{ inputs: TensorInfo[]; outputs: TensorInfo[] }> {
  const abs = await requireFile(path);
  // A key of its own per call: two inspections of one file must not close each other's session.
  const key = `inspect:${randomBytes(6).toString('hex')}:${abs}`;
  try {
    const meta = await inference.load(key, abs, ['cpu']);
    const info = (list: TensorInfo[]): TensorInfo[] => list.map((t) => ({ name: t.name, type: t.type, shape: [...t.shape] }));
    return { inputs: info(meta.inputs), outputs: info(meta.outputs) };
  } catch (err) {
    const why = (err instanceof Error ? err.message : String(err))
      .replace(/^.*cannot load the model \((.*)\)$/s, '$1')
      .replace(/^\((.*)\)$/s, '$1')
      .split('\n')[0];
    throw new ApiError('MODEL_MISMATCH', `${abs}: not a loadable ONNX model (${why})`);
  } finally {
    await inference.unload(key).catch(() => undefined);
  }
}

/**
 * Writes a manifest beside its ONNX file. Everything is checked first (schema, per-kind params,
 * output roles: every problem at once); the text goes to a temporary name and then takes the
 * final one, so a reader never sees half a file and an existing manifest is replaced only when asked.
 */
export async function writeManifest(
  deps: EngineDeps,
  input: { onnxPath: string; manifest: Record<string, unknown>; format: 'yaml' | 'json'; overwrite: boolean },
  ctx: CallContext,
): Promise<{ manifestPath: string }> {
  const onnx = await requireFile(readablePath(input.onnxPath, ctx, deps.paths.root, 'model'));
  const target = writablePath(manifestPathFor(onnx, input.format), ctx, deps.paths.root, 'manifest');
  const files = (typeof input.manifest['files'] === 'object' && input.manifest['files'] !== null ? input.manifest['files'] : {}) as Record<
    string,
    unknown
  >;
  // The other files it names (encoder, bundles) are read when the manifest is added: same rule.
  for (const [role, file] of Object.entries(files))
    if (typeof file === 'string' && role !== 'model') readablePath(resolve(dirname(onnx), file), ctx, deps.paths.root, `files.${role}`);
  // The manifest sits beside the model, so the model is named by its file name alone.
  const raw = { ...input.manifest, files: { ...files, model: basename(onnx) } };
  const parsed = ModelManifest.safeParse(raw, { error: plainIssue });
  if (!parsed.success)
    throw manifestError(
      target,
      parsed.error.issues.map((i) => issueProblem(i)),
    );
  const problems = manifestProblems(parsed.data);
  if (problems.length > 0) throw manifestError(target, problems);
  const conflict = (): ApiError =>
    new ApiError('CONFLICT', `${target} already exists (overwrite it, or edit that file and register it instead)`);
  if (!input.overwrite && (await exists(target))) throw conflict();

  const text = input.format === 'json' ? `${JSON.stringify(raw, null, 2)}\n` : toYaml(raw);
  const temp = `${target}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, text, { flag: 'wx' });
  try {
    if (input.overwrite) {
      await rename(temp, target);
    } else {
      // link() fails if the name exists, so a file created since the check above is never replaced.
      try {
        await link(temp, target);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw conflict();
        throw err;
      }
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  deps.logger.info(`wrote model manifest ${target}`);
  return { manifestPath: target };
}

/** Register-from-the-UI helpers: what an ONNX file really has, and a manifest written beside it. */
export function modelInspectHandlers(deps: EngineDeps) {
  return {
    'models.inspect': async ({ path: asked }, ctx) => {
      const path = readablePath(asked, ctx, deps.paths.root, 'model');
      const { inputs, outputs } = await inspectOnnx(deps.inference, path);
      const manifestPath = manifestPathFor(path);
      return { path: resolve(path), inputs, outputs, manifestPath, manifestExists: await exists(manifestPath) };
    },
    'models.writeManifest': async (input, ctx) => writeManifest(deps, input, ctx),
  } satisfies Partial<Handlers>;
}
