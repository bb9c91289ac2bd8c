import type { Command } from 'commander';
import { withSession, type GlobalOptions } from '../context';
import { printJson, printLine, table } from '../output';

export function registerDatasets(program: Command, globals: () => GlobalOptions): void {
  const datasets = program.command('datasets').description('list and inspect datasets');
  datasets
    .command('list')
    .description('list the datasets of the workspace')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const list = await withSession(globals(), (s) => s.client.call('datasets.list', {}));
      if (opts.json === true) return printJson(list);
      if (list.length === 0) return printLine('no datasets yet: try "tessera import folder DIR --masks DIR"');
      printLine(
        table([
          ['ID', 'NAME', 'FORMAT', 'TASK', 'IMAGES', 'ANNOTATED', 'CLASSES'],
          ...list.map((d) => [
            String(d.id),
            d.name,
            d.format,
            d.task,
            String(d.imageCount),
            String(d.annotatedImageCount),
            String(d.classCount),
          ]),
        ]),
      );
    });
}
