import { describe, expect, it } from 'vitest';
import { MAX_SCALE, MIN_SCALE, fitViewport, zoomAt, zoomLabel } from '../../../src/renderer/canvas/viewport';
import { galleryViewQuery, hashQuery, parseGalleryView } from '../../../src/renderer/features/gallery/galleryView';
import { compareNames, compareScored, orderScored, unscoredImages } from '../../../src/shared/domain/imageOrder';
import { parseRoute } from '../../../src/renderer/router';

describe('zoom limits and readout', () => {
  it('clamps every zoom to 1/32x .. 64x', () => {
    let v = { scale: 1, x: 0, y: 0 };
    for (let i = 0; i < 40; i++) v = zoomAt(v, { x: 10, y: 10 }, 2);
    expect(v.scale).toBe(64);
    for (let i = 0; i < 40; i++) v = zoomAt(v, { x: 10, y: 10 }, 0.5);
    expect(v.scale).toBe(1 / 32);
    expect([MIN_SCALE, MAX_SCALE]).toEqual([1 / 32, 64]);
    expect(fitViewport(100_000, 10, 1000, 1000).scale).toBe(1 / 32);
  });
  it('reads the zoom as a percentage', () => {
    expect([1, 2.5, 64, 1 / 32, 0.5].map(zoomLabel)).toEqual(['100%', '250%', '6400%', '3.1%', '50%']);
  });
});

describe('gallery view in the URL', () => {
  it('round-trips filters, sort, overlay and scroll; defaults leave no query', () => {
    const view = {
      filter: { tag: 'hard cases', reviewState: 'in-review' as const, hasGroundTruth: false, classPresent: 0, runId: 4 },
      sort: { by: 'score' as const, runId: 3, order: 'desc' as const },
      overlay: { kind: 'pred' as const, runId: 3 },
      at: 240,
      dy: 37,
    };
    const q = galleryViewQuery(view);
    expect(parseGalleryView(q)).toEqual(view);
    expect(galleryViewQuery(parseGalleryView(''))).toBe('');
    expect(hashQuery(`#/images/7?${q}`)).toBe(q);
  });
  it('drops what it cannot read instead of failing', () => {
    expect(parseGalleryView('review=nope&class=300&run=0&sort=up:3&overlay=pred:x&at=-4&gt=maybe')).toEqual({
      filter: {},
      sort: { by: 'name' },
      overlay: { kind: 'none' },
      at: 0,
      dy: 0,
    });
  });
});

describe('score order shared by the gallery and images.neighbors', () => {
  // Columns as metrics.perImage lists them: in the gallery's name order (UTF-8 bytes, then id, then sample).
  const columnsOf = (rows: Array<{ imageId: number; fileName: string; score: number | null }>) => ({
    imageIds: rows.map((r) => r.imageId),
    fileNames: rows.map((r) => r.fileName),
    scores: rows.map((r) => r.score),
  });

  it('sorts defined scores, puts undefined ones last, breaks ties by name then id, keeps one row per image', () => {
    const columns = columnsOf([
      { imageId: 2, fileName: 'a.png', score: null },
      { imageId: 3, fileName: 'a.png', score: 0.5 },
      { imageId: 3, fileName: 'a.png', score: 0.1 },
      { imageId: 1, fileName: 'b.png', score: 0.5 },
      { imageId: 4, fileName: 'c.png', score: 0.9 },
      { imageId: 5, fileName: 'd.png', score: 0 },
    ]);
    const ids = (order: 'asc' | 'desc', allowed = [1, 2, 3, 4, 5]) => orderScored(columns, new Set(allowed), order).map((r) => r.imageId);
    expect(ids('asc')).toEqual([5, 3, 1, 4, 2]);
    expect(ids('desc')).toEqual([4, 3, 1, 5, 2]);
    expect(ids('asc', [1, 4])).toEqual([1, 4]);
    expect(compareScored('asc')({ imageId: 9, fileName: 'x', score: 0.5 }, { imageId: 8, fileName: 'x', score: 0.5 })).toBeGreaterThan(0);
    // Images without a score row (no ground truth, outside a subset run) follow, in the filtered ids' (name) order.
    expect(unscoredImages(columns, [7, 1, 2, 6, 3, 4, 5])).toEqual([7, 6]);
    expect(unscoredImages(columns, [1, 2])).toEqual([]);
  });

  it('orders as compareScored sorts the rows, on random columns with many ties and names whose UTF-8 and UTF-16 orders differ', () => {
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const names = ['a.png', 'b.png', '\u{e000}.png', '\u{1f600}.png', '\u{ff21}.png', 'a\u{10000}.png', ''];
    for (let round = 0; round < 20; round++) {
      const rows = Array.from({ length: 300 }, (_, k) => ({
        imageId: 1 + Math.floor(rand() * 200),
        fileName: names[Math.floor(rand() * names.length)]!,
        score: rand() < 0.1 ? null : Math.floor(rand() * 5) / 4,
        sampleId: k + 1,
      }));
      // One name per image, then the gallery's order (name as UTF-8 bytes, image id, sample id).
      for (const r of rows) r.fileName = names[r.imageId % names.length]!;
      rows.sort((a, b) => compareNames(a, b) || a.sampleId - b.sampleId);
      const allowed = new Set(rows.filter(() => rand() < 0.7).map((r) => r.imageId));
      for (const order of ['asc', 'desc'] as const) {
        const firstPerImage = rows.filter((r, k) => allowed.has(r.imageId) && rows.findIndex((q) => q.imageId === r.imageId) === k);
        const expected = firstPerImage.map(({ imageId, fileName, score }) => ({ imageId, fileName, score })).sort(compareScored(order));
        expect(orderScored(columnsOf(rows), allowed, order)).toEqual(expected);
      }
    }
  });
});

describe('hash routes', () => {
  it('parses the app routes and sends anything else to Not found (a path under a page is no page)', () => {
    expect(parseRoute('#/datasets/1')).toEqual({ page: 'gallery', datasetId: 1 });
    expect(parseRoute('#/datasets/1?tag=x')).toEqual({ page: 'gallery', datasetId: 1 });
    expect(parseRoute('#/jobs')).toEqual({ page: 'jobs' });
    expect(parseRoute('#/')).toEqual({ page: 'datasets' });
    for (const hash of ['#/datasets/1/benchmarks', '#/images/7/x', '#/jobs/3', '#/models/a', '#/annotate/2/3'])
      expect(parseRoute(hash)).toEqual({ page: 'notFound', hash });
  });
});
