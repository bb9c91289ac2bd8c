// Prediction files are matched to samples by name (`<image stem>.png`, `<image stem>.q<k>.png`). Linux
// file names may hold line terminators; a stem with one must match like any other (probe AA F1: the
// per-query files of an image named "new\nline.jpg" were skipped, and its queries scored as all background).
import { describe, expect, it } from 'vitest';
import { samplesByFileStem } from '../../../../src/main/engine/datasets/stems';

const images = [
  { fileName: 'plain.jpg', sampleIds: [1, 2] },
  { fileName: 'new\nline.jpg', sampleIds: [3, 4, 5] },
  { fileName: 'carriage\rreturn.jpg', sampleIds: [6, 7] },
  { fileName: 'line\u2028separator.jpg', sampleIds: [8, 9] },
  { fileName: 'one\nquery.jpg', sampleIds: [10] },
];

describe('samplesByFileStem', () => {
  const stems = samplesByFileStem(images, 'refs', '.png');

  it.each([
    ['plain.q1', 2, 1],
    ['new\nline.q0', 3, 0],
    ['new\nline.q2', 5, 2],
    ['carriage\rreturn.q1', 7, 1],
    ['line\u2028separator.q0', 8, 0],
  ])('matches %j to its image query', (stem, sampleId, query) => {
    expect(stems.lookup(stem, `${stem}.png`)).toMatchObject({ sampleId, query });
  });

  it('matches the plain stem of a one-query image with a newline in its name', () => {
    expect(stems.lookup('one\nquery', 'one\nquery.png')).toMatchObject({ sampleId: 10, query: null });
    expect(stems.lookup('one\nquery.q0', 'one\nquery.q0.png')).toMatchObject({ sampleId: 10, query: 0 });
  });

  it('says why a query index past the image is skipped, newline or not', () => {
    expect(stems.lookup('new\nline.q3', 'new\nline.q3.png')).toEqual({ why: 'image new\nline.jpg has 3 queries (q0 … q2)' });
  });
});
