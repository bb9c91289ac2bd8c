import { Option, type Command } from 'commander';
import { withSession, type GlobalOptions } from '../context';
import { runJob } from '../jobs';
import { printJson, printLine } from '../output';
import { resolveDataset, resolveModel } from '../resolve';

export function registerRun(program: Command, globals: () => GlobalOptions): void {
  program
    .command('run')
    .description('run a model over a dataset (resumes an interrupted run of the same name)')
    .requiredOption('--model <model>', 'model id or name')
    .requiredOption('--dataset <dataset>', 'dataset id or name')
    .option('--run <name>', 'run name (default: the model name)')
    .option('--subset <tag>', 'only images/samples with this tag')
    .addOption(new Option('--device <device>', 'execution provider').choices(['auto', 'cpu', 'cuda']).default('auto'))
    .option('--json', 'print the run summary as JSON')
    .action(
      async (opts: { model: string; dataset: string; run?: string; subset?: string; device: 'auto' | 'cpu' | 'cuda'; json?: boolean }) => {
        const result = await withSession(globals(), async (s) => {
          const model = await resolveModel(s.client, opts.model);
          const dataset = await resolveDataset(s.client, opts.dataset);
          let runId = 0;
          const summary = await runJob(s.client, async () => {
            const started = await s.client.call('runs.start', {
              modelId: model.id,
              datasetId: dataset.id,
              runName: opts.run,
              subset: opts.subset,
              device: opts.device,
            });
            runId = started.runId;
            return started;
          });
          return { summary, run: await s.client.call('runs.get', { runId }) };
        });
        if (opts.json === true) return printJson({ ...result.summary, run: result.run });
        const s = result.summary as { samples: number; computed: number; cached: number; resumed: number; providerFallback: string | null };
        const r = result.run;
        printLine(
          `run "${r.name}" complete: ${s.samples} samples (${s.computed} computed, ${s.cached} from cache, ${s.resumed} already done) on ${r.executionProvider ?? 'cpu'}`,
        );
        if (s.providerFallback !== null) printLine(`note: ${s.providerFallback}`);
      },
    );
}
