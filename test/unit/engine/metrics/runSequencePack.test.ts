import { describe, expect, it } from 'vitest';
import { RunSequenceBuilder, type RunSequence } from '../../../../src/main/engine/metrics/pixelCounts';
import { packRunSequence, unpackRunSequence } from '../../../../src/main/engine/metrics/runSequencePack';

function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 4294967296;
  };
}

/** A sequence of the given run lengths with random values. */
function sequence(lengths: number[], rand: () => number): RunSequence {
  const b = new RunSequenceBuilder();
  let end = 0;
  for (const len of lengths) b.push(Math.floor(rand() * 256), (end += len));
  return b;
}

const plain = (s: RunSequence): { values: number[]; ends: number[] } => ({
  values: Array.from(s.values.subarray(0, s.length)),
  ends: Array.from(s.ends.subarray(0, s.length)),
});

const area = (s: RunSequence): number => (s.length === 0 ? 0 : s.ends[s.length - 1]!);

describe('packRunSequence / unpackRunSequence', () => {
  it('give back every run, at every varint width (1 to 5 bytes) and length edge', () => {
    const rand = random(7);
    const edges = [1, 127, 128, 129, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31 + 5];
    const cases = [
      [],
      [1],
      [500 * 375],
      edges,
      Array.from({ length: 3000 }, () => 1 + Math.floor(rand() * 300)),
      Array.from({ length: 200 }, () => 1 + Math.floor(rand() * 2 ** 20)),
    ];
    for (const lengths of cases) {
      const seq = sequence(lengths, rand);
      const packed = packRunSequence(seq);
      const back = unpackRunSequence(packed, area(seq));
      expect(back).not.toBeNull();
      expect(plain(back!)).toEqual(plain(seq));
    }
  });

  it('take ~2-3 bytes a run on column-major runs of a VOC-sized map', () => {
    const rand = random(3);
    const seq = sequence(
      Array.from({ length: 1300 }, () => (rand() < 0.7 ? 1 + Math.floor(rand() * 127) : 128 + Math.floor(rand() * 300))),
      rand,
    );
    const bytes = packRunSequence(seq).length;
    expect(bytes).toBeGreaterThan(2 * 1300);
    expect(bytes).toBeLessThan(2.4 * 1300);
  });

  it('refuse a cut, extended, foreign or wrong-sized pack instead of reading it', () => {
    const rand = random(11);
    const seq = sequence(
      Array.from({ length: 50 }, () => 1 + Math.floor(rand() * 400)),
      rand,
    );
    const packed = packRunSequence(seq);
    const total = area(seq);
    expect(unpackRunSequence(packed, total)).not.toBeNull();
    // Every cut is refused, and so is a byte too many.
    for (let cut = 0; cut < packed.length; cut++) expect(unpackRunSequence(packed.subarray(0, cut), total), `cut at ${cut}`).toBeNull();
    expect(unpackRunSequence(Uint8Array.from([...packed, 0]), total)).toBeNull();
    // Another size than the map's, an unknown format byte, an empty run.
    expect(unpackRunSequence(packed, total + 1)).toBeNull();
    expect(unpackRunSequence(packed, total - 1)).toBeNull();
    expect(unpackRunSequence(Uint8Array.from([2, ...packed.subarray(1)]), total)).toBeNull();
    const withEmpty = new RunSequenceBuilder();
    withEmpty.push(1, 5);
    withEmpty.push(2, 5);
    withEmpty.push(3, 9);
    expect(unpackRunSequence(packRunSequence(withEmpty), 9)).toBeNull();
    // A varint that never ends, and one past 32 bits.
    expect(unpackRunSequence(Uint8Array.from([1, 1, 7, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 2 ** 40)).toBeNull();
    expect(unpackRunSequence(Uint8Array.from([1, 1, 7, 0x80, 0x80, 0x80, 0x80, 0x10]), 2 ** 36)).toBeNull();
  });

  it('reuse the sequence it is given', () => {
    const rand = random(5);
    const out = new RunSequenceBuilder();
    const a = sequence([3, 4, 5], rand);
    const b = sequence([10], rand);
    expect(unpackRunSequence(packRunSequence(a), 12, out)).toBe(out);
    expect(plain(unpackRunSequence(packRunSequence(b), 10, out)!)).toEqual(plain(b));
  });
});
