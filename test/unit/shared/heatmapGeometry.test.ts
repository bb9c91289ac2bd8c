import { describe, expect, it } from 'vitest';
import { geometryFromMeta, heatmapCellAt, heatmapPlacement, type HeatmapGeometry } from '../../../src/shared/domain/heatmapGeometry';
import { imageToTensor } from '../../../src/main/engine/models/preprocess';
import {
  exportPlacement,
  heatmapAtImageSize,
  heatmapGeometry,
  readCropGeometry,
  SEG_SIMILARITY,
} from '../../../src/main/engine/models/adapters/heatmapGeometry';
import { fullResolutionMap } from '../../../src/main/engine/tokens';
import type { InputSpec } from '../../../src/shared/domain';

const spec = (policy: InputSpec['policy'], size: [number, number]): InputSpec =>
  ({ tensor: 'x', size, policy, channel_order: 'RGB', range: 255, mean: [0, 0, 0], std: [1, 1, 1] }) as InputSpec;

/** The geometry preprocessing gives an image of this size under this policy. */
function geometryFor(policy: InputSpec['policy'], size: number, imageW: number, imageH: number, grid: number): HeatmapGeometry {
  const t = imageToTensor({ data: new Uint8Array(imageW * imageH * 3), width: imageW, height: imageH }, spec(policy, [size, size]));
  return heatmapGeometry(t.geometry, grid, grid);
}

describe('heatmapPlacement', () => {
  it('longest-side-pad: a 32x32 map of a 640x320 image draws only its top 16 rows, over the whole image', () => {
    const g = geometryFor('longest-side-pad', 32, 640, 320, 32);
    expect(g).toEqual({
      tensorHeight: 32,
      tensorWidth: 32,
      contentHeight: 16,
      contentWidth: 32,
      cropTop: 0,
      cropLeft: 0,
      gridHeight: 32,
      gridWidth: 32,
    });
    const p = heatmapPlacement(g, { h: 32, w: 32 }, { width: 640, height: 320 });
    expect(p.src).toEqual({ x: 0, y: 0, width: 32, height: 16 });
    expect(p.dst).toEqual({ x: 0, y: 0, width: 640, height: 320 });
    expect(p.frame).toEqual({ x: 0, y: 0, width: 640, height: 640 });
    // Each map row is 20 image rows: the bottom image row is map row 15, never a padding row.
    expect(heatmapCellAt(0, 319, p, { h: 32, w: 32 })).toEqual({ row: 15, col: 0, index: 15 * 32 });
    expect(heatmapCellAt(639, 0, p, { h: 32, w: 32 })).toEqual({ row: 0, col: 31, index: 31 });
  });

  it('a coarser grid (patch tokens 14x14 of a 224 input) scales the window to grid cells', () => {
    const g = geometryFor('longest-side-pad', 224, 400, 200, 14);
    expect(g.contentHeight).toBe(112);
    const p = heatmapPlacement(g, { h: 14, w: 14 }, { width: 400, height: 200 });
    expect(p.src).toEqual({ x: 0, y: 0, width: 14, height: 7 });
    expect(heatmapCellAt(200, 199, p, { h: 14, w: 14 })).toEqual({ row: 6, col: 7, index: 6 * 14 + 7 });
  });

  it('a patch grid covering part of the tensor (fixed 180x250, patch 16: 11x15 over 176x240) draws only there', () => {
    const t = imageToTensor({ data: new Uint8Array(250 * 180 * 3), width: 250, height: 180 }, spec('fixed', [224, 224]));
    const g = heatmapGeometry(t.geometry, 11, 15, { height: 176, width: 240 });
    const p = heatmapPlacement(g, { h: 11, w: 15 }, { width: 250, height: 180 });
    expect(p.src).toEqual({ x: 0, y: 0, width: 15, height: 11 });
    expect(p.dst).toEqual({ x: 0, y: 0, width: 240, height: 176 });
    expect(p.frame).toEqual(p.dst);
    // Each cell is 16x16 image pixels; the last 10 columns and 4 rows are in no cell.
    expect(heatmapCellAt(239, 175, p, { h: 11, w: 15 })).toEqual({ row: 10, col: 14, index: 10 * 15 + 14 });
    expect(heatmapCellAt(16, 16, p, { h: 11, w: 15 })).toEqual({ row: 1, col: 1, index: 16 });
    expect(heatmapCellAt(240, 0, p, { h: 11, w: 15 })).toBeNull();
    expect(heatmapCellAt(0, 176, p, { h: 11, w: 15 })).toBeNull();
    // At the image size: the grid on 176x240 pixels, NaN (no data) on the rest.
    const map = Float32Array.from({ length: 11 * 15 }, (_, i) => i);
    const at = heatmapAtImageSize(map, 1, 11, 15, g, 180, 250);
    expect(at[0]).toBe(0);
    expect(at[175 * 250 + 239]).toBe(11 * 15 - 1);
    expect(Number.isNaN(at[176 * 250]!)).toBe(true);
    expect(Number.isNaN(at[240]!)).toBe(true);
    // The grid may not claim more than the tensor.
    expect(() => heatmapGeometry(t.geometry, 11, 15, { height: 181, width: 240 })).toThrow();
  });

  it('shortest-side-center-crop: the map covers the centre of a wide image, nothing on the sides', () => {
    // 640x320 -> content 448x224 (w x h), crop 224 from column 112: image columns 160..480.
    const g = geometryFor('shortest-side-center-crop', 224, 640, 320, 28);
    expect([g.contentHeight, g.contentWidth, g.cropTop, g.cropLeft]).toEqual([224, 448, 0, 112]);
    const p = heatmapPlacement(g, { h: 28, w: 28 }, { width: 640, height: 320 });
    expect(p.src).toEqual({ x: 0, y: 0, width: 28, height: 28 });
    expect(p.dst).toEqual({ x: 160, y: 0, width: 320, height: 320 });
    expect(p.frame).toEqual(p.dst);
    expect(heatmapCellAt(100, 100, p, { h: 28, w: 28 })).toBeNull();
    expect(heatmapCellAt(160, 0, p, { h: 28, w: 28 })).toEqual({ row: 0, col: 0, index: 0 });
    expect(heatmapCellAt(479, 319, p, { h: 28, w: 28 })?.index).toBe(28 * 28 - 1);
    expect(heatmapCellAt(480, 0, p, { h: 28, w: 28 })).toBeNull();
  });

  it('without geometry the map covers the whole image', () => {
    const p = heatmapPlacement(null, { h: 3, w: 4 }, { width: 64, height: 48 });
    expect(p.src).toEqual({ x: 0, y: 0, width: 4, height: 3 });
    expect(p.dst).toEqual({ x: 0, y: 0, width: 64, height: 48 });
    expect(heatmapCellAt(63, 47, p, { h: 3, w: 4 })).toEqual({ row: 2, col: 3, index: 11 });
  });

  it('rejects a malformed geometry in meta and reads none as null', () => {
    expect(geometryFromMeta({})).toBeNull();
    expect(() => geometryFromMeta({ geometry: { tensorHeight: 8 } })).toThrow(/heatmap geometry is malformed/);
    const g = { tensorHeight: 8, tensorWidth: 8, contentHeight: 4, contentWidth: 8, cropTop: 4, cropLeft: 0, gridHeight: 8, gridWidth: 8 };
    expect(() => geometryFromMeta({ geometry: g })).toThrow(/do not overlap/);
  });
});

describe('heatmapAtImageSize (npy export)', () => {
  it('longest-side-pad: the content rows of the map land on the image, the padding never does', () => {
    // 8x8 map of a 16x8 image (content 4x8): rows 0-1 = 1, rows 2-3 = 0.5, padding rows = 9.
    const g = geometryFor('longest-side-pad', 8, 16, 8, 8);
    const map = new Float32Array(64).map((_, i) => (i < 16 ? 1 : i < 32 ? 0.5 : 9));
    const out = heatmapAtImageSize(map, 1, 8, 8, g, 8, 16);
    expect(out.length).toBe(8 * 16);
    for (const v of out) expect(v).toBeLessThanOrEqual(9); // (no NaN)
    expect(out[0]).toBe(1); // top-left
    expect(out[2 * 16 + 5]).toBeCloseTo(1, 6);
    expect(out[5 * 16 + 5]).toBeCloseTo(0.5, 6);
    // The bottom image row blends only half a tensor row into the padding (align_corners=False):
    // far from the 9s that a stretch over the whole map would put there.
    expect(out[7 * 16 + 5]).toBeLessThan(3);
    const stretched = heatmapAtImageSize(map, 1, 8, 8, null, 8, 16);
    expect(stretched[7 * 16 + 5]).toBeCloseTo(9, 6);
  });

  it("READ's crop undo (negative offsets included) equals fullResolutionMap", () => {
    const grid = Float32Array.from({ length: 36 }, (_, i) => Math.sin(i) * 3);
    for (const image of [
      { height: 376, width: 500 },
      { height: 200, width: 120 },
      { height: 158, width: 300 }, // int(158 * (336 / 158)) = 335: READ's pad is -1, a row is cropped off each side
      { height: 384, width: 384 }, // square: nothing padded, still 6 -> 336 -> 384 (one resize 6 -> 384 was up to 0.0024 off, probe AD F2)
      { height: 200, width: 200 },
    ]) {
      const g = readCropGeometry(image, 336, 6, 6);
      expect(g).not.toBeNull();
      if (image.height === 158) expect(g?.cropTop).toBe(-1);
      const read = fullResolutionMap(grid, 6, 6, image);
      // The export of the raw grid: min-maxed with the grid's range, it is READ's map; its padding is the raw minimum
      // (READ pads its min-maxed map with 0), not a raw 0 that reads mid-range (probe AD F3).
      const exported = heatmapAtImageSize(grid, 1, 6, 6, g, image.height, image.width, exportPlacement(SEG_SIMILARITY, grid));
      const lo = Math.min(...grid);
      const range = Math.max(...grid) - lo;
      const ours = exported.map((v) => (v - lo) / range); // READ min-maxes the grid, then resizes
      let worst = 0;
      for (let i = 0; i < read.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - read[i]!));
      expect(worst).toBeLessThan(1e-5);
    }
  });

  it('writes NaN, not 0, beyond a centre crop of any other map: the model saw nothing there', () => {
    const g = readCropGeometry({ height: 200, width: 400 }, 336, 6, 6)!;
    const grid = Float32Array.from({ length: 36 }, (_, i) => i + 1);
    const out = heatmapAtImageSize(grid, 1, 6, 6, g, 200, 400, exportPlacement('cls_attention', grid));
    expect(Number.isNaN(out[0]!)).toBe(true); // left edge: outside the 336 crop of the 672-wide content
    expect(Number.isNaN(out[100 * 400 + 200]!)).toBe(false);
  });
});

describe('imageToTensor on an image too thin for its policy', () => {
  it('says so of the image (SAM rounds 3000x23 at 64 to 64x0), instead of a resize error read as the model refusing its input', () => {
    const thin = { data: new Uint8Array(3000 * 23 * 3), width: 3000, height: 23 };
    expect(() => imageToTensor(thin, spec('longest-side-pad', [64, 64]))).toThrow(
      'the image is 3000x23: too thin or too small for input.policy longest-side-pad at size 64x64, which would resize it to 64x0 pixels',
    );
    expect(imageToTensor(thin, spec('longest-side-pad', [1024, 1024])).geometry).toMatchObject({ contentWidth: 1024, contentHeight: 8 });
  });
});
