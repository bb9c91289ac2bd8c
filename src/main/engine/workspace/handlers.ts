import type { Handlers } from '../api/dispatch';
import { realPathOf } from '../api/writablePath';
import type { EngineDeps } from '../deps';
import type { StoreState } from '../jobs/faults';
import { forgetSound } from '../store/checkStamp';
import { quickCheck, schemaVersion } from '../store/db';
import { relinkWorkspace } from './relink';

/** workspace.*: where the workspace is, its schema and tool versions, and an integrity check of its database. */
export function workspaceHandlers(deps: EngineDeps, store: StoreState) {
  const { db, paths } = deps;
  return {
    'workspace.info': async (_input, call) => ({
      path: paths.root,
      schemaVersion: schemaVersion(db),
      toolVersion: deps.toolVersion,
      readRoots: call.transport === 'http' ? [...(call.pathAccess?.readRoots ?? [realPathOf(paths.root, 'workspace')])] : null,
    }),
    'workspace.relink': async (input, call) => relinkWorkspace(deps, input, call),
    'workspace.check': async () => {
      const problems = quickCheck(db);
      if (problems.length > 0) forgetSound(paths.db);
      return { file: paths.db, ok: problems.length === 0, problems, readOnly: store.readOnly, schemaVersion: schemaVersion(db) };
    },
  } satisfies Partial<Handlers>;
}
