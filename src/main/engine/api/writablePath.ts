import { isAbsolute, relative, resolve } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import type { CallContext } from './dispatch';

/**
 * A path a call will write to. From the CLI and the desktop app any path goes (it is the user's
 * own machine); from a browser over `tessera serve` only paths inside the workspace, so a leaked
 * token cannot be used to write files elsewhere on the engine's machine.
 */
export function writablePath(path: string, ctx: CallContext, workspaceRoot: string, what: string): string {
  if (ctx.transport !== 'http') return path;
  const abs = resolve(workspaceRoot, path);
  const rel = relative(resolve(workspaceRoot), abs);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new ApiError(
      'UNAUTHORIZED',
      `${what}: over the web UI, files can be written only inside the workspace (${workspaceRoot}); got ${abs}`,
    );
  }
  return abs;
}
