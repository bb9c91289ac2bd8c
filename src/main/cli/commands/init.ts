import type { Command } from 'commander';
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
          // A demo there in part (an interrupted init --demo) is completed; one there whole is left as it is.
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
      const demo = result.demo;
      if (demo === null) return;
      const { added, resumed } = demo;
      if (added.datasets.length + added.models.length + added.runs.length + resumed.length === 0)
        printLine(
          `the demo is already there: datasets ${demo.datasets.join(', ')}, ${demo.models.length} toy models, ${demo.runs.length} complete runs; nothing to do`,
        );
      else printLine('demo ready: toy models are labelled TOY; the UI shows it (npm start, or tessera serve)');
    });
}
