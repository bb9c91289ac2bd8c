import { describe, expect, it } from 'vitest';
import { checkPaintedLabels, type LabelRule } from '../../../../src/main/engine/annotations/patchBytes';

const rule = (allowed: number[], says: string): LabelRule => {
  const a = new Array<number>(256).fill(0);
  for (const v of allowed) a[v] = 1;
  return { allowed: a, says };
};

describe('checkPaintedLabels', () => {
  it('judges only the pixels the patch changes, not the stored pixels around a stroke in its box', () => {
    // A class-5 stroke on a map whose stored pixels are 0: refused before as "paints label 0".
    const before = Uint8Array.of(0, 0, 0, 0);
    expect(() => checkPaintedLabels(before, Uint8Array.of(0, 5, 5, 0), rule([5, 255], 'x'), 'a.png')).not.toThrow();
    expect(() => checkPaintedLabels(before, Uint8Array.of(0, 7, 5, 0), rule([5, 255], 'classes are 5'), 'a.png')).toThrow(
      'a.png: the edit paints label 7, which is not a class here: classes are 5',
    );
  });
});
