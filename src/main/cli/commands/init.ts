import type { Command } from 'commander';
import { workspaceExists } from '../../engine/workspace';
import { workspaceDir, withSession, type GlobalOptions } from '../context';
import { printJson, printLine } from '../output';

export function registerInit(program: Command, globals: () => GlobalOptions): void {
  program
    .command('init')
    .description('create a workspace (a folder with tessera.db and caches)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const dir = workspaceDir(globals());
      const existed = workspaceExists(dir);
      const info = await withSession(globals(), (s) => s.client.call('workspace.info', {}), true);
      if (opts.json === true) printJson({ ...info, created: !existed });
      else printLine(existed ? `workspace already exists: ${info.path} (schema ${info.schemaVersion})` : `created workspace ${info.path}`);
    });
}
