import { describe, expect, it } from 'vitest';
import { imageToTensor, keepAspectSize } from '../../../../src/main/engine/models/preprocess';
import { InputSpec } from '../../../../src/shared/domain';

/** PaddleOCR DetResizeForTest, limit_type "max", written out independently (Python's round is half-to-even). */
function paddleReference(h: number, w: number, limit: number): [number, number] {
  const ratio = Math.max(h, w) > limit ? limit / Math.max(h, w) : 1;
  const pyRound = (x: number): number => {
    const f = Math.floor(x);
    const d = x - f;
    if (d > 0.5) return f + 1;
    if (d < 0.5) return f;
    return f % 2 === 0 ? f : f + 1;
  };
  const side = (v: number): number => Math.max(pyRound(Math.floor(v * ratio) / 32) * 32, 32);
  return [side(h), side(w)];
}

describe('keep-aspect input policy', () => {
  it('matches PaddleOCR DetResizeForTest sizes, including halves rounded to even', () => {
    expect(keepAspectSize(427, 640, 960, 32)).toEqual([416, 640]);
    expect(keepAspectSize(1411, 1411, 960, 32)).toEqual([960, 960]);
    // 400 / 32 = 12.5 -> 12 (half to even), 464 / 32 = 14.5 -> 14.
    expect(keepAspectSize(400, 464, 960, 32)).toEqual([384, 448]);
    expect(keepAspectSize(10, 20, 960, 32)).toEqual([32, 32]);
    for (let h = 1; h < 2500; h += 37)
      for (const w of [1, 31, 300, 960, 961, 1999, 4000]) expect(keepAspectSize(h, w, 960, 32)).toEqual(paddleReference(h, w, 960));
  });

  it('stretches the image to that size without padding', () => {
    const spec = InputSpec.parse({ tensor: 'x', policy: 'keep-aspect', size: 64, multiple: 32 });
    const img = { width: 100, height: 50, data: new Uint8Array(100 * 50 * 3).fill(255) };
    const t = imageToTensor(img, spec);
    expect(t.dims).toEqual([1, 3, 32, 64]);
    expect(t.geometry).toEqual({ height: 32, width: 64, contentHeight: 32, contentWidth: 64, cropTop: 0, cropLeft: 0 });
    expect(Math.min(...t.data)).toBe(255);
  });

  it('rejects unknown keys inside input', () => {
    const r = InputSpec.safeParse({ tensor: 'x', policy: 'resize', size: 64, meen: [0, 0, 0] });
    expect(r.success).toBe(false);
  });
});

describe('shortest-side-center-crop', () => {
  it('sizes the long side as CLIP processors do: int(336 * long / short), truncated', () => {
    const spec = InputSpec.parse({ tensor: 'x', policy: 'shortest-side-center-crop', size: 336 });
    // 500x333: 336 * 500 / 333 = 504.5 -> 504 (rounding would give 505 and shift the crop by one pixel).
    const img = { width: 500, height: 333, data: new Uint8Array(500 * 333 * 3) };
    expect(imageToTensor(img, spec).geometry).toEqual({
      height: 336,
      width: 336,
      contentHeight: 336,
      contentWidth: 504,
      cropTop: 0,
      cropLeft: 84,
    });
    const tall = { width: 333, height: 500, data: new Uint8Array(500 * 333 * 3) };
    expect(imageToTensor(tall, spec).geometry).toMatchObject({ contentHeight: 504, contentWidth: 336, cropTop: 84, cropLeft: 0 });
  });
});
