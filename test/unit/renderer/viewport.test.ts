import { describe, expect, it } from 'vitest';
import { actualSize, fitViewport, screenToImage, zoomAt } from '../../../src/renderer/canvas/viewport';
import { classLut, maskToRgba } from '../../../src/renderer/canvas/raster/maskToRgba';

describe('viewport math', () => {
  it('fits a wide image into the stage, centred', () => {
    expect(fitViewport(400, 100, 200, 200)).toEqual({ scale: 0.5, x: 0, y: 75 });
  });

  it('keeps the image point under the cursor fixed when zooming', () => {
    const v = { scale: 0.7, x: 13, y: -40 };
    const pointer = { x: 321, y: 123 };
    const before = screenToImage(v, pointer);
    for (const factor of [2, 0.5, 1.37]) {
      const after = screenToImage(zoomAt(v, pointer, factor), pointer);
      expect(after.x).toBeCloseTo(before.x, 9);
      expect(after.y).toBeCloseTo(before.y, 9);
    }
  });

  it('goes to 1:1 around the stage centre', () => {
    const v = actualSize({ scale: 0.25, x: 0, y: 0 }, 800, 600);
    expect(v.scale).toBe(1);
    expect(screenToImage(v, { x: 400, y: 300 })).toEqual({ x: 1600, y: 1200 });
  });
});

describe('label map to RGBA', () => {
  it('colours classes through the LUT, leaves background transparent and shows ignore', () => {
    const lut = classLut([
      { index: 0, color: [0, 0, 0] },
      { index: 1, color: [128, 0, 0] },
    ]);
    const rgba = maskToRgba(new Uint8Array([0, 1, 255, 7]), lut);
    expect(Array.from(rgba)).toEqual([0, 0, 0, 0, 128, 0, 0, 255, 224, 224, 192, 255, 0, 0, 0, 0]);
  });
});
