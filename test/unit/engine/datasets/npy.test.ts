import { describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { parseNpy, parseNpz, writeNpyFloat32 } from '../../../../src/main/engine/tensors/npy';
import { npyBytes } from './npyBytes';

describe('.npy reader and writer', () => {
  it('reads float32, float64, uint8 and int64 C-order arrays with their shapes', () => {
    const f4 = parseNpy(npyBytes('<f4', [2, 3], new Float32Array([1, 2, 3, 4, 5, 6.5])), 'a.npy');
    expect(f4).toMatchObject({ shape: [2, 3], dtype: 'float32' });
    expect(Array.from(f4.data)).toEqual([1, 2, 3, 4, 5, 6.5]);
    const f8 = parseNpy(npyBytes('<f8', [3], new Float64Array([0.1, -2, 1e-9]), { version: 2 }), 'b.npy');
    expect(Array.from(f8.data)).toEqual([0.1, -2, 1e-9]);
    const u1 = parseNpy(npyBytes('|u1', [2, 2], new Uint8Array([0, 255, 7, 1])), 'c.npy');
    expect(u1).toMatchObject({ dtype: 'uint8', shape: [2, 2] });
    expect(Array.from(u1.data)).toEqual([0, 255, 7, 1]);
    const i8 = parseNpy(npyBytes('<i8', [2], new BigInt64Array([3n, 14n])), 'd.npy');
    expect(Array.from(i8.data)).toEqual([3, 14]);
    // Past 2^53 the numbers round; the values as stored stay exact beside them.
    const big = parseNpy(npyBytes('<i8', [2], new BigInt64Array([2n ** 62n + 1n, -(2n ** 53n) - 1n])), 'e.npy');
    expect(Array.from(big.data)).toEqual([2 ** 62, -(2 ** 53)]);
    expect(Array.from(big.int64 ?? [])).toEqual([2n ** 62n + 1n, -(2n ** 53n) - 1n]);
    expect(f4.int64).toBeUndefined();
  });

  it('refuses fortran order, other dtypes, truncation and non-npy bytes, naming the file', () => {
    expect(() => parseNpy(npyBytes('<f4', [2, 2], new Float32Array(4), { fortran: true }), 'cam.npy')).toThrow(
      /^cam\.npy: fortran_order arrays are not supported/,
    );
    expect(() => parseNpy(npyBytes('>f4', [1], new Float32Array(1)), 'be.npy')).toThrow(/^be\.npy: dtype '>f4' is not supported/);
    expect(() => parseNpy(npyBytes('|O', [1], new Uint8Array(8)), 'dict.npy')).toThrow(/dtype '\|O' is not supported/);
    const full = npyBytes('<f4', [4, 4], new Float32Array(16));
    expect(() => parseNpy(full.subarray(0, full.length - 3), 'cut.npy')).toThrow(
      /^cut\.npy: truncated: shape \(4, 4\) needs 64 data bytes, the file has 61/,
    );
    expect(() => parseNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 'x.npy')).toThrow(/^x\.npy: not a \.npy file/);
  });

  it('writes float32 files numpy can read: 64-byte aligned header, exact values', () => {
    const values = new Float32Array([0.25, -1, 3.5, 7, 8, 9]);
    const bytes = writeNpyFloat32([1, 2, 3], values);
    const headerLength = new DataView(bytes.buffer).getUint16(8, true);
    expect((10 + headerLength) % 64).toBe(0);
    expect(new TextDecoder().decode(bytes.subarray(10, 10 + headerLength))).toMatch(
      /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(1, 2, 3\), \} *\n$/,
    );
    const back = parseNpy(bytes, 'w.npy');
    expect(back.shape).toEqual([1, 2, 3]);
    expect(Array.from(back.data)).toEqual(Array.from(values));
  });

  it('reads the arrays of an .npz archive (stored or deflated)', () => {
    const keys = npyBytes('<i8', [2], new BigInt64Array([0n, 14n]));
    const highRes = npyBytes('<f4', [2, 1, 2], new Float32Array([0.5, 1, 0, 0.25]));
    for (const level of [0, 6] as const) {
      const arrays = parseNpz(zipSync({ 'keys.npy': keys, 'high_res.npy': highRes }, { level }), 'cam.npz');
      expect(Array.from(arrays.get('keys')?.data ?? [])).toEqual([0, 14]);
      expect(arrays.get('high_res')?.shape).toEqual([2, 1, 2]);
    }
    expect(() => parseNpz(new Uint8Array([1, 2, 3]), 'bad.npz')).toThrow(/^bad\.npz: not a readable \.npz/);
  });
});
