import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkAgainstRead } from '../../../../src/main/engine/models/adapters/segToken';
import { segSimilarity, toBfloat16 } from '../../../../src/main/engine/tokens/segToken';

// READ's (image * seg).sum(-1) on bf16 tensors, computed by torch (test/fixtures/bf16/make_fixture.py).
const fixture = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'fixtures', 'bf16', 'bf16.json'), 'utf8')) as {
  image: number[];
  seg: number[];
  sim: number[];
  sim_float64: number[];
};

describe('READ similarity in bf16', () => {
  it('rounds to bf16 as torch does (nearest, ties to even)', () => {
    expect(toBfloat16(1)).toBe(1);
    expect(toBfloat16(1 + 2 ** -8)).toBe(1); // a tie: to even
    expect(toBfloat16(1 + 3 * 2 ** -8)).toBe(1 + 2 ** -6); // a tie: to even (up)
    expect(toBfloat16(1 + 2 ** -8 + 2 ** -20)).toBe(1 + 2 ** -7);
    expect(toBfloat16(-2.7182817)).toBe(-2.71875);
    expect(toBfloat16(Infinity)).toBe(Infinity);
  });

  it('matches torch on random bf16 inputs, where a float64 dot product does not', () => {
    const image = new Float32Array(fixture.image);
    const seg = new Float32Array(fixture.seg);
    const bf16 = segSimilarity(image, 64, 256, seg, 'bfloat16');
    const f64 = segSimilarity(image, 64, 256, seg);
    const ulp = (v: number) => 2 ** (Math.floor(Math.log2(Math.abs(v))) - 7);
    let exact = 0;
    fixture.sim.forEach((want, i) => {
      if (bf16[i] === want) exact++;
      // torch may add in another order: at most one bf16 step apart.
      expect(Math.abs(bf16[i]! - want)).toBeLessThanOrEqual(ulp(want));
    });
    expect(exact).toBe(64); // measured: every value equal
    const f64Exact = fixture.sim.filter((want, i) => f64[i] === want).length;
    expect(f64Exact).toBeLessThan(10);
  });
});

describe("a bundle with READ's own similarity map", () => {
  it('is checked against it: bf16 agrees, a float64 dot product is refused with the fix named', () => {
    const image = new Float32Array(fixture.image);
    const seg = new Float32Array(fixture.seg);
    const read = new Float32Array(fixture.sim);
    expect(() => checkAgainstRead(segSimilarity(image, 64, 256, seg, 'bfloat16'), read, 'bfloat16')).not.toThrow();
    expect(() => checkAgainstRead(segSimilarity(image, 64, 256, seg), read, 'float64')).toThrow(
      /differs from READ's own .* set params\.similarity_precision: bfloat16/,
    );
  });
});
