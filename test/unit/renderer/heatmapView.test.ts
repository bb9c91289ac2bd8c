import { describe, expect, it } from 'vitest';
import { heatmapView, type HeatmapMeta } from '../../../src/renderer/features/viewer/heatmapView';
import { blobPath, parseBlobPath } from '../../../src/shared';
import { NamedHeatmapMeta } from '../../../src/shared/domain/heatmapMeta';

const settings = { channel: 0, patch: null, threshold: 0.5 };

/** A heatmaps.list row as the client receives it: meta parsed by name at the boundary. */
function row(raw: { name: string; shape: number[]; meta: Record<string, unknown>; query: null }): HeatmapMeta {
  return { ...NamedHeatmapMeta.parse({ name: raw.name, meta: raw.meta }), shape: raw.shape, query: raw.query };
}

describe('heatmapView', () => {
  it('reads a CAM with its class ids, shows the chosen channel on [0, 1] and derives the pseudo label', () => {
    const cam = new Float32Array([0.9, 0.2, 0.1, 0.8]); // [2, 1, 2]
    const v = heatmapView(row({ name: 'cam', shape: [2, 1, 2], meta: { classIds: [5, 9] }, query: null }), cam, {
      ...settings,
      channel: 1,
    });
    expect(v.kind).toBe('cam');
    expect(Array.from(v.plane ?? [])).toEqual([Math.fround(0.1), Math.fround(0.8)]);
    expect([v.min, v.max]).toEqual([0, 1]);
    expect(Array.from(v.pseudoLabel ?? [])).toEqual([5, 9]);
  });

  it("previews the run's own rule: an absent class never wins, and a three-band run shows ToCo's ignore band", () => {
    // [3, 1, 4]: channel 1 (class 2) is the strongest everywhere but absent from the image's labels.
    const cam = new Float32Array([0.9, 0.6, 0.3, 0.1, 1, 1, 1, 1, 0.2, 0.2, 0.2, 0.2]);
    const meta = { classIds: [1, 2, 3], present: [true, false, true], threshold: 0.5 };
    const two = heatmapView(row({ name: 'cam', shape: [3, 1, 4], meta, query: null }), cam, settings);
    // Before: the argmax over all channels, class 2 everywhere (the run's own label never shows it).
    expect(Array.from(two.pseudoLabel ?? [])).toEqual([1, 1, 0, 0]);
    const threeBand = { ...meta, threeBand: { high: 0.7, low: 0.25, ignoreIndex: 255 } };
    const three = heatmapView(row({ name: 'cam', shape: [3, 1, 4], meta: threeBand, query: null }), cam, settings);
    // ToCo cam_to_label(ignore_mid): > 0.7 keeps its class, (0.25, 0.7] ignore, <= 0.25 background.
    expect(Array.from(three.pseudoLabel ?? [])).toEqual([1, 255, 255, 0]);
    // The slider moves the background threshold: at 0.95 class 1's 0.9 is background first, then ignore (<= high).
    const high = heatmapView(row({ name: 'cam', shape: [3, 1, 4], meta: threeBand, query: null }), cam, { ...settings, threshold: 0.95 });
    expect(Array.from(high.pseudoLabel ?? [])).toEqual([0, 255, 255, 0]);
  });

  it('names the channels of an imported ToCo CAM dict by its keys, not by position', () => {
    // keys [14, 6]: channel 0 is class 15 (person), channel 1 class 7 (car), as the import stores them.
    const cam = new Float32Array([0.9, 0.2, 0.1, 0.8]); // [2, 1, 2]
    const meta = { source: 'a.npy', keys: [14, 6], classIndices: [15, 7] };
    const v = heatmapView(row({ name: 'cam', shape: [2, 1, 2], meta, query: null }), cam, settings);
    expect(v.classIds).toEqual([15, 7]);
    expect(Array.from(v.pseudoLabel ?? [])).toEqual([15, 7]);
  });

  it('treats patch tokens beyond gridH x gridW as prefix tokens and maps the clicked patch', () => {
    // CLS + a 1x2 grid: patch 0 = (1, 0), patch 1 = (0, 1).
    const tokens = new Float32Array([5, 5, 1, 0, 0, 1]);
    const none = heatmapView(row({ name: 'patch_tokens', shape: [3, 2], meta: { gridH: 1, gridW: 2 }, query: null }), tokens, settings);
    expect(none.plane).toBeNull();
    expect(none.grid).toEqual({ rows: 1, cols: 2 });
    const clicked = heatmapView(row({ name: 'patch_tokens', shape: [3, 2], meta: { gridH: 1, gridW: 2 }, query: null }), tokens, {
      ...settings,
      patch: 1,
    });
    expect(Array.from(clicked.plane ?? [])).toEqual([0, 1]);
  });

  it('keeps SasP points and the query of a <SEG> map, and HiPrune sets of token importance', () => {
    const seg = heatmapView(
      row({
        name: 'seg_similarity',
        shape: [1, 2],
        meta: { points: [{ x: 1, y: 2, label: 1 }, { bad: true }], query: 'the dog' },
        query: null,
      }),
      new Float32Array([2, 4]),
      settings,
    );
    expect(seg.points).toEqual([{ x: 1, y: 2, label: 1 }]);
    expect(seg.query).toBe('the dog');
    expect([seg.min, seg.max]).toEqual([2, 4]);
    const imp = heatmapView(
      row({ name: 'token_importance', shape: [1, 2], meta: { anchors: [1], buffers: [0], registers: 'x' }, query: null }),
      new Float32Array([0, 1]),
      settings,
    );
    expect(imp.sets).toEqual({ anchors: [1], buffers: [0], registers: [] });
  });
});

describe('blob refs the UI links to', () => {
  it('round-trips thumbnail and per-sample prediction refs', () => {
    for (const ref of [
      { kind: 'thumb', imageId: 4 },
      { kind: 'prediction', runId: 2, imageId: 4, sampleId: 9 },
      { kind: 'prediction', runId: 2, imageId: 4 },
    ] as const) {
      expect(parseBlobPath(blobPath(ref))).toEqual(ref);
    }
    expect(parseBlobPath('thumb/0')).toBeNull();
    expect(parseBlobPath('prediction/2/4/x')).toBeNull();
  });
});
