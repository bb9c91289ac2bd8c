/**
 * Opening a workspace while another process holds its write lock (QA probe B: a sqlite3 shell in a
 * transaction, an import committing): every command, even `datasets list` and `check`, waited 5 s
 * for the open's own clean-up writes and failed with SQLite's bare "database is locked". Reads work
 * in WAL mode meanwhile: the open now leaves its clean-up to a later open, reads answer, and a write
 * still waits for the lock and then says, naming the file, that another process holds it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createEngine } from '../../../src/main/engine/engine';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { makeFolderDataset, tempDir } from '../../helpers/fixtures';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('open while another process holds the write lock', () => {
  it('opens, reads, and refuses a write with one line naming the busy file', async () => {
    const t = tempDir('tessera-locked-');
    cleanups.push(t.cleanup);
    const ws = join(t.dir, 'ws');
    const first = openTestEngine(ws);
    const { images } = await makeFolderDataset(join(t.dir, 'data'), 1);
    const done = await finishJob(first.client, () => first.client.call('datasets.importFolder', { dir: images, name: 'd' }));
    const datasetId = Number(done.result?.['datasetId']);
    await first.engine.close();
    // Another process's write transaction (a second connection holds the same lock a process would).
    const other = new Database(join(ws, 'tessera.db'));
    other.pragma('journal_mode = WAL');
    other.exec('BEGIN IMMEDIATE');
    other.prepare("INSERT INTO tags (name) VALUES ('held')").run();
    cleanups.push(() => {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
    });

    const engine = createEngine({ workspace: ws });
    cleanups.push(() => engine.close());
    const listed = await engine.dispatch('datasets.list', {});
    expect(listed.ok && (listed.value as Array<{ name: string }>).map((d) => d.name)).toEqual(['d']);
    const info = await engine.dispatch('workspace.info', {});
    expect(info.ok).toBe(true);
    const write = await engine.dispatch('datasets.rename', { datasetId, name: 'renamed' });
    expect(write.ok).toBe(false);
    if (!write.ok) {
      expect(write.error.code).toBe('CONFLICT');
      expect(write.error.message).toMatch(
        /tessera\.db is busy: another Tessera process holds it \(database is locked\); try again when it is done$/,
      );
    }
    other.exec('ROLLBACK');
    const again = await engine.dispatch('datasets.rename', { datasetId, name: 'renamed' });
    expect(again.ok).toBe(true);
  });
});
