import { describe, expect, it } from 'vitest';
import {
  decodeSampleList,
  decodeScoreList,
  encodeSampleList,
  encodeScoreList,
  namedByBytes,
  withScores,
  type ScoreListColumns,
} from '../../../../src/main/engine/store/scoreSnapshots';
import { perImageWire, samplesAhead, withScoresAhead } from '../../../../src/main/engine/store/readWorker/perImageColumns';

function list(rows: Array<[number, number, string, string | null, number]>): ScoreListColumns {
  return {
    sampleIds: Float64Array.from(rows, (r) => r[0]),
    imageIds: Float64Array.from(rows, (r) => r[1]),
    fileNames: rows.map((r) => r[2]),
    queries: rows.map((r) => r[3]),
    scores: Float64Array.from(rows, (r) => r[4]),
  };
}

function plain(c: ScoreListColumns): unknown {
  return { ...c, sampleIds: [...c.sampleIds], imageIds: [...c.imageIds], scores: [...c.scores] };
}

describe('kept score lists: the stored bytes', () => {
  it('give back every id, name, query and score exactly (multi-byte names, empty and null queries, no score)', () => {
    const c = list([
      [1, 10, '2007_000033.jpg', null, 0.8123456789012345],
      [2, 10, '2007_000033.jpg', 'the dog on the left', 1],
      [3, 11, 'café/straße_東京.png', '', NaN],
      [4, 9_007_199_254_740_991, '😀 emoji.jpg', 'query with 😀 and ✓', 0],
      [5, 12, '', 'a', 1e-300],
    ]);
    const back = decodeScoreList(encodeScoreList(c));
    expect(back).not.toBeNull();
    expect(plain(back!)).toEqual(plain(c));
    expect(Number.isNaN(back!.scores[2])).toBe(true);
    expect(back!.queries[0]).toBeNull();
    expect(back!.queries[2]).toBe('');
  });

  it('decode from a blob that does not start on an 8-byte boundary', () => {
    const c = list([[7, 8, 'a.png', null, 0.25]]);
    const bytes = encodeScoreList(c);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(plain(decodeScoreList(shifted.subarray(3))!)).toEqual(plain(c));
  });

  it('a list of samples (no scores) comes back without scores, and neither kind decodes as the other', () => {
    const { scores, ...samples } = list([
      [1, 10, 'a.jpg', null, 0.5],
      [2, 11, 'b – ü.jpg', 'left dog', 0.25],
    ]);
    const bytes = encodeScoreList(samples);
    const back = decodeSampleList(bytes);
    expect(back).toEqual({ ...samples });
    expect(back).not.toHaveProperty('scores');
    expect(decodeScoreList(bytes)).toBeNull();
    expect(decodeSampleList(encodeScoreList({ ...samples, scores }))).toBeNull();
  });

  it('an empty list stays empty', () => {
    expect(plain(decodeScoreList(encodeScoreList(list([])))!)).toEqual(plain(list([])));
  });

  it('refuse bytes that are not a whole list: other magic, cut short, text too long', () => {
    const bytes = encodeScoreList(list([[1, 2, 'name.png', 'q', 0.5]]));
    const other = Buffer.from(bytes);
    other[0] = 0;
    expect(decodeScoreList(other)).toBeNull();
    expect(decodeScoreList(bytes.subarray(0, 20))).toBeNull();
    expect(decodeScoreList(bytes.subarray(0, bytes.length - 1))).toBeNull();
    expect(decodeScoreList(Buffer.concat([bytes, Buffer.from('x')]))).toBeNull();
    expect(decodeScoreList(new Uint8Array(3))).toBeNull();
  });

  it('a decoded sample list with new scores encodes to the bytes a fresh encode gives (its names reused), and not once its queries change', () => {
    const { scores, ...samples } = list([
      [1, 10, 'café/a.jpg', null, 0.5],
      [2, 11, 'b – ü.jpg', 'left dog', 0.25],
      [3, 12, '😀.png', '', NaN],
    ]);
    const decoded = decodeSampleList(encodeScoreList(samples))!;
    const withScores = { ...decoded, scores };
    const fresh = encodeScoreList({ ...samples, fileNames: [...samples.fileNames], queries: [...samples.queries], scores });
    expect(Buffer.compare(encodeScoreList(withScores), fresh)).toBe(0);
    expect(plain(decodeScoreList(encodeScoreList(withScores))!)).toEqual(plain({ ...samples, scores }));
    // Other queries beside the decoded names: encoded from the columns, not from the reused bytes.
    const otherQueries = { ...withScores, queries: ['x', null, 'yz'] };
    expect(decodeScoreList(encodeScoreList(otherQueries))!.queries).toEqual(['x', null, 'yz']);
  });
});

describe('names kept as bytes', () => {
  const rows: Array<[number, number, string, string | null, number]> = [
    [1, 10, 'café/a.jpg', null, 0.5],
    [2, 11, 'b – ü.jpg', 'left dog', 0.25],
    [3, 12, '😀.png', '', NaN],
  ];

  it('a kept list read back keeps its names as bytes until read, re-encodes to the same bytes, with or without its scores', () => {
    const { scores, ...samples } = list(rows);
    const bytes = encodeScoreList({ ...samples, scores });
    const kept = decodeScoreList(bytes)!;
    expect(namedByBytes(kept)).toBe(true);
    expect(Buffer.compare(encodeScoreList(kept), bytes)).toBe(0);
    expect(Buffer.compare(encodeSampleList(kept), encodeScoreList(samples))).toBe(0);
    // Scores added to the kept samples: still bytes, and the names read as they were written.
    const rescored = withScores(decodeSampleList(encodeSampleList(samples))!, Float64Array.of(0.1, 0.2, 0.3));
    expect(namedByBytes(rescored)).toBe(true);
    expect(rescored.fileNames).toEqual(samples.fileNames);
    expect(rescored.queries).toEqual(samples.queries);
    expect(Object.isFrozen(rescored.fileNames)).toBe(true);
    expect(plain(decodeScoreList(encodeScoreList(rescored))!)).toEqual(plain({ ...samples, scores: Float64Array.of(0.1, 0.2, 0.3) }));
    // Lists of strings are not bytes.
    expect(namedByBytes(samples)).toBe(false);
    expect(namedByBytes(withScores(samples, scores))).toBe(false);
  });

  it('lengths that do not cut the text exactly, or a text that is not UTF-8, are refused', () => {
    const bytes = Buffer.from(encodeScoreList(list(rows)));
    const n = rows.length;
    const nameLengthsAt = 16 + 3 * 8 * n;
    const longer = Buffer.from(bytes);
    longer.writeInt32LE(longer.readInt32LE(nameLengthsAt) + 1, nameLengthsAt);
    expect(decodeScoreList(longer)).toBeNull();
    expect(decodeScoreList(longer, false)).toBeNull();
    const notUtf8 = Buffer.from(bytes);
    notUtf8[notUtf8.length - 1] = 0xff; // inside the emoji's 4 bytes
    expect(decodeScoreList(notUtf8)).toBeNull();
  });

  it("samples sent ahead of their scores, joined with them, give perImageWire's answer for the whole list", () => {
    const whole = list(rows);
    const { scores, ...samples } = whole;
    const ahead = samplesAhead(encodeSampleList(samples))!;
    expect(ahead).not.toBeNull();
    const joined = withScoresAhead(ahead, scores)!;
    expect(perImageWire(joined)).toEqual(perImageWire(whole));
    expect(perImageWire(joined).scores).toEqual([0.5, 0.25, null]);
    expect(withScoresAhead(samplesAhead(encodeSampleList(samples))!, Float64Array.of(1, 2))).toBeNull(); // counts differ
    expect(samplesAhead(encodeScoreList(whole))).toBeNull(); // a score list is not a sample list
  });
});
