import { describe, expect, it } from 'vitest';
import { cropMaskToBox } from '../../../../src/shared/pure/maskBox';

describe('cropMaskToBox', () => {
  it('crops a mask to the tight box of its 1s and counts them', () => {
    // 5 x 4 mask with an L shape at x 1..3, y 1..2.
    const mask = Uint8Array.from([0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    const found = cropMaskToBox(mask, 5, 4);
    expect(found?.box).toEqual({ x: 1, y: 1, w: 3, h: 2 });
    expect([...(found?.crop ?? [])]).toEqual([1, 0, 0, 1, 1, 1]);
    expect(found?.area).toBe(4);
  });

  it('returns null for an empty mask and ignores values other than 1', () => {
    expect(cropMaskToBox(new Uint8Array(6), 3, 2)).toBeNull();
    expect(cropMaskToBox(Uint8Array.from([2, 255, 0, 0]), 2, 2)).toBeNull();
  });
});
