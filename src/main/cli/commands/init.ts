import type { Command } from 'commander';
import { ApiError } from '../../../shared';
import { workspaceExists } from '../../engine/workspace/paths';
import { workspaceDir, withSession, type GlobalOptions } from '../context';
import { buildDemo } from '../demo/buildDemo';
import { printJson, printLine } from '../output';

export function registerInit(program: Command, globals: () => GlobalOptions): void {
  program
    .command('init')
    .description('create a workspace (a folder with tessera.db and caches)')
    .option('--demo', 'also fill it with synthetic scenes, a referring set, the sample photos, a toy model of every kind and their runs')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean; demo?: boolean }) => {
      const dir = workspaceDir(globals());
      const existed = workspaceExists(dir);
      const result = await withSession(
        globals(),
        async (s) => {
          const info = await s.client.call('workspace.info', {});
          if (opts.demo !== true) return { info, demo: null };
          const datasets = await s.client.call('datasets.list', {});
          if (datasets.some((d) => d.name.startsWith('demo-')))
            throw new ApiError('CONFLICT', `${info.path} already has the demo datasets`);
          const demo = await buildDemo(s.engine, s.client, (line) => {
            if (opts.json !== true) printLine(line);
          });
          return { info, demo };
        },
        'init',
      );
      if (opts.json === true) return printJson({ ...result.info, created: !existed, demo: result.demo });
      printLine(
        existed
          ? `workspace already exists: ${result.info.path} (schema ${result.info.schemaVersion})`
          : `created workspace ${result.info.path}`,
      );
      if (result.demo !== null) printLine('demo ready: toy models are labelled TOY; the UI shows it (npm start, or tessera serve)');
    });
}
