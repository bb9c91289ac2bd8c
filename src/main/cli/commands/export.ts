import { Option, type Command } from 'commander';
import { ApiError } from '../../../shared';
import { ExportFormat, type ExportResult } from '../../../shared/api/methods/exports';
import { withSession, type GlobalOptions } from '../context';
import { runJob } from '../jobs';
import { printJson, printLine } from '../output';
import { resolveDataset } from '../resolve';

/** On stderr: what the export could not write (an unfinished run's missing images, ignore pixels in COCO). */
function warnLeftOut(result: ExportResult, runName: string): void {
  if ((result.unpredicted ?? 0) > 0)
    process.stderr.write(
      `warning: run "${runName}" is not finished: ${result.unpredicted} image(s) without results were left out (not written as background)\n`,
    );
  if ((result.ignoreLeftOut ?? 0) > 0)
    process.stderr.write(
      `warning: ${result.ignoreLeftOut} image(s) have ignore (255) pixels, which COCO cannot hold: they were left out and read back as background\n`,
    );
  if ((result.unannotatedLeftOut ?? 0) > 0)
    process.stderr.write(
      `warning: ${result.unannotatedLeftOut} image(s) have no ground truth and were not listed (COCO reads a listed image without annotations as all background)\n`,
    );
}

interface ExportOptions {
  dataset: string;
  run?: string;
  format: ExportFormat;
  out: string;
  raw?: boolean;
  overwrite?: boolean;
  json?: boolean;
}

export function registerExport(program: Command, globals: () => GlobalOptions): void {
  program
    .command('export')
    .description('write ground truth (or a run with --run) as VOC PNGs, COCO JSON, .npy heatmaps or point-prompt JSON')
    .requiredOption('--dataset <dataset>', 'dataset name or id')
    .option('--run <run>', "export this run's predictions instead of the ground truth")
    .addOption(
      new Option(
        '--format <format>',
        "voc: palette PNGs; coco: instances/results JSON; npy: a run's heatmaps; points: a seg-token run's point prompts (JSON per sample)",
      )
        .choices(ExportFormat.options)
        .makeOptionMandatory(),
    )
    .requiredOption('--out <dir>', 'output folder (created if needed)')
    .option(
      '--raw',
      'npy: heatmaps as the model produced them (model resolution) plus heatmaps.json with their geometry, not at image size',
    )
    .option(
      '--overwrite',
      "replace files already in --out that the export writes (without it such an export is refused); never a dataset's image files",
    )
    .option('--json', 'print the result as JSON')
    .action(async (opts: ExportOptions) => {
      let runName = '';
      const result = await withSession(globals(), async (s) => {
        const dataset = await resolveDataset(s.client, opts.dataset);
        let runId: number | undefined;
        if (opts.run !== undefined) {
          const ref = opts.run;
          const runs = await s.client.call('runs.list', { datasetId: dataset.id });
          const run = runs.find((r) => r.name === ref) ?? (/^\d+$/.test(ref) ? runs.find((r) => r.id === Number(ref)) : undefined);
          if (run === undefined)
            throw new ApiError(
              'NOT_FOUND',
              `no run "${ref}" in dataset "${dataset.name}" (${runs.length === 0 ? 'it has no runs' : `runs: ${runs.map((r) => r.name).join(', ')}`})`,
            );
          runId = run.id;
          runName = run.name;
        }
        return runJob(s.client, 'datasets.export', {
          datasetId: dataset.id,
          runId,
          format: opts.format,
          outDir: opts.out,
          ...(opts.raw === true ? { raw: true } : {}),
          ...(opts.overwrite === true ? { overwrite: true } : {}),
        });
      });
      warnLeftOut(result, runName);
      if (opts.json === true) return printJson(result);
      printLine(`wrote ${result.files} file(s) for ${result.images} image(s) to ${result.outDir}`);
      for (const note of result.notes ?? []) printLine(`note: ${note}`);
    });
}
