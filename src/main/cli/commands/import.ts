import type { Command } from 'commander';
import { ImportResult } from '../../../shared';
import { withSession, type GlobalOptions } from '../context';
import { runJob } from '../jobs';
import { printJson, printLine } from '../output';

function report(result: ImportResult, json: boolean): void {
  if (json) return printJson(result);
  printLine(`imported ${result.images} images (${result.annotated} with masks) as dataset "${result.name}" (id ${result.datasetId})`);
  if (result.skipped.length > 0) {
    printLine(`skipped ${result.skipped.length} file(s):`);
    for (const s of result.skipped) printLine(`  ${s.file}: ${s.reason}`);
  }
}

export function registerImport(program: Command, globals: () => GlobalOptions): void {
  const imp = program.command('import').description('import a dataset or predictions');
  imp
    .command('folder')
    .description('import a plain folder of images, with optional PNG masks named like the images')
    .argument('<dir>', 'folder of images')
    .option('--masks <dir>', 'folder of PNG masks (<image stem>.png; palette, grey or 0/255)')
    .option('--name <name>', 'dataset name (default: the folder name)')
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, opts: { masks?: string; name?: string; json?: boolean }) => {
      const raw = await withSession(globals(), (s) =>
        runJob(s.client, () => s.client.call('datasets.importFolder', { dir, masksDir: opts.masks, name: opts.name })),
      );
      report(ImportResult.parse(raw), opts.json === true);
    });
}
