import { extname } from 'node:path';
import type { Command } from 'commander';
import { ReportFormat } from '../../../shared/api/methods/reports';
import { withSession, type GlobalOptions } from '../context';
import { runJob } from '../jobs';
import { printJson, printLine } from '../output';
import { collectRun, resolveDataset, resolveRuns, runRefs } from '../resolve';

export function registerReport(program: Command, globals: () => GlobalOptions): void {
  program
    .command('report')
    .description('write a report of one or more runs: .html, .pdf, .csv, .tex or .json, by the file extension')
    .requiredOption('--dataset <dataset>', 'dataset name or id')
    .option('--runs <a,b,...>', 'runs (names or ids); every other run is compared with the first')
    .option('--run <run>', 'a run (name or id), repeated: --run A --run B (for names with commas)', collectRun)
    .requiredOption('--out <file>', 'report file: .html .pdf .csv .tex .json')
    .option('--subset <tag>', 'report only images (or queries) carrying this tag')
    .option('--seed <n>', 'bootstrap seed', '1')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        opts: { dataset: string; runs?: string; run?: string[]; out: string; subset?: string; seed: string; json?: boolean },
        cmd: Command,
      ) => {
        const format = ReportFormat.safeParse(extname(opts.out).slice(1).toLowerCase());
        if (!format.success) cmd.error(`error: --out ${opts.out}: unknown report type; use .html, .pdf, .csv, .tex or .json`);
        const refs = runRefs(opts, { min: 1, max: 8 });
        if ('usage' in refs) return cmd.error(refs.usage);
        const seed = /^\d+$/.test(opts.seed.trim()) ? Number(opts.seed) : NaN;
        if (!(seed <= 2 ** 32 - 1)) cmd.error(`error: --seed must be an integer from 0 to ${2 ** 32 - 1} (got "${opts.seed}")`);
        const result = await withSession(globals(), async (s) => {
          const dataset = await resolveDataset(s.client, opts.dataset);
          const runs = await resolveRuns(s.client, dataset.id, dataset.name, refs);
          return runJob(s.client, 'reports.create', {
            datasetId: dataset.id,
            runIds: runs.map((r) => r.id),
            format: format.data!,
            out: opts.out,
            subset: opts.subset,
            seed,
          });
        });
        if (opts.json === true) printJson(result);
        else printLine(`wrote ${result.path} (${result.bytes} bytes)`);
      },
    );
}
