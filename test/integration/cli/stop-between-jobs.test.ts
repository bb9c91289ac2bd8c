// A Ctrl-C caught as one job of a command ends (init --demo runs six, compare evaluates two) was lost:
// each job removed its signal listener when it ended, and Node drops a signal caught while a listener
// existed but dispatched after its removal, so the remaining jobs all ran. The CLI now listens for
// the rest of the process: after a stop, no other job starts.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runJob } from '../../../src/main/cli/jobs';
import { openTestEngine } from '../../helpers/engine';
import { tempDir, writeSolidImage } from '../../helpers/fixtures';

const t = tempDir();
afterAll(() => t.cleanup());

describe('the CLI after a Ctrl-C', () => {
  it('starts no other job once a stop arrived as a job finished; the job that finished keeps what it wrote', async () => {
    const dir = join(t.dir, 'img');
    mkdirSync(dir);
    for (let k = 0; k < 2; k++) await writeSolidImage(join(dir, `im${k}.png`), 8, 6, [k * 90, 40, 200]);
    const { engine, client } = openTestEngine(join(t.dir, 'ws'));
    try {
      // The signal arrives as the first job's end reaches the CLI, before runJob has returned.
      const off = client.on('job.finished', () => {
        off();
        process.emit('SIGINT', 'SIGINT');
      });
      const first = await runJob(client, 'datasets.importFolder', { dir, name: 'first' });
      expect(first.images).toBe(2);
      await expect(runJob(client, 'datasets.importFolder', { dir, name: 'second' })).rejects.toThrow('cancelled by the user');
      const datasets = await client.call('datasets.list', {});
      expect(datasets.map((d) => d.name)).toEqual(['first']);
      const jobs = await client.call('jobs.list', {});
      expect(jobs.map((j) => j.kind)).toEqual(['datasets.import']);
    } finally {
      await engine.close();
    }
  });
});
