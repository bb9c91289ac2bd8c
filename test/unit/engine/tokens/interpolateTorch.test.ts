import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bilinearResize, bilinearResizeAbove, bilinearResizeArgmax, planeResizer } from '../../../../src/main/engine/tokens/interpolate';

// torch 1.13's F.interpolate(bilinear, align_corners=False) on the CPU, golden vectors made by
// test/fixtures/interpolate/make_fixtures.py: every float32 bit must match.
interface TorchCase {
  name: string;
  input: 'frac' | 'pixels' | 'wide';
  channels: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  inputSha256: string;
  outputSha256: string;
  /** The whole output, base64 float32 little-endian (small cases). */
  output?: string;
  /** Every sampleStride-th output value (large cases). */
  sample?: string;
  sampleStride?: number;
}

const fixture = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'fixtures', 'interpolate', 'cases.json'), 'utf8')) as {
  cases: TorchCase[];
};

/** The generator of make_fixtures.py: f(k) = fmod(k * 0.618034, 1) in float64, then float32. */
function makeInput(kind: TorchCase['input'], n: number): Float32Array {
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const f = (k * 0.618034) % 1;
    if (kind === 'frac') out[k] = f;
    else if (kind === 'pixels') out[k] = Math.floor(f * 256);
    else out[k] = (f - 0.5) * 2 ** ((k % 41) - 20);
  }
  return out;
}

const sha256 = (a: Float32Array): string =>
  createHash('sha256')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');

function decode(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** How many of torch's stored values (whole output or sample) differ from ours in any bit. */
function differing(c: TorchCase, ours: Float32Array): string {
  const stride = c.output === undefined ? c.sampleStride! : 1;
  const expected = decode(c.output ?? c.sample!);
  const a = new Uint32Array(expected.buffer);
  const b = new Uint32Array(ours.buffer, ours.byteOffset, ours.length);
  let bad = 0;
  let first = -1;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i * stride]) {
      bad++;
      if (first < 0) first = i * stride;
    }
  }
  if (bad === 0) return 'stored values all equal';
  return `${bad} of ${a.length} stored values differ, first at ${first}: torch ${expected[first / stride]} vs ${ours[first]}`;
}

const is = (c: TorchCase): string => `${c.name} (${c.input}, ${c.channels} channels)`;

describe('bilinearResize equals torch 1.13 CPU F.interpolate bit for bit (float32)', () => {
  it('has the golden cases', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(fixture.cases.map((c) => [is(c), c] as const))('%s', (_, c) => {
    const src = makeInput(c.input, c.channels * c.sh * c.sw);
    expect(sha256(src), 'the generated input differs from make_fixtures.py').toBe(c.inputSha256);
    const out = bilinearResize(src, c.channels, c.sh, c.sw, c.dh, c.dw);
    expect(out.length).toBe(c.channels * c.dh * c.dw);
    const same = sha256(out) === c.outputSha256;
    expect(same ? 'equal' : differing(c, out)).toBe('equal');
  });
});

describe('the fused and per-plane paths give the same float32 values as bilinearResize', () => {
  it.each(fixture.cases.filter((c) => c.channels === 1).map((c) => [is(c), c] as const))('bilinearResizeAbove: %s', (_, c) => {
    const src = makeInput(c.input, c.sh * c.sw);
    const full = bilinearResize(src, 1, c.sh, c.sw, c.dh, c.dw);
    for (const t of [full[0]!, full[full.length >> 1]!, full[full.length - 1]!, 0]) {
      const mask = bilinearResizeAbove(src, c.sh, c.sw, c.dh, c.dw, t);
      let bad = 0;
      for (let i = 0; i < full.length; i++) if (mask[i] !== (full[i]! > t ? 1 : 0)) bad++;
      expect(bad).toBe(0);
    }
  });

  it.each(fixture.cases.filter((c) => c.channels > 1 && c.dh * c.dw <= 1 << 16).map((c) => [is(c), c] as const))(
    'bilinearResizeArgmax: %s',
    (_, c) => {
      const src = makeInput(c.input, c.channels * c.sh * c.sw);
      const full = bilinearResize(src, c.channels, c.sh, c.sw, c.dh, c.dw);
      const plane = c.dh * c.dw;
      const labels = bilinearResizeArgmax(src, c.channels, c.sh, c.sw, c.dh, c.dw);
      let bad = 0;
      for (let i = 0; i < plane; i++) {
        let best = 0;
        for (let k = 1; k < c.channels; k++) if (full[k * plane + i]! > full[best * plane + i]!) best = k;
        if (labels[i] !== best) bad++;
      }
      expect(bad).toBe(0);
    },
  );

  // planeResizer resizes a plane as one channel of a multi-channel map: torch's values wherever torch
  // uses that kernel for every channel (more than one channel, or a 1x1 plane with fewer than 8).
  const multi = (c: TorchCase): boolean => (c.sh * c.sw > 1 ? c.channels > 1 : c.channels < 8);
  it.each(fixture.cases.filter(multi).map((c) => [is(c), c] as const))('planeResizer, plane by plane: %s', (_, c) => {
    const src = makeInput(c.input, c.channels * c.sh * c.sw);
    const out = new Float32Array(c.channels * c.dh * c.dw);
    const resize = planeResizer(c.sh, c.sw, c.dh, c.dw);
    for (let k = 0; k < c.channels; k++) resize(src, k * c.sh * c.sw, out, k * c.dh * c.dw);
    expect(sha256(out) === c.outputSha256 ? 'equal' : differing(c, out)).toBe('equal');
  });
});
