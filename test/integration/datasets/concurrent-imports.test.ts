/**
 * Two processes importing datasets of one name at the same moment (QA probe B): both pass the name
 * check (the rows are written later), and the second to write met SQLite's UNIQUE constraint, which
 * reached the user as "internal error in job …". Two engines on one workspace stand for the two
 * processes here; the loser now gets the same one line as an import started afterwards.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { makeFolderDataset, tempDir } from '../../helpers/fixtures';
import { engineInternals } from '../../../src/main/engine/internals';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('two imports of one dataset name at once', () => {
  it('one imports, the other is refused with the name taken (not an internal error), and the store has one dataset', async () => {
    const t = tempDir('tessera-concurrent-import-');
    cleanups.push(t.cleanup);
    const ws = join(t.dir, 'ws');
    const a = openTestEngine(ws);
    const b = openTestEngine(ws);
    cleanups.push(
      () => a.engine.close(),
      () => b.engine.close(),
    );
    const { images, masks } = await makeFolderDataset(join(t.dir, 'data'), 24);
    const [ra, rb] = await Promise.all(
      [a, b].map((e) => finishJob(e.client, () => e.client.call('datasets.importFolder', { dir: images, masksDir: masks, name: 'same' }))),
    );
    const results = [ra!, rb!];
    expect(results.map((r) => r.status).sort()).toEqual(['failed', 'succeeded']);
    const failed = results.find((r) => r.status === 'failed')!;
    expect(failed.error?.code).toBe('CONFLICT');
    expect(failed.error?.message).toMatch(
      /^a dataset named "same" already exists in this workspace( \(another import made it meanwhile\))?; choose another with --name$/,
    );
    const names = engineInternals(a.engine).db.prepare('SELECT name, hidden_by FROM datasets').all();
    expect(names).toEqual([{ name: 'same', hidden_by: null }]);
  });
});
