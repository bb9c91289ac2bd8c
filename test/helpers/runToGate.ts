// A second Tessera process for tests: opens the workspace in argv[2], starts a model run (runs.start
// with the JSON input in argv[3]) from the TypeScript source, prints "RUN <runId> <jobId>", then runs
// until killed. With TESSERA_TEST_GATE=N:FILE in its environment the run stops before item N
// (src/main/engine/jobs/testGate.ts), so a test can kill it mid-run however fast the machine is.
import { createEngine } from '../../src/main/engine/engine';

const [workspace, input] = process.argv.slice(2);
if (workspace === undefined || input === undefined) throw new Error('usage: runToGate.ts WORKSPACE RUNS_START_INPUT');
const engine = createEngine({ workspace });
void engine.dispatch('runs.start', JSON.parse(input) as unknown, { transport: 'in-process' }).then((started) => {
  if (!started.ok) {
    process.stderr.write(`${JSON.stringify(started.error)}\n`);
    process.exit(1);
  }
  const { runId, jobId } = started.value as { runId: number; jobId: string };
  process.stdout.write(`RUN ${runId} ${jobId}\n`);
});
setInterval(() => undefined, 1 << 30);
