import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { WorkerPool } from '../../../src/main/engine/workers/pool';
import { tempDir, writeGreyMask } from '../../helpers/fixtures';

// The import pool's workers never keep a process alive: a CLI command ends when its work does. A
// worker that got no task (one file, two workers) kept `tessera import predictions` of one PNG
// waiting 20 s for the pool's idle stop: its 'message' listener, added after unref(), ref'd it again.
const refdPorts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;

describe('the worker pool', () => {
  it('holds no reference to the event loop once its tasks are done, started workers included', async () => {
    const t = tempDir();
    try {
      const file = join(t.dir, 'p.png');
      writeGreyMask(file, 4, 3, new Uint8Array(12).fill(1));
      const before = refdPorts();
      const pool = new WorkerPool(2);
      const task = { path: file, fileName: 'p.jpg', width: 4, height: 3, classes: [], count: null };
      const result = await pool.run('predictionPng', task);
      expect(Array.from(result.classes)).toEqual([1]);
      // Both workers started (the pool starts all on first use); the second never got a task.
      await new Promise((r) => setTimeout(r, 200));
      expect(refdPorts()).toBe(before);
      await pool.close();
    } finally {
      t.cleanup();
    }
  });
});
