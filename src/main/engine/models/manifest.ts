import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { loadYaml } from '../lazyPackages';
import { readImportFile } from '../api/readScope';
import { ApiError } from '../../../shared/api/errors';
import { isPlainIssue, plainIssue, plainIssueUnquoted } from '../../../shared/api/issueText';
import type { z } from 'zod';
import { ClassSpec, InputSpec, ModelKind, ModelManifest, PARAMS_SCHEMAS } from '../../../shared/domain';
import { REQUIRED_OUTPUT_ROLES } from './adapters';

export interface LoadedManifest {
  manifest: ModelManifest;
  /** Absolute path of the manifest file. */
  path: string;
  /** Role -> absolute file path. */
  files: Record<string, string>;
}

/** One thing wrong with a manifest: the field (dotted path, '' for the whole file) and what is allowed. */
export interface ManifestProblem {
  path: string;
  message: string;
  /** The message is a predicate to follow the field's name ("must be one of …"), not a sentence of its own. */
  plain?: boolean;
}

/** A schema issue as a problem: its dotted path (under `prefix`), its message and whether that is a predicate. */
export function issueProblem(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[] = []): ManifestProblem {
  return { path: joinPath([...prefix, ...issue.path]), message: issue.message, ...(isPlainIssue(issue) ? { plain: true } : {}) };
}

function problemLine(p: ManifestProblem): string {
  if (p.path === '') return p.message;
  return p.plain === true ? `${p.path} ${p.message}` : `${p.path}: ${p.message}`;
}

function joinPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/**
 * All problems of a manifest in one error: one line per problem, each naming the field, so a
 * researcher fixes the file once instead of once per run of `models add`.
 */
export function manifestError(
  file: string,
  problems: readonly ManifestProblem[],
  code: 'INVALID_INPUT' | 'MODEL_MISMATCH' = 'INVALID_INPUT',
): ApiError {
  const lines = problems.map(problemLine);
  const message =
    lines.length === 1 ? `${file}: ${lines[0]}` : `${file}: ${lines.length} problems\n${lines.map((l) => `  ${l}`).join('\n')}`;
  return new ApiError(code, message, {
    issues: problems.map((p) => ({ path: p.path, message: p.message, ...(p.plain === true ? { plain: true } : {}) })),
  });
}

/** Checks that need the manifest alone: per-kind params, output roles, input policy fields. */
export function manifestProblems(manifest: ModelManifest, errorMap: z.core.$ZodErrorMap = plainIssue): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const params = PARAMS_SCHEMAS[manifest.kind].safeParse(manifest.params, { error: errorMap });
  if (!params.success) for (const issue of params.error.issues) problems.push(issueProblem(issue, ['params']));
  if (manifest.files.model !== undefined || manifest.kind !== 'seg-token') {
    for (const alternatives of REQUIRED_OUTPUT_ROLES[manifest.kind]) {
      if (!alternatives.some((role) => manifest.outputs[role] !== undefined))
        problems.push({
          path: 'outputs',
          message: `a ${manifest.kind} model needs the output role ${alternatives.map((r) => `"${r}"`).join(' or ')} (role: output tensor name)`,
        });
    }
  }
  if (manifest.kind === 'prompt-decoder' && manifest.files['encoder'] === undefined && manifest.params['encoder_model'] === undefined)
    problems.push({
      path: 'files.encoder',
      message:
        'a prompt-decoder needs image embeddings: give files.encoder (its ONNX encoder) or params.encoder_model (a registered image-encoder)',
    });
  const input = manifest.input;
  if (input.policy === 'keep-aspect') {
    if (input.size[0] !== input.size[1])
      problems.push({ path: 'input.size', message: 'keep-aspect takes one number: the longest side allowed (e.g. 960)' });
  } else if (input.multiple !== undefined) {
    problems.push({ path: 'input.multiple', message: `only the keep-aspect policy rounds to a multiple (policy is ${input.policy})` });
  }
  if (input.size[0] * input.size[1] > 8192 * 8192)
    problems.push({ path: 'input.size', message: `${input.size[0]}x${input.size[1]} is larger than 8192x8192` });
  problems.push(...stdProblems(input.std), ...classProblems(manifest.classes));
  return problems;
}

/**
 * The smallest std accepted. Dividing 0-255 pixels by less overflows float32 or makes the input
 * a sea of huge values (1e-45, a subnormal, turns every pixel into Infinity); real models use
 * 1e-2 to 1e2. A negative std mirrors the pixel values, which no preprocessing does.
 */
const MIN_STD = 1e-6;

function stdProblems(std: readonly number[]): ManifestProblem[] {
  const bad = std.filter((v) => !(v >= MIN_STD));
  if (bad.length === 0) return [];
  return [{ path: 'input.std', message: `${bad.join(', ')}: every std must be at least 1e-6 (it divides the pixel values)` }];
}

/**
 * `classes` beyond its schema: the background indexes `names`; names are unique (case-insensitive,
 * as runs match them to a dataset's classes: two equal names make that mapping ambiguous); the
 * palette has a colour per name (extra colours, e.g. a 256-entry VOC palette, are ignored).
 */
function classProblems(classes: ModelManifest['classes']): ManifestProblem[] {
  if (classes === undefined) return [];
  const problems: ManifestProblem[] = [];
  const { names, background, palette } = classes;
  if (background !== null && background >= names.length)
    problems.push({
      path: 'classes.background',
      message: `${background} is not an index into classes.names (${names.length === 0 ? 'an empty list' : `0-${names.length - 1}`}); use null for a model without a background class`,
    });
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    const first = seen.get(name.toLowerCase());
    if (first !== undefined)
      problems.push({
        path: 'classes.names',
        message: `"${name}" (index ${i}) repeats "${names[first]}" (index ${first}): class names must be unique, ignoring case, to map them to a dataset's classes by name`,
      });
    else seen.set(name.toLowerCase(), i);
  });
  if (palette !== undefined && palette.length < names.length)
    problems.push({
      path: 'classes.palette',
      message: `${palette.length} colour${palette.length === 1 ? '' : 's'} for ${names.length} classes: give one [r, g, b] per name`,
    });
  return problems;
}

/** Keys a manifest object may have, by where it sits (for "unknown key" messages). */
const ALLOWED_KEYS: Record<string, readonly string[]> = {
  '': ['name', 'kind', 'description', 'toy', 'files', 'input', 'outputs', 'classes', 'params', 'execution_providers'],
  input: Object.keys(InputSpec.shape),
  classes: Object.keys(ClassSpec.shape),
};

/** What `input.size` takes (the schema's union says only "Invalid input"). */
const SIZE_FORM = 'one positive integer (a square, e.g. 960) or [height, width] (e.g. [48, 320])';

/** The value at `path` inside the raw manifest, or undefined. */
function rawAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** input.size missing, empty or of the wrong form: say that it is required and what it looks like. */
function sizeProblem(raw: unknown): ManifestProblem {
  const v = rawAt(raw, ['input', 'size']);
  const empty = v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
  return {
    path: 'input.size',
    message: empty
      ? `required: ${SIZE_FORM}, in pixels (policy fixed ignores it but it still needs a value)`
      : // The value is not quoted: a manifest's text never goes into a message (a web client could read files through it).
        `${Array.isArray(v) ? `a list of ${v.length}` : typeof v === 'string' ? 'text' : `a ${typeof v}`} is not a size: give ${SIZE_FORM}, in pixels`,
  };
}

function describeIssue(issue: z.core.$ZodIssue, raw?: unknown): ManifestProblem {
  const path = joinPath(issue.path);
  if (path === 'input.size' && issue.code === 'invalid_union') return sizeProblem(raw);
  if (issue.code === 'unrecognized_keys') {
    const allowed = ALLOWED_KEYS[path];
    return {
      path,
      message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}${allowed === undefined ? '' : ` (allowed: ${allowed.join(', ')})`}`,
    };
  }
  return issueProblem(issue);
}

/** Per-kind params of a manifest that failed the schema elsewhere (its kind must be valid). */
function rawProblems(raw: unknown, errorMap: z.core.$ZodErrorMap): ManifestProblem[] {
  if (typeof raw !== 'object' || raw === null) return [];
  const r = raw as Record<string, unknown>;
  const kind = ModelKind.safeParse(r['kind']);
  if (!kind.success) return [];
  const problems: ManifestProblem[] = [];
  if (r['params'] !== undefined && typeof r['params'] === 'object' && r['params'] !== null) {
    const params = PARAMS_SCHEMAS[kind.data].safeParse(r['params'], { error: errorMap });
    if (!params.success)
      for (const issue of params.error.issues) problems.push({ ...describeIssue(issue), path: joinPath(['params', ...issue.path]) });
  }
  return problems;
}

/**
 * Reads a JSON or YAML manifest and validates it; every problem names the file and the field.
 * `quote` false: a problem says what kind of value was given, never the value (a web client of
 * `tessera serve` must not learn a file's contents from the errors about it).
 */
export async function loadManifest(manifestPath: string, { quote = true }: { quote?: boolean } = {}): Promise<LoadedManifest> {
  const path = resolve(manifestPath);
  // A regular file only: a FIFO would hold the call (and a thread of Node's pool) until written to.
  const text = (
    await readImportFile(path).catch((err: unknown) => {
      if (err instanceof ApiError && err.code !== 'NOT_FOUND') throw err;
      throw new ApiError('NOT_FOUND', `manifest not found: ${path}`);
    })
  ).toString('utf8');
  let raw: unknown;
  try {
    raw = ['.yaml', '.yml'].includes(extname(path).toLowerCase()) ? (loadYaml().parse(text) as unknown) : (JSON.parse(text) as unknown);
  } catch (err) {
    // The parser's own message can quote the file's contents: say only where it broke.
    const text = err instanceof Error ? err.message : '';
    const at = /position (\d+)/.exec(text) ?? /line (\d+)/i.exec(text);
    const where = at === null ? '' : ` (${at[0]})`;
    throw new ApiError('INVALID_INPUT', `${path}: not valid ${extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML/JSON'}${where}`);
  }
  const errorMap = quote ? plainIssue : plainIssueUnquoted;
  const parsed = ModelManifest.safeParse(raw, { error: errorMap });
  if (!parsed.success) {
    // Schema problems plus the per-kind rules that can still be checked, so one edit fixes all.
    throw manifestError(path, [...parsed.error.issues.map((issue) => describeIssue(issue, raw)), ...rawProblems(raw, errorMap)]);
  }
  const problems = manifestProblems(parsed.data, errorMap);
  if (problems.length > 0) throw manifestError(path, problems);
  const files = Object.fromEntries(
    Object.entries(parsed.data.files).map(([role, f]) => [role, isAbsolute(f) ? f : resolve(dirname(path), f)]),
  );
  return { manifest: parsed.data, path, files };
}
