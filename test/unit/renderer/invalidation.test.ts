import { describe, expect, it } from 'vitest';
import { staleAfter } from '../../../src/renderer/api/invalidation';

describe('which cached queries an engine data.changed event makes stale', () => {
  it('a topic stales its own methods; * stales everything', () => {
    expect(staleAfter(['tags'], ['tags.list', {}])).toBe(true);
    expect(staleAfter(['images'], ['images.page', { datasetId: 1 }])).toBe(true);
    expect(staleAfter(['tags'], ['runs.list', { datasetId: 1 }])).toBe(false);
    expect(staleAfter(['*'], ['runs.list', { datasetId: 1 }])).toBe(true);
  });

  it('a tag change stales the subset list and every metrics read over a subset, not the whole-dataset ones', () => {
    expect(staleAfter(['tags', 'images'], ['metrics.subsets', { datasetId: 1 }])).toBe(true);
    expect(staleAfter(['tags', 'images'], ['metrics.scores', { datasetId: 1, runId: 2, subset: 'even' }])).toBe(true);
    expect(staleAfter(['tags', 'images'], ['metrics.compare', { datasetId: 1, runIds: [1, 2], subset: 'even' }])).toBe(true);
    expect(staleAfter(['tags', 'images'], ['metrics.camSweep', { datasetId: 1, runId: 2, subset: 'even' }])).toBe(true);
    expect(staleAfter(['tags', 'images'], ['metrics.scores', { datasetId: 1, runId: 2 }])).toBe(false);
    expect(staleAfter(['tags', 'images'], ['metrics.perImage', { datasetId: 1, runId: 2 }])).toBe(false);
  });

  it('a ground-truth edit stales every metrics read', () => {
    expect(staleAfter(['annotations', 'images'], ['metrics.scores', { datasetId: 1, runId: 2 }])).toBe(true);
    expect(staleAfter(['annotations', 'images'], ['metrics.perImage', { datasetId: 1, runId: 2 }])).toBe(true);
    expect(staleAfter(['annotations', 'images'], ['runs.list', { datasetId: 1 }])).toBe(false);
  });
});
