import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../../../src/main/engine/store/db';
import { numberColumns } from '../../../../src/main/engine/store/numberColumns';
import type { StoredScoreColumns } from '../../../../src/main/engine/store/staleScores';
import { scoresInOrder } from '../../../../src/main/engine/store/readWorker/perImageColumns';

function memoryDb(values: Array<[number | bigint | null, number | null]>): Db {
  const db = new Database(':memory:') as unknown as Db;
  db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, a, b REAL)');
  const insert = db.prepare('INSERT INTO t (a, b) VALUES (?, ?)');
  for (const [a, b] of values) insert.run(a, b);
  return db;
}

describe('numberColumns: two numeric columns packed by a SQL aggregate', () => {
  it('gives back every double bit for bit, NULL as NaN, integers as numbers, in the query order', () => {
    const rows: Array<[number, number | null]> = [
      [3, 0.1 + 0.2],
      [1, null],
      [2 ** 53 - 1, 5e-324],
      [-7, -1.7976931348623157e308],
      [0, 1 / 3],
    ];
    const db = memoryDb(rows);
    const [a, b] = numberColumns(db, 'SELECT a, b FROM t ORDER BY k', 'a', 'b');
    expect(Array.from(a)).toEqual(rows.map((r) => r[0]));
    rows.forEach(([, v], k) => expect(Object.is(b[k], v ?? NaN)).toBe(true));
    const [byA] = numberColumns(db, 'SELECT a, b FROM t ORDER BY a', 'a', 'b');
    expect(Array.from(byA)).toEqual(rows.map((r) => r[0]).sort((x, y) => x - y));
  });

  it('no rows: two empty columns; many rows: past every growth of its arrays', () => {
    const db = memoryDb([]);
    const [a, b] = numberColumns(db, 'SELECT a, b FROM t', 'a', 'b');
    expect([a.length, b.length]).toEqual([0, 0]);
    const many = Array.from({ length: 5000 }, (_, k): [number, number] => [k * 2, k / 7]);
    const big = memoryDb(many);
    const [x, y] = numberColumns(big, 'SELECT a, b FROM t WHERE a >= ? ORDER BY k', 'a', 'b', [2]);
    expect(x.length).toBe(4999);
    expect(x[4998]).toBe(9998);
    expect(y[0]).toBe(1 / 7);
    expect(y[4998]).toBe(4999 / 7);
    // Arrays made at an expected size, too small or too large: the same columns.
    for (const expected of [1, 4999, 100_000]) {
      const [ex, ey] = numberColumns(big, 'SELECT a, b FROM t WHERE a >= ? ORDER BY k', 'a', 'b', [2], expected);
      expect([Array.from(ex), Array.from(ey)]).toEqual([Array.from(x), Array.from(y)]);
    }
  });
});

describe('scoresInOrder: stored scores (by sample id) in the listed order', () => {
  const stored = (ids: number[], scores: number[]): StoredScoreColumns => ({
    sampleIds: Float64Array.from(ids),
    scores: Float64Array.from(scores),
  });

  it('dense ids (a table) and sparse ids (a search) give the same answer', () => {
    const dense = stored([5, 6, 7, 9], [0.5, 0.6, NaN, 0.9]);
    expect(Array.from(scoresInOrder(dense, Float64Array.from([9, 5, 7, 6]))!)).toEqual([0.9, 0.5, NaN, 0.6]);
    const sparse = stored([5, 60_000, 7_000_000, 9_000_000_000], [0.5, 0.6, NaN, 0.9]);
    expect(Array.from(scoresInOrder(sparse, Float64Array.from([9_000_000_000, 5, 7_000_000, 60_000]))!)).toEqual([0.9, 0.5, NaN, 0.6]);
  });

  it('a listed sample without a stored row gives null, inside, below and above the stored ids', () => {
    for (const s of [stored([5, 6, 7, 9], [1, 2, 3, 4]), stored([5, 60_000, 7_000_000, 9_000_000_000], [1, 2, 3, 4])]) {
      const last = s.sampleIds[3]!;
      expect(scoresInOrder(s, Float64Array.from([5, 8]))).toBeNull();
      expect(scoresInOrder(s, Float64Array.from([4]))).toBeNull();
      expect(scoresInOrder(s, Float64Array.from([last + 1]))).toBeNull();
    }
    expect(scoresInOrder(stored([], []), Float64Array.from([1]))).toBeNull();
    expect(Array.from(scoresInOrder(stored([], []), new Float64Array(0))!)).toEqual([]);
  });
});
