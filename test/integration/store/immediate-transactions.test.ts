/**
 * Probe R: an edit, undo or redo failed at once as a "conflict" while another process wrote (a CLI
 * tagging images). Its deferred transaction read, another process committed, and its first write
 * then got SQLITE_BUSY_SNAPSHOT, which no busy timeout waits for. Writable connections now begin every
 * transaction IMMEDIATE (store/db.ts beginImmediate): the write lock is taken, or waited for, first.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../../../src/main/engine/store/db';
import { tempDir } from '../../helpers/fixtures';

let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
});

describe('transactions on a writable workspace connection', () => {
  it('a read-then-write transaction is not failed by another process committing in between', () => {
    const t = tempDir();
    const file = join(t.dir, 'tessera.db');
    const engine = openDatabase(file);
    // Another process (a CLI) on the same file: its own connection, its own lock.
    const other = new Database(file);
    other.pragma('busy_timeout = 0');
    cleanup = () => {
      other.close();
      engine.close();
      t.cleanup();
    };
    engine.exec("INSERT INTO tags (name) VALUES ('a')");
    let otherWrite: string = 'not tried';
    const edit = engine.transaction(() => {
      const before = engine.prepare('SELECT COUNT(*) FROM tags').pluck().get() as number; // the read
      try {
        other.exec("INSERT INTO tags (name) VALUES ('from the CLI')"); // the other process's commit
        otherWrite = 'committed';
      } catch (err) {
        otherWrite = (err as { code?: string }).code ?? 'error';
      }
      engine.prepare('INSERT INTO tags (name) VALUES (?)').run(`edit after ${before}`); // the write
    });
    expect(() => edit()).not.toThrow();
    // The engine's transaction held the write lock from its start: the other writer waited (here: its
    // busy timeout is 0, so it was told busy and would retry), instead of the engine failing.
    expect(otherWrite).toBe('SQLITE_BUSY');
    expect(engine.prepare('SELECT name FROM tags ORDER BY id').pluck().all()).toEqual(['a', 'edit after 1']);
    // Nested transactions are still savepoints; the explicit variants stay available.
    const outer = engine.transaction(() => {
      engine.transaction(() => engine.exec("INSERT INTO tags (name) VALUES ('inner')"))();
    });
    outer();
    expect(typeof engine.transaction(() => 1).deferred).toBe('function');
    expect(engine.prepare('SELECT COUNT(*) FROM tags').pluck().get()).toBe(3);
  });
});
