// A second Tessera process for tests: opens the workspace given in argv[2], starts one job of kind
// argv[3] with params argv[4] (JSON) whose body never finishes, prints "JOB <id>", then waits to be killed.
import { createEngine } from '../../src/main/engine/engine';
import { isJobKind } from '../../src/shared/api/jobKinds';
import { engineInternals } from '../../src/main/engine/internals';

const [workspace, kind, params] = process.argv.slice(2);
if (workspace === undefined || kind === undefined || !isJobKind(kind)) throw new Error('usage: holdJob.ts WORKSPACE KIND [PARAMS]');
const engine = createEngine({ workspace });
const jobId = engineInternals(engine).jobs.start(kind, JSON.parse(params ?? '{}') as object, () => new Promise(() => undefined));
process.stdout.write(`JOB ${jobId}\n`);
setInterval(() => undefined, 1 << 30);
