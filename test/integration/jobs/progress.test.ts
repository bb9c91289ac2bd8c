import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import type { Engine } from '../../../src/main/engine/engine';
import { engineInternals } from '../../../src/main/engine/internals';

// A job's stored progress is its latest, even when the updates came faster than the throttle and
// the next item is slow: the Jobs page and "Cancelled after N images" read these rows.
let engine: Engine | undefined;
let cleanup: (() => void) | undefined;

afterEach(async () => {
  await engine?.close();
  cleanup?.();
  engine = undefined;
});

function open(): Engine {
  const t = tempDir('tessera-job-progress-');
  cleanup = t.cleanup;
  engine = openTestEngine(join(t.dir, 'ws')).engine;
  return engine;
}

describe('job progress', () => {
  it('stores the latest count while a slow item runs, and keeps it when the job is cancelled', async () => {
    const e = engineInternals(open());
    let release: () => void = () => undefined;
    const jobId = e.jobs.start('runs.start', {}, async (ctx) => {
      ctx.progress(0, 5, 'running');
      ctx.progress(1, 5, 'running');
      ctx.progress(2, 5, 'running'); // within the throttle interval of the one before
      // A slow third item that notices a cancel only when it ends.
      await new Promise<void>((r) => (release = r));
      ctx.signal.throwIfAborted();
      return {};
    });
    await expect.poll(() => e.repos.jobs.get(jobId)?.done).toBe(2);
    expect(e.repos.jobs.get(jobId)?.status).toBe('running');
    e.jobs.cancel(jobId);
    release();
    await expect.poll(() => e.repos.jobs.get(jobId)?.status).toBe('cancelled');
    expect(e.repos.jobs.get(jobId)).toMatchObject({ status: 'cancelled', done: 2, total: 5 });
  });
});
