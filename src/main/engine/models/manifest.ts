import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ApiError } from '../../../shared/api/errors';
import { ModelManifest } from '../../../shared/domain';

export interface LoadedManifest {
  manifest: ModelManifest;
  /** Absolute path of the manifest file. */
  path: string;
  /** Role -> absolute file path. */
  files: Record<string, string>;
}

function where(path: PropertyKey[]): string {
  return path.length === 0 ? '' : `${path.map(String).join('.')}: `;
}

/** Reads a JSON or YAML manifest and validates it; every problem names the file and the field. */
export async function loadManifest(manifestPath: string): Promise<LoadedManifest> {
  const path = resolve(manifestPath);
  const text = await readFile(path, 'utf8').catch(() => {
    throw new ApiError('NOT_FOUND', `manifest not found: ${path}`);
  });
  let raw: unknown;
  try {
    raw = ['.yaml', '.yml'].includes(extname(path).toLowerCase()) ? (parseYaml(text) as unknown) : (JSON.parse(text) as unknown);
  } catch (err) {
    throw new ApiError(
      'INVALID_INPUT',
      `${path}: not valid ${extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML/JSON'} (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`,
    );
  }
  const parsed = ModelManifest.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError('INVALID_INPUT', `${path}: ${issue === undefined ? 'invalid manifest' : `${where(issue.path)}${issue.message}`}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    });
  }
  const files = Object.fromEntries(
    Object.entries(parsed.data.files).map(([role, f]) => [role, isAbsolute(f) ? f : resolve(dirname(path), f)]),
  );
  return { manifest: parsed.data, path, files };
}
