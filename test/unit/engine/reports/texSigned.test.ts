import { describe, expect, it } from 'vitest';
import { texSigned } from '../../../../src/main/engine/reports/tables';

describe('texSigned', () => {
  it('signs what is printed: a difference that rounds to 0.0 points has no sign (was $-$0.0)', () => {
    expect(texSigned(-0.000085)).toBe('0.0');
    expect(texSigned(0.0004)).toBe('0.0');
    expect(texSigned(-0.00085)).toBe('$-$0.1');
    expect(texSigned(0.069)).toBe('+6.9');
    expect(texSigned(0)).toBe('0.0');
  });
});
