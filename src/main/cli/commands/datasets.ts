import type { Command } from 'commander';
import { withSession, type GlobalOptions } from '../context';
import { printJson, printLine, table } from '../output';
import { resolveDataset } from '../resolve';
import { printPlan, requireYes, shellArg } from './manageOutput';

export function registerDatasets(program: Command, globals: () => GlobalOptions): void {
  const datasets = program.command('datasets').description('list, rename and delete datasets');
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
  datasets
    .command('rename')
    .description('rename a dataset')
    .argument('<dataset>', 'dataset name or id')
    .argument('<name>', 'new name')
    .option('--json', 'print JSON')
    .action(async (ref: string, name: string, opts: { json?: boolean }) => {
      const d = await withSession(globals(), async (s) => {
        const dataset = await resolveDataset(s.client, ref);
        return s.client.call('datasets.rename', { datasetId: dataset.id, name });
      });
      if (opts.json === true) return printJson(d);
      printLine(`dataset ${d.id} is now "${d.name}"`);
    });
  datasets
    .command('delete')
    .description('delete a dataset with its runs, annotations and cached data (shows what goes; --yes deletes)')
    .argument('<dataset>', 'dataset name or id')
    .option('--yes', 'delete (without it, only show what would go)')
    .option('--json', 'print JSON (the plan, or with --yes what was deleted)')
    .action(async (ref: string, opts: { yes?: boolean; json?: boolean }) => {
      await withSession(globals(), async (s) => {
        const dataset = await resolveDataset(s.client, ref);
        const plan = await s.client.call('datasets.deletePlan', { datasetId: dataset.id });
        if (opts.json === true && opts.yes !== true) printJson(plan);
        else if (opts.json !== true) printPlan(plan);
        requireYes(plan, opts.yes, `tessera datasets delete ${shellArg(dataset.name)}`);
        const done = await s.client.call('datasets.delete', { datasetId: dataset.id });
        if (opts.json === true) printJson(done);
        else printLine(`deleted dataset "${done.plan.name}" (${done.filesRemoved} cache files removed)`);
      });
    });
}
