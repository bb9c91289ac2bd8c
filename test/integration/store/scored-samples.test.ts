import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createEngine, type Engine } from '../../../src/main/engine/engine';
import { engineInternals } from '../../../src/main/engine/internals';
import { decimalList, inGalleryOrder, nameTextInGalleryOrder, scoredSampleColumns } from '../../../src/main/engine/store/repos/evaluation';
import { compareUtf8 } from '../../../src/shared/domain/imageOrder';
import { decodeScoreList, encodeScoreList, namedByBytes } from '../../../src/main/engine/store/scoreSnapshots';
import type { Db } from '../../../src/main/engine/store/db';
import { tempDir } from '../../helpers/fixtures';

// The scored samples of a dataset are fetched as arrays built by SQLite (a semantic dataset's names as one text) (store/repos/evaluation.ts),
// whose order is checked against the gallery's: file names as SQLite's BINARY collation orders them
// (UTF-8 bytes), then image id, then sample id. Names here are chosen where UTF-16 order differs.
let engine: Engine;
let db: Db;
let cleanup: () => void;

const NAMES = [
  'b.png',
  '\uE000.png',
  '😀.png',
  'a.png',
  'A.png',
  'a.png',
  'é.png',
  'a\u0000b.png',
  '',
  'ｚ.png',
  '\uFFFD.png',
  '"quoted"\\.png',
];

/** The row query the JSON path replaces (ORDER BY in SQL, one JS array per row). */
function byRows(datasetId: number, task: 'semantic' | 'referring'): unknown {
  const where =
    task === 'semantic' ? 's.query IS NULL AND EXISTS (SELECT 1 FROM annotations a WHERE a.sample_id = s.id)' : 's.query IS NOT NULL';
  const rows = db
    .prepare(
      `SELECT s.id, s.image_id, i.file_name, s.query FROM images i JOIN samples s ON s.image_id = i.id
       WHERE i.dataset_id = ? AND ${where} ORDER BY i.file_name, i.id, s.id`,
    )
    .raw()
    .all(datasetId) as Array<[number, number, string, string | null]>;
  return {
    sampleIds: Float64Array.from(rows, (r) => r[0]),
    imageIds: Float64Array.from(rows, (r) => r[1]),
    fileNames: rows.map((r) => r[2]),
    queries: rows.map((r) => r[3]),
  };
}

beforeAll(() => {
  const t = tempDir();
  cleanup = t.cleanup;
  engine = createEngine({ workspace: join(t.dir, 'ws'), create: true, readWorker: false });
  db = engineInternals(engine).db;
});

afterAll(async () => {
  await engine?.close();
  cleanup?.();
});

describe('scored samples in gallery order', () => {
  it('equal the row query on names whose UTF-16 and UTF-8 orders differ, ties broken by image then sample id', () => {
    const { repos } = engineInternals(engine);
    const semantic = repos.datasets.create({ name: 'names', format: 'voc', task: 'semantic', sourcePath: null });
    const referring = repos.datasets.create({ name: 'queries', format: 'refcoco', task: 'referring', sourcePath: null });
    repos.datasets.addClasses(semantic, [{ index: 0, name: 'bg', color: [0, 0, 0] }]);
    NAMES.forEach((fileName, n) => {
      for (const datasetId of [semantic, referring]) {
        const imageId = repos.images.create({
          datasetId,
          path: `/x/${n}/${fileName}`,
          fileName,
          sha256: 'x',
          bytes: 1,
          width: 4,
          height: 3,
        });
        if (datasetId === semantic) {
          const sampleId = repos.images.createSample(imageId);
          // Every third image has no ground truth, so it is not scored.
          if (n % 3 !== 2)
            repos.annotations.create({ sampleId, classIdx: 0, rle: { size: [3, 4], counts: '<' }, area: 12, bbox: [0, 0, 4, 3] });
        } else {
          for (const query of ['the 😀 one', 'a "quoted" \\ one\nwith a newline', '']) repos.images.createSample(imageId, `${query}${n}`);
        }
      }
    });
    for (const [datasetId, task] of [
      [semantic, 'semantic'],
      [referring, 'referring'],
    ] as const) {
      const listed = scoredSampleColumns(db, datasetId, task);
      expect(listed).toEqual(byRows(datasetId, task));
      expect(listed.sampleIds.length).toBe(task === 'semantic' ? 8 : NAMES.length * 3);
      expect(inGalleryOrder(listed)).toBe(true);
    }
    // The supplementary-plane name sorts after U+E000 and U+FFFD, as UTF-8 bytes do (UTF-16 would put it first of them).
    const names = scoredSampleColumns(db, referring, 'referring').fileNames.filter((n, k, a) => a.indexOf(n) === k);
    expect(names.slice(-4)).toEqual(['\uE000.png', 'ｚ.png', '\uFFFD.png', '😀.png']);
  });

  it('a semantic listing comes as one UTF-8 text of names (sent on as bytes), and a name with a NUL in it takes the row query', () => {
    const { repos } = engineInternals(engine);
    const make = (name: string, names: readonly string[]): number => {
      const datasetId = repos.datasets.create({ name, format: 'voc', task: 'semantic', sourcePath: null });
      repos.datasets.addClasses(datasetId, [{ index: 0, name: 'bg', color: [0, 0, 0] }]);
      names.forEach((fileName, n) => {
        const imageId = repos.images.create({
          datasetId,
          path: `/y/${n}/${fileName}`,
          fileName,
          sha256: 'y',
          bytes: 1,
          width: 4,
          height: 3,
        });
        const sampleId = repos.images.createSample(imageId);
        repos.annotations.create({ sampleId, classIdx: 0, rle: { size: [3, 4], counts: '<' }, area: 12, bbox: [0, 0, 4, 3] });
      });
      return datasetId;
    };
    const withoutNul = NAMES.filter((n) => !n.includes('\u0000'));
    const text = make('text', withoutNul);
    const listed = scoredSampleColumns(db, text, 'semantic');
    expect(listed).toEqual(byRows(text, 'semantic'));
    expect(listed.fileNames).toHaveLength(withoutNul.length);
    expect(namedByBytes(listed)).toBe(true);
    // Encoded again (kept, or sent to the engine's thread) from the text it came as: the same columns back.
    const scores = Float64Array.from(listed.sampleIds, (id) => id / 10);
    expect(decodeScoreList(encodeScoreList({ ...listed, scores }), false)).toEqual({ ...(byRows(text, 'semantic') as object), scores });
    const nul = make('nul', ['a\u0000b.png', 'a.png', 'c.png']);
    const rows = scoredSampleColumns(db, nul, 'semantic');
    expect(rows).toEqual(byRows(nul, 'semantic'));
    expect(rows.fileNames).toEqual(['a\u0000b.png', 'a.png', 'c.png']);
    expect(namedByBytes(rows)).toBe(false);
    const empty = make('empty', []);
    expect(scoredSampleColumns(db, empty, 'semantic')).toEqual(byRows(empty, 'semantic'));
  });

  it('an order that is not the gallery order is seen (the row query answers then)', () => {
    const ok = {
      sampleIds: Float64Array.of(1, 2, 3),
      imageIds: Float64Array.of(1, 1, 2),
      fileNames: ['a', 'a', 'b'],
      queries: [null, null, null],
    };
    expect(inGalleryOrder(ok)).toBe(true);
    expect(inGalleryOrder({ ...ok, fileNames: ['a', 'b', 'a'] })).toBe(false);
    expect(inGalleryOrder({ ...ok, sampleIds: Float64Array.of(2, 1, 3) })).toBe(false);
    expect(inGalleryOrder({ ...ok, imageIds: Float64Array.of(2, 1, 3), fileNames: ['a', 'a', 'b'] })).toBe(false);
    expect(inGalleryOrder({ ...ok, fileNames: ['😀', '\uE000', 'b'] })).toBe(false);
    expect(inGalleryOrder({ ...ok, queries: [null, null] })).toBe(false);
  });

  it("the order checked on a listing's name text (before any name is decoded) is inGalleryOrder's", () => {
    const text = (names: string[]): Uint8Array => Buffer.from(names.map((n) => `${n}\u0000`).join(''), 'utf8');
    const ids = (...v: number[]): Float64Array => Float64Array.from(v);
    expect(nameTextInGalleryOrder(ids(1, 2, 3), ids(1, 1, 2), text(['a', 'a', 'b']))).toBe(true);
    expect(nameTextInGalleryOrder(ids(1, 2), ids(1, 2), text(['a', 'ab']))).toBe(true); // a prefix sorts first
    expect(nameTextInGalleryOrder(ids(1, 2), ids(1, 2), text(['ab', 'a']))).toBe(false);
    expect(nameTextInGalleryOrder(ids(1, 2), ids(1, 2), text(['', 'a']))).toBe(true);
    expect(nameTextInGalleryOrder(ids(2, 1), ids(1, 1), text(['a', 'a']))).toBe(false); // same image: by sample id
    expect(nameTextInGalleryOrder(ids(1, 2), ids(2, 1), text(['a', 'a']))).toBe(false); // same name: by image id
    expect(nameTextInGalleryOrder(ids(1, 2), ids(1, 2), text(['a', 'b', 'c']))).toBe(false); // a name more than ids
    expect(nameTextInGalleryOrder(ids(1, 2, 3), ids(1, 2, 3), text(['a', 'b']))).toBe(false);
    expect(nameTextInGalleryOrder(ids(1), ids(1), Buffer.from('a'))).toBe(false); // no NUL after the last name
    expect(nameTextInGalleryOrder(ids(), ids(), new Uint8Array(0))).toBe(true);
    // Random lists over names where UTF-16 and UTF-8 orders differ: the same answer as inGalleryOrder on the strings.
    const alphabet = ['a', 'b', 'é', '\uD7FF', '\uE000', '\uFFFF', '😀', '𝄞', 'Z', '\uFF5A'];
    let seed = 11;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const word = (): string =>
      Array.from({ length: Math.floor(next() * 3) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
    let ordered = 0;
    for (let k = 0; k < 3000; k++) {
      const n = 1 + Math.floor(next() * 4);
      const fileNames = Array.from({ length: n }, word);
      if (next() < 0.5) fileNames.sort(compareUtf8);
      const imageIds = Float64Array.from({ length: n }, () => Math.floor(next() * 3));
      const sampleIds = Float64Array.from({ length: n }, () => Math.floor(next() * 3));
      const expected = inGalleryOrder({ sampleIds, imageIds, fileNames, queries: fileNames.map(() => null) });
      if (expected) ordered++;
      expect(nameTextInGalleryOrder(sampleIds, imageIds, text(fileNames)), JSON.stringify(fileNames)).toBe(expected);
    }
    expect(ordered).toBeGreaterThan(300);
  });

  it('ids as group_concat writes them are read exactly, and any other text is refused (the row query answers then)', () => {
    const list = (text: string, n: number): number[] | null => {
      const out = decimalList(Buffer.from(text), n);
      return out === null ? null : [...out];
    };
    expect(list('12,7,3', 3)).toEqual([12, 7, 3]);
    expect(list('', 0)).toEqual([]);
    expect(list('999999999999999', 1)).toEqual([999999999999999]);
    expect(list('1000000000000000', 1)).toBeNull(); // more digits than kept exactly here
    expect(list('12,7,3', 2)).toBeNull();
    expect(list('12,7', 3)).toBeNull();
    expect(list('', 1)).toBeNull();
    for (const bad of ['-1', '1,,2', '1,2,', ',1', '1.5', '1 ', '1e3']) expect(list(bad, bad.split(',').length), bad).toBeNull();
    const ids = Array.from({ length: 1000 }, (_, k) => (k * 7919) % 100003);
    expect(list(ids.join(','), ids.length)).toEqual(ids);
  });

  it('compareUtf8 orders strings as their UTF-8 bytes do', () => {
    const alphabet = ['a', 'b', 'é', '\u0000', '\uD7FF', '\uE000', '\uFFFF', '😀', '𝄞', 'Z', '\uFF5A'];
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const word = (): string =>
      Array.from({ length: Math.floor(next() * 4) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
    for (let k = 0; k < 5000; k++) {
      const a = word();
      const b = word();
      expect(Math.sign(compareUtf8(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(
        Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))),
      );
    }
  });
});
