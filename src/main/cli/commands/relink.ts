import type { Command } from 'commander';
import { withSession, type GlobalOptions } from '../context';
import { printJson, printLine } from '../output';

/** `tessera relink FROM TO`: stored paths under a moved folder point to where it is now. */
export function registerRelink(program: Command, globals: () => GlobalOptions): void {
  program
    .command('relink')
    .description('after moving a folder (images, models, or the workspace with its own files): point every stored path under FROM to TO')
    .argument('<from>', 'the folder the files were in (absolute)')
    .argument('<to>', 'the folder they are in now (absolute)')
    .option('--dry-run', 'count what would change, change nothing')
    .option('--json', 'print the result as JSON')
    .action(async (from: string, to: string, opts: { dryRun?: boolean; json?: boolean }) => {
      const dryRun = opts.dryRun === true;
      const r = await withSession(globals(), (s) => s.client.call('workspace.relink', { from, to, dryRun }));
      if (opts.json === true) return printJson(r);
      const total = r.images + r.datasets + r.models;
      if (total === 0) return printLine(`nothing stored under ${from}: nothing to relink`);
      printLine(
        `${dryRun ? 'would relink' : 'relinked'} ${r.images} image${r.images === 1 ? '' : 's'}, ${r.datasets} dataset source${r.datasets === 1 ? '' : 's'} and ${r.models} model${r.models === 1 ? '' : 's'} from ${from} to ${to}`,
      );
      if (r.missing > 0)
        process.stderr.write(
          `warning: ${r.missing} of them have no file at the new place (${r.examples.join(', ')}${r.missing > r.examples.length ? ', …' : ''})\n`,
        );
    });
}
