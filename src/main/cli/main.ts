import { Command, CommanderError } from 'commander';
import { ApiError } from '../../shared';
import { TOOL_VERSION } from '../engine/version';
import type { GlobalOptions } from './context';
import { cliErrorMessage } from './fieldNames';
import { errorText } from './output';
import { listenForStop } from './jobs';
import { registerInit } from './commands/init';
import { registerDatasets } from './commands/datasets';
import { registerImport } from './commands/import';
import { registerServe } from './commands/serve';
import { registerExport } from './commands/export';
import { registerTags } from './commands/tags';
import { registerModels } from './commands/models';
import { registerRun } from './commands/run';
import { registerEval } from './commands/eval';
import { registerCompare } from './commands/compare';
import { registerReport } from './commands/report';
import { registerCheck } from './commands/check';
import { registerRelink } from './commands/relink';
import { registerRuns } from './commands/runs';
import { registerClasses } from './commands/classes';

/** Exit codes (docs/design.md §6.3): 0 ok; 1 anything the user caused, one line on stderr; 2 usage errors. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('tessera')
    .description('Tessera: datasets, ONNX models, CAMs and token heatmaps, paper-exact metrics')
    .version(TOOL_VERSION)
    .option('--workspace <dir>', 'workspace folder (default: $TESSERA_WORKSPACE or ./.tessera)')
    .option('--debug', 'print stack traces and log lines')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.startsWith('error:') ? text : `error: ${text}`) })
    .showHelpAfterError('(run "tessera --help" for usage)');
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  registerInit(program, globals);
  registerDatasets(program, globals);
  registerImport(program, globals);
  registerServe(program, globals);
  registerExport(program, globals);
  registerTags(program, globals);
  registerModels(program, globals);
  registerRuns(program, globals);
  registerClasses(program, globals);
  registerRun(program, globals);
  registerEval(program, globals);
  registerCompare(program, globals);
  registerReport(program, globals);
  registerCheck(program, globals);
  registerRelink(program, globals);
  // Ctrl-C and SIGTERM stop every command but serve (which closes its server itself): cli/jobs.ts.
  program.hook('preAction', (_program, action) => {
    if (action.name() !== 'serve') listenForStop();
  });
  for (const cmd of program.commands) cmd.exitOverride();
  for (const cmd of program.commands.flatMap((c) => c.commands)) cmd.exitOverride();

  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    const debug = argv.includes('--debug');
    if (err instanceof ApiError) {
      const issues = err.details?.['issues'];
      process.stderr.write(errorText(cliErrorMessage(err), Array.isArray(issues) ? issues.length : 0));
      if (debug && err.details !== undefined) process.stderr.write(`${JSON.stringify(err.details, null, 2)}\n`);
      return 1;
    }
    process.stderr.write(errorText(err instanceof Error ? err.message : String(err)));
    if (debug && err instanceof Error && err.stack !== undefined) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}
