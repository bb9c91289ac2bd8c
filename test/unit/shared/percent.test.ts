import { describe, expect, it } from 'vitest';
import { bestAsPrinted, percentText } from '../../../src/shared/domain/percent';

describe('scores as tables print them', () => {
  it('a value that rounds to zero prints without a minus sign; others keep theirs', () => {
    expect(percentText(-1.3e-8)).toBe('0.00');
    expect(percentText(-4e-6, 1)).toBe('0.0');
    expect(percentText(-0)).toBe('0.00');
    expect(percentText(-0.0001234)).toBe('-0.01');
    expect(percentText(0.987805)).toBe('98.78');
    expect(percentText(null)).toBe('—');
  });

  it('best as printed: runs that print the same are all best (P and Q of probe Z differ by 1e-6)', () => {
    expect([...bestAsPrinted([0.98780566, 0.98780433], 2)]).toEqual([0, 1]);
    expect([...bestAsPrinted([0.98780566, 0.98770433], 2)]).toEqual([0]);
    expect([...bestAsPrinted([null, 0.5, null], 2)]).toEqual([1]);
    expect([...bestAsPrinted([null, null], 2)]).toEqual([]);
  });
});
