import type { Command } from 'commander';
import { runOriginText } from '../../../shared/domain';
import { withSession, type GlobalOptions } from '../context';
import { printJson, printLine, table } from '../output';
import { resolveDataset, resolveRuns } from '../resolve';
import { printPlan, requireYes, shellArg } from './manageOutput';

export function registerRuns(program: Command, globals: () => GlobalOptions): void {
  const runs = program.command('runs').description("list, rename and delete a dataset's runs");
  runs
    .command('list')
    .description('list the runs of a dataset (the model that made each, with its sha256 and TOY for toy models)')
    .requiredOption('--dataset <dataset>', 'dataset name or id')
    .option('--json', 'print JSON')
    .action(async (opts: { dataset: string; json?: boolean }) => {
      const { dataset, list } = await withSession(globals(), async (s) => {
        const dataset = await resolveDataset(s.client, opts.dataset);
        return { dataset, list: await s.client.call('runs.list', { datasetId: dataset.id }) };
      });
      if (opts.json === true) return printJson(list);
      if (list.length === 0)
        return printLine(`dataset "${dataset.name}" has no runs yet: try "tessera run --model M --dataset ${shellArg(dataset.name)}"`);
      printLine(
        table([
          ['ID', 'NAME', 'MADE BY', 'STATUS', 'SAMPLES', 'DEVICE', 'CREATED'],
          ...list.map((r) => [
            String(r.id),
            r.name,
            runOriginText(r),
            r.status,
            String(r.predictedSamples),
            r.executionProvider ?? '',
            r.createdAt.slice(0, 19).replace('T', ' '),
          ]),
        ]),
      );
    });
  runs
    .command('rename')
    .description('rename a run')
    .argument('<run>', 'run name or id')
    .argument('<name>', 'new name')
    .requiredOption('--dataset <dataset>', 'dataset name or id')
    .option('--json', 'print JSON')
    .action(async (ref: string, name: string, opts: { dataset: string; json?: boolean }) => {
      const r = await withSession(globals(), async (s) => {
        const dataset = await resolveDataset(s.client, opts.dataset);
        const [run] = await resolveRuns(s.client, dataset.id, dataset.name, [ref]);
        return s.client.call('runs.rename', { runId: (run as { id: number }).id, name });
      });
      if (opts.json === true) return printJson(r);
      printLine(`run ${r.id} is now "${r.name}"`);
    });
  runs
    .command('delete')
    .description('delete a run: its predictions, heatmaps and metric rows (shows what goes; --yes deletes)')
    .argument('<run>', 'run name or id')
    .requiredOption('--dataset <dataset>', 'dataset name or id')
    .option('--yes', 'delete (without it, only show what would go)')
    .option('--json', 'print JSON (the plan, or with --yes what was deleted)')
    .action(async (ref: string, opts: { dataset: string; yes?: boolean; json?: boolean }) => {
      await withSession(globals(), async (s) => {
        const dataset = await resolveDataset(s.client, opts.dataset);
        const [run] = await resolveRuns(s.client, dataset.id, dataset.name, [ref]);
        const runId = (run as { id: number; name: string }).id;
        const plan = await s.client.call('runs.deletePlan', { runId });
        if (opts.json === true && opts.yes !== true) printJson(plan);
        else if (opts.json !== true) printPlan(plan);
        requireYes(plan, opts.yes, `tessera runs delete ${shellArg(plan.name)} --dataset ${shellArg(dataset.name)}`);
        const done = await s.client.call('runs.delete', { runId });
        if (opts.json === true) printJson(done);
        else printLine(`deleted run "${done.plan.name}" of dataset "${dataset.name}"`);
      });
    });
}
