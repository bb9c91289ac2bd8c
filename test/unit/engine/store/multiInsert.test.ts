import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { multiRowInsert } from '../../../../src/main/engine/store/multiInsert';

describe('multiRowInsert', () => {
  it('writes every row, in order, across statements of at most 64 rows', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b TEXT)');
    const insert = multiRowInsert(db, 't', ['a', 'b']);
    for (const n of [1, 63, 64, 65, 150]) {
      db.exec('DELETE FROM t');
      const values = Array.from({ length: n }, (_, k) => [k * 3, k % 7 === 0 ? null : `row ${k}`]).flat();
      insert(values);
      expect(db.prepare('SELECT a, b FROM t ORDER BY id').raw().all()).toEqual(
        Array.from({ length: n }, (_, k) => [k * 3, k % 7 === 0 ? null : `row ${k}`]),
      );
    }
  });

  it('refuses values that are not whole rows, writing nothing', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (a INTEGER, b INTEGER)');
    expect(() => multiRowInsert(db, 't', ['a', 'b'])([1, 2, 3])).toThrow(/3 values for 2 columns/);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(0);
  });
});
