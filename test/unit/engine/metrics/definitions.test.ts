import { describe, expect, it } from 'vitest';
import { METRIC_DEFINITIONS } from '../../../../src/main/engine/metrics';

describe('METRIC_DEFINITIONS', () => {
  it('names every metric the product reports, each with a description and a reference code', () => {
    const names = [
      'mmseg-miou',
      'toco-miou',
      'pixel-acc',
      'mean-acc',
      'fwiou',
      'lisa-giou',
      'lisa-ciou',
      'lisa-precision',
      'toco-cam-sweep',
    ];
    expect(Object.keys(METRIC_DEFINITIONS).sort()).toEqual([...names].sort());
    for (const definition of Object.values(METRIC_DEFINITIONS)) {
      expect(definition.description.length).toBeGreaterThan(10);
      expect(definition.reference.length).toBeGreaterThan(10);
    }
  });

  it('maps each eval --json field to exactly one definition', () => {
    const fields = Object.values(METRIC_DEFINITIONS).map((d) => d.field);
    expect(new Set(fields).size).toBe(fields.length);
  });
});
