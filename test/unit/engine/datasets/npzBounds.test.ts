import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { parseNpz } from '../../../../src/main/engine/tensors/npy';
import { readMaskPng } from '../../../../src/main/engine/masks/png';
import { png30000 } from '../../../integration/datasets/hugePng';
import { npyBytes } from './npyBytes';

const fixture = (name: string): Uint8Array => readFileSync(fileURLToPath(new URL(`../../../fixtures/npz/${name}`, import.meta.url)));

describe('.npz reading is bounded', () => {
  it('reads what numpy 2.4 np.savez and np.savez_compressed write (zip64 local headers)', () => {
    for (const name of ['numpy_savez.npz', 'numpy_savez_compressed.npz']) {
      const arrays = parseNpz(fixture(name), name);
      expect(Array.from(arrays.get('keys')?.data ?? [])).toEqual([4, 14]);
      expect(arrays.get('high_res')?.shape).toEqual([2, 3, 4]);
      expect(Array.from(arrays.get('high_res')?.data ?? [])).toEqual(Array.from({ length: 24 }, (_, i) => i));
    }
  });

  it('refuses an entry whose .npy header declares more than the bound, before inflating its data', () => {
    const bomb = zipSync({ 'high_res.npy': npyBytes('<f4', [2000, 100, 100], new Float32Array(2000 * 100 * 100)) }, { level: 9 });
    expect(bomb.length).toBeLessThan(200_000);
    expect(() => parseNpz(bomb, 'bomb.npz', { maxBytes: 1e6 })).toThrow(
      /^bomb\.npz\/high_res\.npy: inflates to 80000128 bytes, more than the 1000000 allowed for bomb\.npz$/,
    );
  });

  it('refuses an entry whose declared size exceeds the bound', () => {
    const zip = zipSync({ 'x.npy': new Uint8Array(3e6) }, { level: 0 });
    expect(() => parseNpz(zip, 'stored.npz', { maxBytes: 1e6 })).toThrow(
      /^stored\.npz\/x\.npy: inflates to 3000000 bytes, more than the 1000000/,
    );
  });

  it('stops inflating at the end of the data the header declares, whatever the zip claims', () => {
    // 64 MB of trailing zeros behind a 2x2 array, and a local header that lies about the size.
    const body = new Uint8Array(64e6);
    body.set(npyBytes('<f4', [2, 2], new Float32Array([1, 2, 3, 4])));
    const zip = zipSync({ 'x.npy': body, 'y.npy': npyBytes('<f4', [1], new Float32Array([7])) }, { level: 9 });
    new DataView(zip.buffer, zip.byteOffset).setUint32(22, 100, true);
    const arrays = parseNpz(zip, 'lie.npz', { maxBytes: 1e6 });
    expect(Array.from(arrays.get('x')?.data ?? [])).toEqual([1, 2, 3, 4]);
    expect(Array.from(arrays.get('y')?.data ?? [])).toEqual([7]);
  });

  it('lets the caller refuse an array from its header alone', () => {
    const zip = zipSync({ 'a.npy': npyBytes('<f4', [3], new Float32Array(3)) });
    expect(() =>
      parseNpz(zip, 'c.npz', {
        checkHeader: (name, header) => {
          throw new Error(`${name} ${header.shape.join('x')} ${header.dataBytes}`);
        },
      }),
    ).toThrow(/^a 3 12$/);
  });

  it('refuses bytes that are not a zip', () => {
    expect(() => parseNpz(new Uint8Array([1, 2, 3, 4, 5]), 'junk.npz')).toThrow(/^junk\.npz: not a readable \.npz \(zip\) archive$/);
  });
});

describe('mask PNG size is checked from the header', () => {
  it('refuses a 30000x30000 mask against the pixel limit without decoding it', () => {
    expect(() => readMaskPng(png30000(), 'big.png')).toThrow(/^big\.png: mask is 30000x30000, more than the 268435456 pixels allowed$/);
  });
  it("runs the caller's size check before decoding", () => {
    let seen = '';
    expect(() =>
      readMaskPng(png30000(), 'big.png', (size) => {
        seen = `${size.width}x${size.height}`;
        throw new Error('wrong size');
      }),
    ).toThrow(/^wrong size$/);
    expect(seen).toBe('30000x30000');
  });
});
