import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import type { CallContext } from '../api/dispatch';
import type { EngineDeps } from '../deps';
import { applyRelink, planRelink, relinkCollisions } from '../store/repos/relink';

export interface RelinkInput {
  from: string;
  to: string;
  dryRun: boolean;
}

export interface RelinkResult {
  images: number;
  datasets: number;
  models: number;
  /** Moved paths with no file at the new place (the first few named). */
  missing: number;
  examples: string[];
}

/** A folder as stored paths spell it: absolute, normalized, without a trailing separator. */
function folder(path: string, what: string): string {
  if (!isAbsolute(path)) throw new ApiError('INVALID_INPUT', `${what} must be an absolute path (got "${path}")`);
  const p = resolve(path);
  return p.length > 1 && p.endsWith(sep) ? p.slice(0, -1) : p;
}

/**
 * workspace.relink: every stored path under `from` (images, dataset sources, models and the files
 * their manifests name) now under `to`, in one transaction; `dryRun` counts without writing. A terminal
 * command (`tessera relink`): web clients of `tessera serve` may not point the workspace at other files.
 */
export function relinkWorkspace(deps: EngineDeps, input: RelinkInput, call: CallContext): RelinkResult {
  if (call.transport === 'http')
    throw new ApiError('INVALID_INPUT', 'relinking a workspace is done in a terminal: tessera relink FROM TO (not from the browser)');
  const from = folder(input.from, 'the folder the files were in');
  const to = folder(input.to, 'the folder they are in now');
  if (!existsSync(to) || !statSync(to).isDirectory()) throw new ApiError('NOT_FOUND', `${to} is not a folder`);
  if (from === to) throw new ApiError('INVALID_INPUT', `${from}: the files are already there`);
  const plan = planRelink(deps.db, from, to);
  const clash = relinkCollisions(deps.db, plan);
  if (clash.length > 0)
    throw new ApiError(
      'INVALID_INPUT',
      `relinking ${from} to ${to} would give ${clash.length} path${clash.length === 1 ? '' : 's'} to two images of one dataset (first: ${clash[0]!.path}, images ${clash[0]!.imageIds.join(' and ')}); nothing was changed`,
    );
  const paths = [...plan.images.map((r) => r.path), ...plan.datasets.map((r) => r.path), ...plan.models.map((r) => r.path)];
  const missing = paths.filter((p) => !existsSync(p));
  if (!input.dryRun && paths.length > 0) {
    applyRelink(deps.db, plan);
    deps.events.emit('data.changed', { topics: ['datasets', 'images', 'models'] });
  }
  return {
    images: plan.images.length,
    datasets: plan.datasets.length,
    models: plan.models.length,
    missing: missing.length,
    examples: missing.slice(0, 5),
  };
}
