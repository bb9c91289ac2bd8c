import { describe, expect, it } from 'vitest';
import { heatmapRgb } from '../../../../src/main/engine/reports/thumbnails';

describe('report heatmap thumbnail', () => {
  it('maps a padded model map onto the image: the padding never shows, nor sets the colour range', () => {
    // 4x4 map of a 2:1 image under longest-side-pad 4: content rows 0-1 (0 then 1), padding rows = 100.
    const values = new Float32Array([0, 0, 0, 0, 1, 1, 1, 1, 100, 100, 100, 100, 100, 100, 100, 100]);
    const geometry = {
      tensorHeight: 4,
      tensorWidth: 4,
      contentHeight: 2,
      contentWidth: 4,
      cropTop: 0,
      cropLeft: 0,
      gridHeight: 4,
      gridWidth: 4,
    };
    const heatmap = {
      name: 'probability',
      shape: [4, 4],
      dtype: 'float32' as const,
      data: new Uint8Array(values.buffer),
      meta: { geometry },
    };
    const thumb = heatmapRgb(heatmap, { width: 8, height: 4 });
    expect(thumb).toMatchObject({ width: 8, height: 4 });
    const px = (x: number, y: number): number[] => Array.from(thumb!.rgb.subarray((y * 8 + x) * 3, (y * 8 + x) * 3 + 3));
    // Top row = content row 0 = the range's low end (dark blue), bottom row = content row 1 = high end (dark red).
    expect(px(3, 0)).toEqual([0, 0, 128]);
    expect(px(3, 3)).toEqual([128, 0, 0]);
    // Without geometry the same map is drawn as stored, padding included.
    expect(heatmapRgb({ ...heatmap, meta: {} }, { width: 8, height: 4 })).toMatchObject({ width: 4, height: 4 });
  });
});
