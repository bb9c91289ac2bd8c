import { describe, expect, it } from 'vitest';
import { samResizedSize, toSamFrame } from '../../../../src/main/engine/tokens/samFrame';

describe('toSamFrame (SAM ResizeLongestSide.apply_coords)', () => {
  it('scales both axes by 1024 / longest side when the resized sides are whole', () => {
    const points = toSamFrame([{ x: 220, y: 220, label: 1 as const, score: 1 }], { height: 480, width: 640 });
    expect(points).toEqual([{ x: 352, y: 352, label: 1, score: 1 }]);
  });

  it('scales the short axis by its rounded resized side, not exactly by 1024 / longest side', () => {
    // 333x500: scale 2.048, short side int(681.984 + 0.5) = 682, so y scales by 682 / 333.
    expect(samResizedSize({ height: 333, width: 500 })).toEqual({ height: 682, width: 1024 });
    const [point] = toSamFrame([{ x: 100, y: 100 }], { height: 333, width: 500 });
    expect(point!.x).toBeCloseTo(204.8, 10);
    expect(point!.y).toBeCloseTo((100 * 682) / 333, 10);
    expect(point!.y).not.toBeCloseTo(204.8, 3);
  });

  it('honours another target size', () => {
    expect(toSamFrame([{ x: 10, y: 5 }], { height: 100, width: 200 }, 400)).toEqual([{ x: 20, y: 10 }]);
  });
});
