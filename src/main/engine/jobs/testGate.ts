import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A pause point for tests, so a test can catch a job in the middle without depending on how long
 * its work takes. With `TESSERA_TEST_GATE=N:FILE` in the environment (set only by tests), a job
 * about to take its item number N (0-based: N items are done) writes `FILE.waiting` and waits until
 * FILE exists or the job is cancelled. Without the variable, or once FILE exists, it returns at once.
 * When `FILE.hold` exists too, the item in progress does not notice a cancel (as one long inference
 * would not): the job keeps waiting for FILE and only then ends as cancelled, so a test can see the
 * "cancelling…" state between the request and the job's end. `pdf:FILE` holds a PDF report with its
 * browser started, before it prints (reports/pdf.ts); `compare:FILE` holds a comparison before it reads
 * (metrics/compare.ts: a plain call, no job, so only the CLI's signal handling can stop it).
 */
export async function testGate(index: number | 'pdf' | 'compare', signal: AbortSignal | undefined): Promise<void> {
  const spec = process.env['TESSERA_TEST_GATE'];
  if (spec === undefined || spec === '' || signal === undefined) return;
  const colon = spec.indexOf(':');
  const at = spec.slice(0, colon);
  if (typeof index === 'string' ? at !== index : Number(at) !== index) return;
  const file = spec.slice(colon + 1);
  if (existsSync(file)) return;
  writeFileSync(`${file}.waiting`, `${index}\n`);
  const hold = existsSync(`${file}.hold`);
  while (!existsSync(file)) {
    if (!hold) signal.throwIfAborted();
    await sleep(20);
  }
  signal.throwIfAborted();
}
