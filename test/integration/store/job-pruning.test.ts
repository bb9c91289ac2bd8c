/**
 * Probe R: the jobs table was never pruned (~2,800 rows an hour in a daily loop of imports, runs and
 * evaluations). Opening a workspace keeps the newest KEPT_FINISHED_JOBS finished jobs.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { KEPT_FINISHED_JOBS } from '../../../src/main/engine/engine';
import { engineInternals } from '../../../src/main/engine/internals';
import { openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';

describe('finished jobs', () => {
  it('beyond the newest 2,000 are dropped when a workspace is opened, with their item failures', async () => {
    const t = tempDir();
    const ws = join(t.dir, 'ws');
    const first = openTestEngine(ws);
    const db = engineInternals(first.engine).db;
    const insert = db.prepare(
      "INSERT INTO jobs (id, kind, params, status, created_at, updated_at) VALUES (?, 'metrics.evaluate', '{}', ?, ?, ?)",
    );
    const total = KEPT_FINISHED_JOBS + 25;
    db.transaction(() => {
      for (let k = 0; k < total; k++) {
        const at = new Date(Date.UTC(2026, 0, 1, 0, 0, k)).toISOString();
        insert.run(`job-${String(k).padStart(5, '0')}`, k % 3 === 0 ? 'failed' : 'succeeded', at, at);
      }
    })();
    db.prepare(
      "INSERT INTO job_item_failures (job_id, item, reason) VALUES ('job-00000', 'a.png', 'x'), ('job-02020', 'b.png', 'y')",
    ).run();
    await first.engine.close();

    const again = openTestEngine(ws);
    try {
      const d = engineInternals(again.engine).db;
      const ids = d.prepare('SELECT id FROM jobs ORDER BY id').pluck().all() as string[];
      expect(ids.length).toBe(KEPT_FINISHED_JOBS);
      expect(ids[0]).toBe('job-00025');
      expect(ids.at(-1)).toBe(`job-${String(total - 1).padStart(5, '0')}`);
      expect(d.prepare('SELECT job_id FROM job_item_failures').pluck().all()).toEqual(['job-02020']);
      expect((await again.client.call('jobs.list', {})).length).toBe(100);
    } finally {
      await again.engine.close();
      t.cleanup();
    }
  });
});
