import type { Command } from 'commander';
import { ApiError } from '../../../shared';
import { withSession, type GlobalOptions } from '../context';
import { printJson, printLine } from '../output';

/** `tessera check`: PRAGMA quick_check of the workspace database; exit 1 when it is damaged. */
export function registerCheck(program: Command, globals: () => GlobalOptions): void {
  program
    .command('check')
    .description('check the workspace database for damage (SQLite quick_check); exit code 1 if damaged')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const result = await withSession(globals(), (s) => s.client.call('workspace.check', {}));
      if (opts.json === true) printJson(result);
      else if (result.ok) {
        printLine(
          `ok: ${result.file} (schema ${result.schemaVersion})${result.readOnly === null ? '' : `; open read-only: ${result.readOnly}`}`,
        );
      } else {
        printLine(`damaged: ${result.file}`);
        for (const p of result.problems.slice(0, 20)) printLine(`  ${p}`);
        if (result.problems.length > 20) printLine(`  ... ${result.problems.length - 20} more`);
      }
      if (!result.ok)
        throw new ApiError(
          'CORRUPT_FILE',
          `${result.file} is damaged; Tessera opens it read-only. Recover it with: sqlite3 "${result.file}" ".recover" | sqlite3 recovered.db (then move recovered.db into its place), or restore a backup`,
        );
    });
}
