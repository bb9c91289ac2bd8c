import { describe, expect, it } from 'vitest';
import { methods } from '../../../src/shared/api/contract';
import { perImageColumnsOf, perImageRows, PerImageScores, type ImageScore } from '../../../src/shared/api/methods/metrics';

// metrics.perImage answers columns, checked by hand-written loops (zod's per-element array checks cost
// ~0.5 µs a value at 100k images): the check must refuse what the row schema refused.
const rows: ImageScore[] = [
  { sampleId: 3, imageId: 1, fileName: 'a.png', query: null, score: 0.5 },
  { sampleId: 4, imageId: 2, fileName: 'b.png', query: 'the dog', score: null },
  { sampleId: 9, imageId: 2, fileName: 'b.png', query: 'the cat', score: 0 },
];

describe('PerImageScores (metrics.perImage output)', () => {
  it('is the contract output, and rows round-trip through columns', () => {
    expect(methods['metrics.perImage'].output).toBe(PerImageScores);
    const columns = perImageColumnsOf(rows);
    expect(PerImageScores.parse(columns)).toEqual(columns);
    expect(perImageRows(PerImageScores.parse(JSON.parse(JSON.stringify(columns))))).toEqual(rows);
    expect(PerImageScores.safeParse(perImageColumnsOf([])).success).toBe(true);
  });

  it.each([
    ['columns of different lengths', { scores: [0.5, null] }],
    ['a fractional id', { sampleIds: [3, 4.5, 9] }],
    ['a zero id', { imageIds: [0, 2, 2] }],
    ['an id given as a string', { imageIds: [1, '2', 2] }],
    ['a name that is not a string', { fileNames: ['a.png', null, 'b.png'] }],
    ['a query that is a number', { queries: [null, 7, 'the cat'] }],
    ['a NaN score', { scores: [0.5, NaN, 0] }],
    ['an infinite score', { scores: [0.5, Infinity, 0] }],
    ['a column that is not an array', { scores: '0.5,null,0' }],
    ['a missing column', { queries: undefined }],
  ])('refuses %s', (_what, change) => {
    const bad = { ...perImageColumnsOf(rows), ...change };
    expect(PerImageScores.safeParse(bad).success).toBe(false);
  });
});
